"""Admitting participants mid-term with everyone else pinned.

The newcomers' requested group types are modelled (every slot of those types, used or not) with
the rest of the schedule fixed around them (:mod:`optimizer.neighbourhood`), and every existing
section and everyone already enrolled is pinned (:meth:`CpsatScheduler.pin`). CP-SAT then picks,
for each newcomer, the sections that place the most weight; what cannot be placed is waitlisted
with its reasons. Nothing else in the schedule changes.
"""

from __future__ import annotations

import time

from models.schedule import Schedule, Status
from models.term import Term
from models.validation import validate_schedule
from optimizer.cpsat.model import CpsatScheduler
from optimizer.neighbourhood import merge, restrict, slots_of
from optimizer.options import SolveOptions
from optimizer.plan import previous_plan
from optimizer.prepare import prepare
from optimizer.solve import SolveResult, to_schedule
from optimizer.stability import build_identity
from optimizer.weekmask import WeekGrid


def admit(
    term: Term, schedule: Schedule, newcomers: list[str], options: SolveOptions | None = None
) -> SolveResult:
    """``schedule`` with ``newcomers`` (participants of ``term``) placed where they fit best.

    ``term`` is the term with the newcomers in it; ``schedule`` is today's. Everyone else keeps
    their sections, times, rooms, staff and rides."""
    options = options or SolveOptions(time_limit=10)
    started = time.monotonic()
    prep = prepare(term)
    ident = build_identity(prep, schedule)
    plan = previous_plan(prep, ident)
    types = {r.group_type for p in term.participants if p.id in newcomers for r in p.requests}
    hood = restrict(prep, plan, slots_of(prep, types), WeekGrid(prep))
    scheduler = CpsatScheduler(hood.prep, ident)
    scheduler.hint(hood.hint)
    scheduler.pin(hood.hint, set(newcomers))
    result = scheduler.run_primary(options, options.time_limit)
    if result.plan is not None:
        plan = merge(plan, result.plan, hood)
    seconds = time.monotonic() - started
    status = Status.FEASIBLE if result.plan is not None else Status.UNKNOWN
    out = to_schedule(prep, ident, plan, status, None, seconds, schedule)
    return SolveResult(out, validate_schedule(term, out), [result], seconds)
