"""``solve()``: a term in, a validated contract schedule out.

The score phase runs first; the secondary aims get what time is left, under the score found.
No solution is a status, never an exception; every schedule returned has been re-checked by the
independent validator and carries its violations (expected: none).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from models.schedule import Schedule, SecondaryAims, Section, Status
from models.term import Term
from models.validation import Violation, validate_schedule
from optimizer.bounds import DataBound, capacity_bound, data_bound, type_bounds
from optimizer.cpsat.model import CpsatScheduler, PhaseResult, Progress
from optimizer.greedy import greedy_plan
from optimizer.lns import LnsStats, improve
from optimizer.options import SolveOptions
from optimizer.plan import Plan, canonical, previous_plan, to_contract
from optimizer.prepare import Prepared, prepare
from optimizer.stability import Identity, build_identity
from optimizer.type_optima import type_optima
from optimizer.waitlist import build_waitlist

MIN_SECONDARY_SECONDS = 0.5
WHOLE_MODEL_LIMIT = 20_000
"""Above this many membership variables the whole-term model is not built (too slow to
presolve, too much memory); large-neighbourhood search works on parts of it instead."""
TYPE_OPTIMA_SHARE = 0.1
"""Share of the score phase spent solving each type alone for the bound (small terms only). On
the demo clinic at 30 s it lowers the bound from 16,063 to about 15,620 (5 %: 15,853); on the
250-participant benchmark it changes no bound and costs the search about 40 points of 32,650."""
WHOLE_MODEL_SHARE = 0.25
"""Share of the score phase the whole-term model gets (its proven bound, quick optimality on
small terms); large-neighbourhood search improves the plan for the rest."""


WAITLIST_SECONDS_PER_REQUEST = 0.0004
"""About what the waitlist's reasons cost per request of a crowded 2,000-participant term
(2,234 entries of its 6,374 requests in about 2.8 s); the search cannot know yet how many will
be left, so every request counts."""


def reserve_seconds(time_limit: float, requests: int = 0) -> float:
    """Time kept back from the search for the waitlist, validation and writing: more for a
    term with many requests, never more than half the limit."""
    wanted = min(5.0, 0.5 + 0.02 * time_limit) + WAITLIST_SECONDS_PER_REQUEST * requests
    return min(wanted, time_limit / 2)


@dataclass
class SolveResult:
    schedule: Schedule
    violations: list[Violation]
    """Hard-rule violations found by the validator: empty unless there is a bug."""
    phases: list[PhaseResult] = field(default_factory=list)
    first_valid_seconds: float | None = None
    """Seconds from the call until a valid schedule was in hand (the greedy warm start)."""
    lns: LnsStats | None = None
    """Large-neighbourhood search rounds, when it ran."""

    @property
    def valid(self) -> bool:
        return not self.violations


def solve(
    term: Term,
    options: SolveOptions | None = None,
    previous: Schedule | None = None,
    progress: Progress | None = None,
    prep: Prepared | None = None,
) -> SolveResult:
    """Schedule ``term``; ``previous``: today's schedule, changed only where score gains;
    ``prep``: ``prepare(term)`` when the caller already made it (for the term's warnings),
    so neither it nor what was derived from it is computed twice."""
    options = options or SolveOptions()
    started = time.monotonic()
    requests = sum(len(p.requests) for p in term.participants)
    deadline = started + options.time_limit - reserve_seconds(options.time_limit, requests)
    if prep is None or prep.term is not term:
        prep = prepare(term)
    ident = build_identity(prep, previous)
    start = previous_plan(prep, ident) if previous is not None else None
    plan = canonical(greedy_plan(prep, start, deadline), ident, prep)
    first_valid = time.monotonic() - started
    if progress is not None:  # the first valid schedule is the first point of the curve
        progress("score", plan.score(prep), capacity_bound(prep), first_valid)
    whole = model_size(prep) <= WHOLE_MODEL_LIMIT
    share = options.primary_share if options.secondary and whole else 1.0
    score_deadline = time.monotonic() + (deadline - time.monotonic()) * share
    caps = None
    if whole:  # small terms: each type solved alone shows what its meeting times allow
        seconds = (score_deadline - time.monotonic()) * TYPE_OPTIMA_SHARE
        caps = type_optima(prep, options, seconds)
    if time.monotonic() < deadline:
        limits = data_bound(prep, caps)
    else:  # out of time already (a huge term, a tiny limit): the seat bound costs nothing
        seats = type_bounds(prep)
        limits = DataBound(sum(seats.values()), seats)
    bound = limits.total
    progress = _capped(progress, bound)

    phases: list[PhaseResult] = []
    scheduler = None
    if whole:  # secondary aims need the whole model too; large terms give all time to LNS
        scheduler = CpsatScheduler(prep, ident)
        scheduler.hint(plan)
        limit = (score_deadline - time.monotonic()) * WHOLE_MODEL_SHARE
        first = scheduler.run_primary(options, limit, progress)
        phases.append(first)
        if first.plan is not None and (
            first.plan.score(prep) > plan.score(prep)
            or (first.plan.score(prep) == plan.score(prep) and previous is None)
        ):  # a re-solve keeps today's plan unless the score gains
            plan = first.plan
        if first.bound is not None:
            bound = min(bound, first.bound)
        if first.status == "OPTIMAL":
            bound = min(bound, plan.score(prep))
    lns = None
    if plan.score(prep) < bound and score_deadline - time.monotonic() > 1.0:
        plan, lns = improve(
            prep, plan, ident, score_deadline, options, progress, bound, limits.shares
        )

    remaining = deadline - time.monotonic()
    setup = (phases[0].first_solution_seconds or 0.0) if phases else 0.0
    if (
        scheduler is not None
        and options.secondary
        and remaining >= max(MIN_SECONDARY_SECONDS, 2 * setup)
    ):
        scheduler.hint(canonical(plan, ident, prep))
        second = scheduler.run_secondary(options, remaining, plan.score(prep), progress)
        phases.append(second)
        if second.plan is not None:
            plan = second.plan

    status = Status.OPTIMAL if plan.score(prep) >= bound else Status.FEASIBLE
    schedule = to_schedule(prep, ident, plan, status, bound, time.monotonic() - started, previous)
    return SolveResult(schedule, validate_schedule(term, schedule), phases, first_valid, lns)


def _capped(progress: Progress | None, bound: int) -> Progress | None:
    """Progress with the score phase's bound never above the data bound (CP-SAT's first
    reports can be the objective's raw domain)."""
    if progress is None:
        return None

    def report(phase: str, score: int | None, found: int | None, elapsed: float) -> None:
        if phase == "score":
            found = bound if found is None else min(found, bound)
        progress(phase, score, found, elapsed)

    return report


def model_size(prep: Prepared) -> int:
    """Membership variables of the whole-term model: what its size and build time follow."""
    return sum(data.slots * len(data.members) for data in prep.types.values())


def solve_greedy(term: Term, previous: Schedule | None = None) -> SolveResult:
    """The greedy scheduler alone (no CP-SAT): a fast valid schedule and a baseline."""
    started = time.monotonic()
    prep = prepare(term)
    ident = build_identity(prep, previous)
    start = previous_plan(prep, ident) if previous is not None else None
    plan = greedy_plan(prep, start)
    seconds = time.monotonic() - started
    schedule = to_schedule(prep, ident, plan, Status.FEASIBLE, None, seconds, previous)
    return SolveResult(schedule, validate_schedule(term, schedule), [], seconds)


def to_schedule(
    prep: Prepared,
    ident: Identity,
    plan: Plan,
    status: Status,
    bound: int | None,
    seconds: float,
    previous: Schedule | None = None,
) -> Schedule:
    """The contract schedule of a plan: sections, rides, score, bound, waitlist with reasons.
    ``solve_seconds``: ``seconds`` plus the time spent here."""
    began = time.monotonic()
    score = plan.score(prep)
    sections, rides = to_contract(prep, ident, plan)
    schedule = Schedule(
        status=status,
        score=score,
        bound=max(bound, score) if bound is not None else None,
        solve_seconds=round(seconds, 3),
        sections=sections,
        transport=rides,
        waitlist=[],
        secondary=_secondary(sections, previous, ident),
    )
    schedule.waitlist = build_waitlist(prep.term, schedule, prep)
    schedule.solve_seconds = round(seconds + time.monotonic() - began, 3)
    return schedule


def _secondary(
    sections: list[Section], previous: Schedule | None, ident: Identity
) -> SecondaryAims:
    """The secondary aims, counted from the schedule itself."""
    where = {(pid, s.group_type): s.id for s in sections for pid in s.participants}
    moved = sum(
        1
        for (pid, type_id), slot in ident.current.items()
        if slot is None or where.get((pid, type_id)) != ident.names[slot]
    )
    loads: dict[str, int] = {}
    for s in sections:
        for sid in s.staff:
            loads[sid] = loads.get(sid, 0) + len(s.meetings)
    days = {(pid, m.day) for s in sections for pid in s.participants for m in s.meetings}
    return SecondaryAims(
        moved=moved,
        timetable_changes=_timetable_changes(sections, previous),
        participant_days=len(days),
        max_staff_sessions=max(loads.values(), default=0),
    )


def _timetable_changes(sections: list[Section], previous: Schedule | None) -> int:
    """Previous sections that vanished or changed meetings, room, vehicle or staff."""
    if previous is None:
        return 0

    def shape(s: Section) -> tuple[object, ...]:
        meetings = sorted((m.day, m.start, m.end) for m in s.meetings)
        return (s.group_type, tuple(meetings), s.room, s.vehicle, tuple(sorted(s.staff)))

    now = {s.id: shape(s) for s in sections}
    return sum(1 for s in previous.sections if now.get(s.id) != shape(s))
