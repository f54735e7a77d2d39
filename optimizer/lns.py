"""Large-neighbourhood search: improve a plan a few group types at a time.

Each round frees a handful of section slots — some of a group type that could seat more weight
(drawn by its share of the data bound minus what it seats now; one unused slot among them, so
a section may open), then the sections its waiting requesters hold in other types, since moving
a person means moving their other groups — solves that neighbourhood exactly with the same
CP-SAT rules for a few seconds (:mod:`optimizer.neighbourhood`), and keeps the result when the
score rises. Neighbourhoods grow while they solve to optimality and shrink when they time out.
It scales to terms whose whole model would be too big to build, and needs no model of the
whole term.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from optimizer.bounds import type_bounds
from optimizer.cpsat.model import CpsatScheduler, Progress
from optimizer.cpsat.variables import Slot
from optimizer.neighbourhood import merge, plan_identity, restrict
from optimizer.options import SolveOptions
from optimizer.plan import Plan, canonical
from optimizer.prepare import Prepared
from optimizer.stability import Identity
from optimizer.weekmask import WeekGrid

ROUND_SECONDS = 5.0
"""Time for one neighbourhood; short rounds keep the search moving."""
MAX_SLOTS = 40
"""Neighbourhoods grow by one slot per round solved to optimality, up to this many."""


@dataclass
class LnsStats:
    rounds: int = 0
    improvements: int = 0
    optimal_rounds: int = 0


def improve(
    prep: Prepared,
    plan: Plan,
    ident: Identity,
    deadline: float,
    options: SolveOptions,
    progress: Progress | None = None,
    bound: int | None = None,
    ceiling: dict[str, int] | None = None,
) -> tuple[Plan, LnsStats]:
    """A plan at least as good as ``plan``, searched until ``deadline`` (monotonic clock);
    ``ceiling``: per type, the weight it could seat at most (the data bound's shares)."""
    rng = random.Random(options.seed)
    grid = WeekGrid(prep)
    stats = LnsStats()
    score = plan.score(prep)
    size = 4
    started = time.monotonic()
    types = [t for t, data in prep.types.items() if data.slots > 0]
    stable = bool(ident.previous or ident.current)
    ceiling = ceiling if ceiling is not None else type_bounds(prep)
    while types and deadline - time.monotonic() > 1.0 and (bound is None or score < bound):
        free = _pick(prep, plan, size, rng, types, ceiling)
        hood = restrict(prep, plan, free, grid)
        before = hood.hint.score(prep)
        limit = min(ROUND_SECONDS, deadline - time.monotonic())
        if stable:  # a re-solve: within a round, change nothing the score does not need
            scheduler = CpsatScheduler(hood.prep, plan_identity(hood.prep, plan, ident))
            scheduler.hint(hood.hint)
            result = scheduler.run_score_then_stability(options, limit)
        else:
            scheduler = CpsatScheduler(hood.prep, ident)
            scheduler.hint(canonical(hood.hint, ident, hood.prep))
            result = scheduler.run_primary(options, limit)
        stats.rounds += 1
        if result.status == "OPTIMAL":
            stats.optimal_rounds += 1
            size = min(size + 1, MAX_SLOTS)
        else:
            size = max(2, size - 1)
        if result.plan is not None and result.plan.score(prep) > before:
            plan = merge(plan, result.plan, hood)
            score = plan.score(prep)
            stats.improvements += 1
            if progress:
                progress("score", score, bound, time.monotonic() - started)
    return plan, stats


def _pick(
    prep: Prepared,
    plan: Plan,
    size: int,
    rng: random.Random,
    types: list[str],
    ceiling: dict[str, int],
) -> set[Slot]:
    """About ``size`` slots: some of a type that could seat more weight (drawn by how far it
    is below its ``ceiling``; an unused slot among them, so a section can open), then the
    sections its waiting requesters sit in elsewhere."""
    placed = plan.placed()
    waiting = {t: [pid for pid in prep.types[t].members if (pid, t) not in placed] for t in types}
    seated = {
        t: sum(prep.weight[pid, t] for pid in prep.types[t].members if (pid, t) in placed)
        for t in types
    }
    weights = [1 + ceiling[t] - seated[t] for t in types]
    focus = rng.choices(types, weights=weights)[0]
    own = [(focus, i) for i in range(prep.types[focus].slots)]
    used = [slot for slot in own if slot in plan.slots]
    unused = [slot for slot in own if slot not in plan.slots]
    rng.shuffle(used)
    free = set(used[: max(1, size // 2)]) | set(unused[:1])
    where = {(pid, slot[0]): slot for slot, sp in plan.slots.items() for pid in sp.members}
    people = waiting[focus][:]
    rng.shuffle(people)
    for pid in people:
        if len(free) >= size:
            break
        for t in prep.types:
            slot = where.get((pid, t))
            if slot is not None and len(free) < size:
                free.add(slot)
    return free
