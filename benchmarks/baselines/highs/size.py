"""The MIP's size, estimated from the preparation before anything is built."""

from __future__ import annotations

import math
from dataclasses import dataclass

from optimizer.prepare import Prepared


@dataclass(frozen=True)
class SizeEstimate:
    columns: int
    """Exact but for the few van-ride columns."""
    nonzeros: int
    """About 5–15 % above the built model (clique rows assumed at every slot-grid point)."""


def estimate_size(prep: Prepared) -> SizeEstimate:
    grid = prep.term.calendar.slot_minutes
    columns = nonzeros = 0
    riders = {p.id for p in prep.term.participants if p.transport == "van"}
    for data in prep.types.values():
        gt = data.group_type
        slots, n_patterns, per_week = data.slots, len(data.patterns), gt.meetings_per_week
        points = per_week * math.ceil((gt.duration_minutes + 2 * data.travel) / grid)
        places = data.vehicles or data.rooms
        w = slots * sum(len(ks) for ks in data.members.values())
        u = slots * sum(len(ks) for ks in places.values())
        g = slots * sum(len(ks) for ks in data.staff.values())
        singles = slots * (1 + n_patterns + len(data.members) + len(places) + len(data.staff))
        columns += singles + w + u + g
        nonzeros += w * (6 + points) + u * (3 + points) + g * (2 + per_week + points)
        nonzeros += slots * (8 * n_patterns + 2 * len(data.members))
        nonzeros += slots * sum(2 * len(ks) for pid, ks in data.members.items() if pid in riders)
    return SizeEstimate(columns, nonzeros)
