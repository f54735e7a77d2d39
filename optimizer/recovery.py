"""Closure recovery: makeups for every session lost to a closed day, chosen jointly.

When a day is closed after publication, each participant's sessions that day are lost. Each
lost session may be made up in one of several dated sessions (its candidates — found one at a
time by the caller, each keeping every hard rule on its own). Chosen together they compete for
places, high-acuity places and van seats, may clash in a participant's day, and may put a
keep-apart pair in one room; CP-SAT picks the set that recovers the most weight (required first:
the term's priority weights) without any of that.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model


@dataclass(frozen=True)
class Lost:
    """A participant's session lost to the closure."""

    key: str
    participant: str
    weight: int


@dataclass(frozen=True)
class Candidate:
    """``lost`` could be made up in ``option`` (a dated session or a proposed extra meeting)."""

    lost: str
    option: str
    uses: tuple[Hashable, ...] = ()
    """Capacities the makeup takes one unit of: the option's places, a high-acuity place, a van
    seat on a run that date … (keys of :attr:`Recovery.capacity`)."""


@dataclass
class Recovery:
    lost: list[Lost]
    candidates: list[Candidate]
    capacity: dict[Hashable, int] = field(default_factory=dict)
    """Units left per capacity key."""
    conflicts: list[tuple[int, int]] = field(default_factory=list)
    """Pairs of candidate indices that cannot both be chosen (a clash in one participant's day,
    a keep-apart pair or two programs in one single-program session)."""


def recover(problem: Recovery, time_limit: float = 10.0, workers: int = 2) -> dict[str, str]:
    """lost key → option key, for the most weight recovered; lost keys left out are not."""
    model = cp_model.CpModel()
    pick = [model.new_bool_var(f"pick[{i}]") for i in range(len(problem.candidates))]
    by_lost: dict[str, list[int]] = {}
    by_capacity: dict[Hashable, list[int]] = {}
    for i, c in enumerate(problem.candidates):
        by_lost.setdefault(c.lost, []).append(i)
        for key in c.uses:
            by_capacity.setdefault(key, []).append(i)
    for indices in by_lost.values():
        model.add_at_most_one(pick[i] for i in indices)
    for key, indices in by_capacity.items():
        left = problem.capacity.get(key)
        if left is not None and len(indices) > left:
            model.add(sum(pick[i] for i in indices) <= max(0, left))
    for a, b in problem.conflicts:
        model.add_bool_or([pick[a].Not(), pick[b].Not()])
    weight = {lost.key: lost.weight for lost in problem.lost}
    model.maximize(
        cp_model.LinearExpr.weighted_sum(pick, [weight[c.lost] for c in problem.candidates])
    )
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return {}
    return {
        problem.candidates[i].lost: problem.candidates[i].option
        for i in range(len(pick))
        if solver.boolean_value(pick[i])
    }


def clashing(spans: Iterable[tuple[int, str, int, int]]) -> list[tuple[int, int]]:
    """Pairs of candidate indices whose (participant, start, end) spans overlap: give each as
    ``(index, participant, start, end)`` for candidates on one date."""
    ordered = sorted(spans, key=lambda s: (s[1], s[2]))
    out = []
    for i, (a, pa, _sa, ea) in enumerate(ordered):
        for b, pb, sb, _eb in ordered[i + 1 :]:
            if pb != pa or sb >= ea:
                break
            out.append((a, b))
    return out
