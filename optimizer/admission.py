"""Admitting participants mid-term with everyone else pinned.

One newcomer whose requested types all need at least two members per section can only join
sections that already run (a section of one would break ``min_size``), so the choice is small
and exact: a CP-SAT model over the sections each request could join as they stand (the
validator's :func:`~models.validation.join_violations`), no two chosen sections clashing, and
for a van rider one run a day covering every chosen meeting that day with a free seat. Most
weight placed first, then fewest days coming in.

Otherwise (several newcomers, or a type with ``min_size`` 1) the newcomers' requested group types
are modelled whole (every slot of those types, used or not) with the rest of the schedule fixed
around them (:mod:`optimizer.neighbourhood`), and every existing section and everyone already
enrolled is pinned (:meth:`CpsatScheduler.pin`). What cannot be placed is waitlisted with its
reasons. Nothing else in the schedule changes. ``avoid`` keeps a newcomer out of sections the
caller found unusable for them (the ledger: full on one of the dates, a place held by an offer).
"""

from __future__ import annotations

import time
from collections.abc import Collection

from ortools.sat.python import cp_model

from models.schedule import Ride, Schedule, Status
from models.term import Term
from models.validation import ScheduleIndex, join_violations, schedule_index, validate_schedule
from models.validation.join import run_fits
from models.validation.spans import Owned, clashes
from models.validation.transport_rules import day_spans
from optimizer.cpsat.model import CpsatScheduler
from optimizer.neighbourhood import merge, restrict, slots_of
from optimizer.options import SolveOptions
from optimizer.plan import previous_plan
from optimizer.prepare import prepare
from optimizer.solve import SolveResult, to_schedule
from optimizer.stability import build_identity
from optimizer.waitlist import build_waitlist
from optimizer.weekmask import WeekGrid

RunKey = tuple[str, str, int, int]


Avoid = Collection[tuple[str, str]]
"""(participant, section id) pairs a placement must not use."""


def admit(
    term: Term,
    schedule: Schedule,
    newcomers: list[str],
    options: SolveOptions | None = None,
    avoid: Avoid = (),
) -> SolveResult:
    """``schedule`` with ``newcomers`` (participants of ``term``) placed where they fit best.

    ``term`` is the term with the newcomers in it; ``schedule`` is today's. Everyone else keeps
    their sections, times, rooms, staff and rides; no newcomer joins a section ``avoid`` pairs
    them with."""
    options = options or SolveOptions(time_limit=10)
    if len(newcomers) == 1 and all(
        term.group_type(r.group_type).min_size > 1 for r in term.participant(newcomers[0]).requests
    ):
        return _join_running(term, schedule, newcomers[0], options, set(avoid))
    return _model_types(term, schedule, newcomers, options, set(avoid))


def _join_running(
    term: Term, schedule: Schedule, pid: str, options: SolveOptions, avoid: Avoid = ()
) -> SolveResult:
    """One newcomer into running sections only (see the module docstring)."""
    started = time.monotonic()
    person = term.participant(pid)
    weight = {r.group_type: term.weights.of(r.priority) for r in person.requests}
    idx = schedule_index(term, schedule)
    joinable = [
        (pos, sec)
        for pos, sec in enumerate(schedule.sections)
        if sec.group_type in weight
        and (pid, sec.id) not in avoid
        and not join_violations(term, schedule, pid, sec.id, idx)
    ]
    model = cp_model.CpModel()
    x = {pos: model.new_bool_var(f"join_{sec.id}") for pos, sec in joinable}
    for type_id in weight:
        model.add_at_most_one(x[pos] for pos, sec in joinable if sec.group_type == type_id)
    spans = [Owned(span, pos) for pos, _ in joinable for span in idx.spans[pos]]
    for a, b in clashes(spans):
        model.add_bool_or([x[a.owner].Not(), x[b.owner].Not()])
    days: dict[str, list[int]] = {}
    for pos, _ in joinable:
        for day in day_spans(idx.spans[pos]):
            days.setdefault(day, []).append(pos)
    attends = {day: model.new_bool_var(f"attends_{day}") for day in days}
    rides: dict[tuple[str, RunKey], cp_model.IntVar] = {}
    for day, positions in days.items():
        for pos in positions:
            model.add_implication(x[pos], attends[day])
        if person.transport == "van":
            _van_day(model, idx, person.id, day, positions, x, attends[day], rides)
    model.maximize(
        sum(1000 * weight[sec.group_type] * x[pos] for pos, sec in joinable) - sum(attends.values())
    )
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = options.time_limit
    solver.parameters.num_workers = 1
    code = solver.solve(model)
    chosen: set[int] = set()
    runs: list[RunKey] = []
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = {pos for pos in x if solver.boolean_value(x[pos])}
        runs = [key for (_, key), var in rides.items() if solver.boolean_value(var)]
    placed = [sec for pos, sec in enumerate(schedule.sections) if pos in chosen]
    sections = [
        sec.model_copy(update={"participants": [*sec.participants, pid]}) if pos in chosen else sec
        for pos, sec in enumerate(schedule.sections)
    ]
    out = schedule.model_copy(
        update={"sections": sections, "transport": _with_rides(schedule.transport, pid, runs)}
    )
    waiting = build_waitlist(term, out, prepare(term, only=set(weight)), only={pid})
    out = out.model_copy(
        update={
            "waitlist": [*schedule.waitlist, *waiting],
            "status": Status.FEASIBLE,  # the newcomer's best placement, not the term's optimum
            "score": schedule.score + sum(weight[sec.group_type] for sec in placed),
            "bound": None,
            "solve_seconds": time.monotonic() - started,
            "secondary": None,
        }
    )
    seconds = time.monotonic() - started
    return SolveResult(out, validate_schedule(term, out), [], seconds)


def _van_day(
    model: cp_model.CpModel,
    idx: ScheduleIndex,
    pid: str,
    day: str,
    positions: list[int],
    x: dict[int, cp_model.IntVar],
    attends: cp_model.IntVar,
    rides: dict[tuple[str, RunKey], cp_model.IntVar],
) -> None:
    """A rider coming in on ``day`` takes one run with a free seat that covers every chosen
    meeting that day (travel included)."""
    person = idx.people[pid]
    open_runs = [key for key in idx.runs_by_day[day] if run_fits(idx, key, person, key[2], key[2])]
    for key in open_runs:
        rides[day, key] = model.new_bool_var(f"ride_{day}_{key[0]}_{key[2]}")
    model.add(sum(rides[day, key] for key in open_runs) == attends)
    for pos in positions:
        first, last = day_spans(idx.spans[pos])[day]
        for key in open_runs:
            if not run_fits(idx, key, person, first, last):
                model.add_bool_or([x[pos].Not(), rides[day, key].Not()])


def _with_rides(transport: list[Ride], pid: str, runs: list[RunKey]) -> list[Ride]:
    """``transport`` with ``pid`` aboard each of ``runs`` (a new entry where none carries
    anyone yet)."""
    wanted = set(runs)
    out = []
    for ride in transport:
        key = (ride.vehicle, ride.day, ride.arrive, ride.depart)
        if key in wanted:
            ride = ride.model_copy(update={"participants": [*ride.participants, pid]})
            wanted.discard(key)
        out.append(ride)
    for vehicle, day, arrive, depart in sorted(wanted):
        out.append(Ride(vehicle=vehicle, day=day, arrive=arrive, depart=depart, participants=[pid]))
    return out


def _model_types(
    term: Term, schedule: Schedule, newcomers: list[str], options: SolveOptions, avoid: Avoid = ()
) -> SolveResult:
    """The newcomers' requested types modelled whole, everything else pinned."""
    started = time.monotonic()
    prep = prepare(term)
    ident = build_identity(prep, schedule)
    plan = previous_plan(prep, ident)
    types = {r.group_type for p in term.participants if p.id in newcomers for r in p.requests}
    hood = restrict(prep, plan, slots_of(prep, types), WeekGrid(prep))
    scheduler = CpsatScheduler(hood.prep, ident)
    scheduler.hint(hood.hint)
    scheduler.pin(hood.hint, set(newcomers))
    scheduler.keep_out(avoid)
    result = scheduler.run_primary(options, options.time_limit)
    if result.plan is not None:
        plan = merge(plan, result.plan, hood)
    seconds = time.monotonic() - started
    status = Status.FEASIBLE if result.plan is not None else Status.UNKNOWN
    out = to_schedule(prep, ident, plan, status, None, seconds, schedule)
    return SolveResult(out, validate_schedule(term, out), [result], seconds)
