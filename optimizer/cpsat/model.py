"""The CP-SAT scheduling model: variables, the hard rules, symmetry breaking, objective phases.

A thin wrapper: :class:`CpsatScheduler` assembles the named parts and runs the two phases
(score, then secondary aims under the score). It speaks :class:`~optimizer.plan.Plan`, never
contract documents.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from optimizer.cpsat.objective import SecondaryTerms, add_secondary, primary_score
from optimizer.cpsat.rules import HARD_RULES
from optimizer.cpsat.symmetry import break_symmetry
from optimizer.cpsat.variables import Variables, create_variables
from optimizer.options import SolveOptions
from optimizer.plan import Plan, SlotPlan
from optimizer.prepare import Prepared
from optimizer.stability import Identity

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


class _Watcher(cp_model.CpSolverSolutionCallback):
    """Reports every improving solution; keeps the last one found."""

    def __init__(self, phase: str, progress: Progress | None, started: float) -> None:
        super().__init__()
        self.phase, self.progress, self.started = phase, progress, started
        self.best: int | None = None
        self.bound: int | None = None

    def on_solution_callback(self) -> None:
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
        """Warm start from a plan (previous schedule or greedy); replaces any earlier hint."""
        self.model.clear_hints()
        v = self.v
        for slot, active in v.active.items():
            sp = plan.slots.get(slot)
            self.model.add_hint(active, sp is not None)
            for k, z in enumerate(v.pattern[slot]):
                self.model.add_hint(z, sp is not None and sp.pattern == k)
        for (slot, rid), lit in v.room.items():
            self.model.add_hint(lit, _get(plan, slot, "room") == rid)
        for (slot, vid), lit in v.vehicle.items():
            self.model.add_hint(lit, _get(plan, slot, "vehicle") == vid)
        for (slot, sid), lit in v.staff.items():
            self.model.add_hint(lit, sid in (_get(plan, slot, "staff") or ()))
        for (pid, slot), lit in v.assign.items():
            self.model.add_hint(lit, pid in (_get(plan, slot, "members") or ()))
        for (pid, run), lit in v.ride.items():
            self.model.add_hint(lit, plan.rides.get((pid, run.day)) == run)

    # -- phases --------------------------------------------------------------------------
    def run_primary(
        self, options: SolveOptions, time_limit: float, progress: Progress | None = None
    ) -> PhaseResult:
        """Maximise the contract score."""
        self.model.maximize(self.score)
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
        for name, value in options.cpsat_parameters.items():
            setattr(params, name, value)
        started = time.monotonic()
        watcher = _Watcher(phase, progress, started)
        solver.best_bound_callback = watcher.on_bound
        status = solver.solve(self.model, watcher)
        seconds = time.monotonic() - started
        name = solver.status_name(status)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return PhaseResult(name, None, None, None, seconds)
        return PhaseResult(
            status=name,
            plan=self._extract(solver),
            objective=round(solver.objective_value),
            bound=round(solver.best_objective_bound),
            seconds=seconds,
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
