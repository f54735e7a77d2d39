"""A cheap upper bound on the score, from the data alone.

Each group type can seat at most ``slots × capacity`` of its eligible requesters (capacity: the
type's ``max_size``, cut to its largest usable room or vehicle), so no schedule beats the sum,
over types, of the heaviest requests that many seats could hold. "Eligible" is after the exact
pruning in :mod:`optimizer.prepare` (someone who can never have company is not counted), which
is what brings it within one request of the per-type optimum on the 250-participant benchmark;
CP-SAT's own bound seldom goes lower within a time limit, and this one holds even when the
solver stops before its LP bound exists.
"""

from __future__ import annotations

from optimizer.prepare import Prepared, TypeData


def seat_capacity(prep: Prepared, data: TypeData) -> int:
    """Most members one section of the type can ever hold."""
    gt = data.group_type
    term = prep.term
    if gt.offsite:
        places = [term.vehicle(v).seats - gt.staff.count for v in data.vehicles]
    else:
        places = [term.room(r).capacity for r in data.rooms]
    return min(gt.max_size, max(places, default=0))


def type_bounds(prep: Prepared) -> dict[str, int]:
    """Per type, the weight of the heaviest requests its sections could seat at most."""
    out: dict[str, int] = {}
    for type_id, data in prep.types.items():
        if not data.patterns or data.slots == 0:
            out[type_id] = 0
            continue
        seats = data.slots * seat_capacity(prep, data)
        weights = sorted((prep.weight[pid, type_id] for pid in data.members), reverse=True)
        out[type_id] = sum(weights[:seats])
    return out


def capacity_bound(prep: Prepared) -> int:
    """Σ over types of the weights of the requests its sections could seat at most."""
    return sum(type_bounds(prep).values())
