"""Upper bounds on the score from the data alone, before and apart from any search.

Two limits hold in every valid schedule: a group type seats at most ``slots × capacity`` of its
eligible requesters (capacity: the type's ``max_size``, cut to its largest usable room or
vehicle), and a participant holds at most one of the sets of their requested types that their
own week can fit together (:mod:`optimizer.own_time`). :func:`type_bounds` applies the first
per type; :func:`data_bound` applies both at once as a linear programme (which seat goes to
whom, fractions allowed), solved with OR-Tools' GLOP. "Eligible" is after the exact pruning in
:mod:`optimizer.prepare` (someone who can never have company is not counted).

On small terms each type's optimum when solved alone (:mod:`optimizer.type_optima`) caps it
in the same programme, which brings in meeting times. The bound still ignores what types share
— staff, rooms, vehicles, a participant's times across types beyond their own fitting sets — so
it can sit above the best schedule; it holds even when the search stops before CP-SAT's own
bound exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import floor

from ortools.linear_solver import pywraplp

from optimizer.own_time import fitting_sets
from optimizer.prepare import Prepared, TypeData

LP_TOLERANCE = 0.05
"""Added to the LP optimum before rounding down (weights are integers): far above GLOP's
numerical error on these objectives, far below one point of score."""


def seat_capacity(prep: Prepared, data: TypeData) -> int:
    """Most members one section of the type can ever hold."""
    gt = data.group_type
    term = prep.term
    if gt.offsite:
        places = [term.seats(gt, None, v) for v in data.vehicles]
    else:
        places = [term.seats(gt, r, None) for r in data.rooms]
    return max(places, default=0)


def _seats(prep: Prepared) -> dict[str, int]:
    """Seats each type that can run could ever offer."""
    return {
        type_id: data.slots * seat_capacity(prep, data)
        for type_id, data in prep.types.items()
        if data.patterns and data.slots > 0
    }


def type_bounds(prep: Prepared) -> dict[str, int]:
    """Per type, the weight of the heaviest requests its sections could seat at most."""
    seats = _seats(prep)
    out: dict[str, int] = {}
    for type_id, data in prep.types.items():
        weights = sorted((prep.weight[pid, type_id] for pid in data.members), reverse=True)
        out[type_id] = sum(weights[: seats.get(type_id, 0)])
    return out


def capacity_bound(prep: Prepared) -> int:
    """Σ over types of the weights of the requests its sections could seat at most."""
    return sum(type_bounds(prep).values())


@dataclass(frozen=True)
class DataBound:
    """The data bound, and how it splits over the group types."""

    total: int
    """No valid schedule scores more."""
    shares: dict[str, int]
    """Per type, the weight it seats in the bound's own (relaxed) solution: how much a type
    could still gain, as large-neighbourhood search reads it."""


def data_bound(prep: Prepared, caps: dict[str, int] | None = None) -> DataBound:
    """The most weight any valid schedule could place, given the seats of each type, the sets
    of requests each participant's week can hold together, and ``caps``: per type, the most it
    could seat alone (:mod:`optimizer.type_optima`). The linear relaxation, rounded down: it is
    integral on every benchmark term and solves in milliseconds."""
    by_type = type_bounds(prep)
    caps = {t: cap for t, cap in (caps or {}).items() if cap < by_type.get(t, 0)}
    fitting = fitting_sets(prep)
    if not fitting and not caps:  # nothing ties the types together: each type's heaviest
        return DataBound(sum(by_type.values()), by_type)
    seats = _seats(prep)
    lp = pywraplp.Solver.CreateSolver("GLOP")
    seated: dict[tuple[str, str], pywraplp.Variable] = {}
    for type_id, data in prep.types.items():
        if type_id not in seats:
            continue
        here = [lp.NumVar(0.0, 1.0, f"y[{pid},{type_id}]") for pid in data.members]
        seated.update(zip(((pid, type_id) for pid in data.members), here, strict=True))
        if seats[type_id] < len(here):
            lp.Add(lp.Sum(here) <= seats[type_id])
        if type_id in caps:
            weights = [prep.weight[pid, type_id] for pid in data.members]
            lp.Add(lp.Sum([w * y for w, y in zip(weights, here, strict=True)]) <= caps[type_id])
    for pid, sets in fitting.items():
        chosen = [lp.NumVar(0.0, 1.0, f"fits[{pid},{i}]") for i in range(len(sets))]
        lp.Add(lp.Sum(chosen) <= 1)
        for type_id in (t for t in seats if pid in prep.types[t].members):
            holding = [c for c, s in zip(chosen, sets, strict=True) if type_id in s]
            lp.Add(seated[pid, type_id] <= lp.Sum(holding))
    lp.Maximize(lp.Sum([prep.weight[key] * var for key, var in seated.items()]))
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return DataBound(sum(by_type.values()), by_type)
    shares = dict.fromkeys(prep.types, 0.0)
    for (pid, type_id), var in seated.items():
        shares[type_id] += prep.weight[pid, type_id] * var.solution_value()
    total = min(sum(by_type.values()), floor(lp.Objective().Value() + LP_TOLERANCE))
    return DataBound(total, {t: round(share) for t, share in shares.items()})
