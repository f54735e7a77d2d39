"""The CP-SAT scheduling model: variables, the hard rules, symmetry breaking, objective phases.

A thin wrapper: :class:`CpsatScheduler` assembles the named parts and runs the two phases
(score, then secondary aims under the score). It speaks :class:`~optimizer.plan.Plan`, never
contract documents.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from ortools.sat import sat_parameters_pb2
from ortools.sat.python import cp_model

from optimizer.cpsat.objective import (
    SecondaryTerms,
    add_secondary,
    change_terms,
    primary_score,
)
from optimizer.cpsat.rules import HARD_RULES
from optimizer.cpsat.symmetry import break_symmetry
from optimizer.cpsat.variables import Variables, create_variables
from optimizer.options import SolveOptions
from optimizer.plan import Plan, SlotPlan
from optimizer.prepare import Prepared
from optimizer.stability import Identity

DEFAULT_PARAMETERS: dict[str, object] = {"cp_model_probing_level": 0}
"""Presolve probing finds little here and took 25 s of a 60 s solve at 250 participants
(557k binary clauses learnt on the room/staff/time implications); without it the hinted first
solution is there in seconds and the final score is higher. Override with ``--cpsat``."""

Progress = Callable[[str, int | None, int | None, float], None]
"""Called with (phase, best score or None, best bound or None, elapsed seconds)."""


@dataclass
class PhaseResult:
    status: str
    """CP-SAT status name: OPTIMAL, FEASIBLE, INFEASIBLE, MODEL_INVALID or UNKNOWN."""
    plan: Plan | None
    objective: int | None
    bound: int | None
    seconds: float
    first_solution_seconds: float | None = None
    """When the first solution arrived: with a complete hint, about the presolve time."""


def set_parameter(params: Any, name: str, value: object) -> None:
    """Set one CP-SAT parameter of a solver by name: numbers, booleans and text as they are,
    an enumerated one by its value's name or number (``search_branching="FIXED_SEARCH"``), a
    repeated one from a list (appended). Raises for an unknown name, value or type."""
    field = sat_parameters_pb2.SatParameters.DESCRIPTOR.fields_by_name[name]
    repeated = field.is_repeated

    def converted(item: object) -> object:
        if field.enum_type is None:
            return item
        if isinstance(item, str):
            item = field.enum_type.values_by_name[item].number
        if not isinstance(item, int) or item not in field.enum_type.values_by_number:
            raise ValueError(f"{item!r} is not a value of {name}")
        return item if repeated else type(getattr(params, name))(item)

    if repeated:
        if not isinstance(value, list):
            raise ValueError(f"{name} takes a list")
        items = getattr(params, name)
        for item in value:
            items.append(converted(item))
    else:
        setattr(params, name, converted(value))


class _Watcher(cp_model.CpSolverSolutionCallback):
    """Reports every improving solution; keeps the last one found."""

    def __init__(self, phase: str, progress: Progress | None, started: float) -> None:
        super().__init__()
        self.phase, self.progress, self.started = phase, progress, started
        self.best: int | None = None
        self.bound: int | None = None
        self.first_seconds: float | None = None

    def on_solution_callback(self) -> None:
        if self.first_seconds is None:
            self.first_seconds = time.monotonic() - self.started
        self.best = round(self.objective_value)
        self.bound = round(self.best_objective_bound)
        if self.progress:
            self.progress(self.phase, self.best, self.bound, time.monotonic() - self.started)

    def on_bound(self, bound: float) -> None:
        self.bound = round(bound)
        if self.progress:
            self.progress(self.phase, self.best, self.bound, time.monotonic() - self.started)


class CpsatScheduler:
    """The model of one term. Build once; run the primary phase, then the secondary one."""

    def __init__(self, prep: Prepared, ident: Identity) -> None:
        self.prep, self.ident = prep, ident
        self.model = cp_model.CpModel()
        self.v: Variables = create_variables(self.model, prep)
        for rule in HARD_RULES.values():
            rule(self.model, prep, self.v)
        break_symmetry(self.model, prep, self.v, ident)
        self.score = primary_score(prep, self.v)
        self.secondary: SecondaryTerms | None = None

    # -- hints ---------------------------------------------------------------------------
    def hint(self, plan: Plan) -> None:
        """Warm start from a plan (previous schedule or greedy); replaces any earlier hint.

        Every variable of the model gets a value, so a valid plan is a complete, feasible
        hint that CP-SAT takes as its first solution."""
        m, v, prep = self.model, self.v, self.prep
        m.clear_hints()
        for slot, active in v.active.items():
            sp = plan.slots.get(slot)
            m.add_hint(active, sp is not None)
            for k, z in enumerate(v.pattern[slot]):
                m.add_hint(z, sp is not None and sp.pattern == k)
            pattern = prep.types[slot[0]].patterns[sp.pattern] if sp is not None else None
            for j, ws in enumerate(v.week_start[slot]):
                m.add_hint(ws, pattern.week_start(j) if pattern is not None else 0)
        for (slot, rid), lit in v.room.items():
            m.add_hint(lit, _get(plan, slot, "room") == rid)
        for (slot, vid), lit in v.vehicle.items():
            m.add_hint(lit, _get(plan, slot, "vehicle") == vid)
        for (slot, sid), lit in v.staff.items():
            m.add_hint(lit, sid in (_get(plan, slot, "staff") or ()))
        for (slot, sid, day), lit in v.staff_day.items():
            sp = plan.slots.get(slot)
            meets = sp is not None and day in prep.types[slot[0]].patterns[sp.pattern].days
            m.add_hint(lit, meets and sid in sp.staff)  # type: ignore[union-attr]
        for (slot, program), lit in v.program.items():
            members = _get(plan, slot, "members") or ()
            m.add_hint(lit, any(prep.term.participant(p).program == program for p in members))
        for (pid, slot), lit in v.assign.items():
            m.add_hint(lit, pid in (_get(plan, slot, "members") or ()))
        comes = plan.days_in(prep) | set(prep.fixed.rider_days)
        for (pid, day), lit in v.attends.items():
            m.add_hint(lit, (pid, day) in comes)
        for (pid, run), lit in v.ride.items():
            m.add_hint(lit, (pid, run.day) in comes and plan.rides.get((pid, run.day)) == run)
        if self.secondary is not None:
            for key, lit in self.secondary.comes.items():
                m.add_hint(lit, key in comes)
            m.add_hint(self.secondary.max_staff, max(plan.staff_load(prep).values(), default=0))

    def pin(self, plan: Plan, movable: set[str]) -> None:
        """Hold every section of ``plan`` as it is — time, room, vehicle, staff, members — and
        everyone not in ``movable`` where they are (their rides too). Unused slots stay free, so
        the movable participants may join a section, or open one if it can reach min_size."""
        m, v = self.model, self.v
        for slot, active in v.active.items():
            sp = plan.slots.get(slot)
            if sp is None:
                continue
            m.add(active == 1)
            m.add(v.pattern[slot][sp.pattern] == 1)
            for (s, rid), lit in v.room.items():
                if s == slot:
                    m.add(lit == int(rid == sp.room))
            for (s, vid), lit in v.vehicle.items():
                if s == slot:
                    m.add(lit == int(vid == sp.vehicle))
            for (s, sid), lit in v.staff.items():
                if s == slot:
                    m.add(lit == int(sid in sp.staff))
        for (pid, slot), lit in v.assign.items():
            if pid not in movable:
                sp = plan.slots.get(slot)
                m.add(lit == int(sp is not None and pid in sp.members))
        for (pid, run), lit in v.ride.items():
            if pid not in movable:
                m.add(lit == int(plan.rides.get((pid, run.day)) == run))

    def keep_out(self, pairs: Collection[tuple[str, str]]) -> None:
        """No (participant, section id) of ``pairs``: the participant joins no slot named so."""
        for (pid, slot), lit in self.v.assign.items():
            if (pid, self.ident.names.get(slot)) in pairs:
                self.model.add(lit == 0)

    # -- phases --------------------------------------------------------------------------
    def run_primary(
        self, options: SolveOptions, time_limit: float, progress: Progress | None = None
    ) -> PhaseResult:
        """Maximise the contract score."""
        self.model.maximize(self.score)
        return self._run("score", options, time_limit, progress)

    def run_score_then_stability(
        self, options: SolveOptions, time_limit: float, progress: Progress | None = None
    ) -> PhaseResult:
        """Maximise the score, and among equal scores change the fewest things against the
        identity (one objective: the score is weighted above every possible change)."""
        changes, most = change_terms(self.v, self.ident)
        self.model.maximize((most + 1) * self.score - changes)
        return self._run("score", options, time_limit, progress)

    def run_secondary(
        self, options: SolveOptions, time_limit: float, floor: int, progress: Progress | None = None
    ) -> PhaseResult:
        """Minimise the secondary aims while keeping the score at least ``floor``."""
        if self.secondary is None:
            self.secondary = add_secondary(self.model, self.prep, self.v, self.ident)
        self.model.add(self.score >= floor)
        self.model.minimize(self.secondary.weighted())
        return self._run("secondary", options, time_limit, progress)

    def _run(
        self, phase: str, options: SolveOptions, time_limit: float, progress: Progress | None
    ) -> PhaseResult:
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.max_time_in_seconds = max(0.1, time_limit)
        params.num_workers = options.workers
        params.random_seed = options.seed
        params.log_search_progress = options.log
        for name, value in {**DEFAULT_PARAMETERS, **options.cpsat_parameters}.items():
            set_parameter(params, name, value)
        started = time.monotonic()
        watcher = _Watcher(phase, progress, started)
        solver.best_bound_callback = watcher.on_bound
        status = solver.solve(self.model, watcher)
        seconds = time.monotonic() - started
        name = solver.status_name(status)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            # Without a solution the response's bound is only what the search reported, if it
            # got that far: stopped in presolve, CP-SAT answers 0, which is no bound at all.
            return PhaseResult(name, None, None, watcher.bound, seconds)
        return PhaseResult(
            status=name,
            plan=self._extract(solver),
            objective=round(solver.objective_value),
            bound=round(solver.best_objective_bound),
            seconds=seconds,
            first_solution_seconds=watcher.first_seconds,
        )

    def _extract(self, solver: cp_model.CpSolver) -> Plan:
        v, prep = self.v, self.prep
        plan = Plan()
        for slot, active in v.active.items():
            if not solver.boolean_value(active):
                continue
            data = prep.types[slot[0]]
            pattern = next(k for k, z in enumerate(v.pattern[slot]) if solver.boolean_value(z))
            room = next((r for r in data.rooms if solver.boolean_value(v.room[slot, r])), None)
            vehicle = next(
                (x for x in data.vehicles if solver.boolean_value(v.vehicle[slot, x])), None
            )
            staff = tuple(s for s in data.staff if solver.boolean_value(v.staff[slot, s]))
            members = tuple(p for p in data.members if solver.boolean_value(v.assign[p, slot]))
            plan.slots[slot] = SlotPlan(pattern, room, vehicle, staff, members)
        for (pid, run), lit in v.ride.items():
            if solver.boolean_value(lit):
                plan.rides[pid, run.day] = run
        return plan


def _get(plan: Plan, slot, attr: str):
    sp = plan.slots.get(slot)
    return getattr(sp, attr) if sp is not None else None
