"""Per group type, the most it could seat on its own: an upper bound that sees meeting times.

The data bound (:mod:`optimizer.bounds`) counts seats, not when sections can meet: two
sections of a type whose requesters are free at many different times cannot seat them all.
Solving each type alone with every hard rule of the type (the rest of the term ignored)
catches that; its optimum, or CP-SAT's proven bound when time runs out, caps what the type can
seat in any valid schedule. Cheap on small terms, where the whole-term model runs too; on large
ones a type alone is itself too big to settle in the time, and this is not used.
"""

from __future__ import annotations

import time

from optimizer.cpsat.model import CpsatScheduler
from optimizer.options import SolveOptions
from optimizer.prepare import Prepared
from optimizer.stability import build_identity

MIN_SECONDS = 0.05
"""Below this a type's solve is not started: it would end before presolve does."""


def type_optima(prep: Prepared, options: SolveOptions, seconds: float) -> dict[str, int]:
    """Per type that could run, the most weight it can seat alone (proven), within
    ``seconds`` shared evenly; types that ran out of time or were not reached are left out."""
    types = [t for t, data in prep.types.items() if data.slots > 0 and data.patterns]
    deadline = time.monotonic() + seconds
    out: dict[str, int] = {}
    for i, type_id in enumerate(types):
        share = (deadline - time.monotonic()) / (len(types) - i)
        if share < MIN_SECONDS:
            break
        alone = Prepared(prep.term, {type_id: prep.types[type_id]}, prep.runs_by_day, prep.weight)
        result = CpsatScheduler(alone, build_identity(alone, None)).run_primary(options, share)
        if result.status == "OPTIMAL" and result.objective is not None:
            out[type_id] = result.objective
        elif result.status == "FEASIBLE" and result.bound is not None:
            out[type_id] = result.bound
    return out
