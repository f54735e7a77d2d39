"""A cheap upper bound on the score, from the data alone.

Each group type can seat at most ``slots × capacity`` of its eligible requesters (capacity: the
type's ``max_size``, cut to its largest usable room or vehicle), so no schedule beats the sum,
over types, of the heaviest requests that many seats could hold. CP-SAT's bound is usually far
tighter; this one holds even when the solver stops before its LP bound exists.
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


def capacity_bound(prep: Prepared) -> int:
    """Σ over types of the weights of the requests its sections could seat at most."""
    total = 0
    for data in prep.types.values():
        if not data.patterns or data.slots == 0:
            continue
        seats = data.slots * seat_capacity(prep, data)
        weights = sorted((prep.weight[pid, data.id] for pid in data.members), reverse=True)
        total += sum(weights[:seats])
    return total
