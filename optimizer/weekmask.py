"""Busy time as bit masks over a week grid: clash tests become one integer AND.

The grid step divides the slot, the opening time (meetings start on the slot grid from it,
which need not lie on the clock's grid), the day, every duration and every travel time, so masks
are exact.
"""

from __future__ import annotations

from math import gcd

from models.common import MINUTES_PER_DAY
from optimizer.patterns import Pattern
from optimizer.prepare import Prepared, TypeData


class WeekGrid:
    """Masks of the prepared patterns, meeting only (``narrow``) and with travel (``wide``)."""

    def __init__(self, prep: Prepared) -> None:
        calendar = prep.term.calendar
        step: int = gcd(calendar.slot_minutes, calendar.open, MINUTES_PER_DAY)
        for data in prep.types.values():
            step = gcd(step, data.group_type.duration_minutes, data.travel)
        self.step = max(step, 1)
        self._masks: dict[tuple[str, int], tuple[int, int]] = {}

    def masks(self, data: TypeData, k: int) -> tuple[int, int]:
        """(meetings, meetings widened by travel) of pattern ``k`` of the type."""
        key = (data.id, k)
        if key not in self._masks:
            pattern = data.patterns[k]
            self._masks[key] = (self.bits(pattern, 0), self.bits(pattern, data.travel))
        return self._masks[key]

    def bits(self, pattern: Pattern, travel: int) -> int:
        """Mask of the pattern's meetings widened by ``travel`` on both sides."""
        mask = 0
        offset = MINUTES_PER_DAY // self.step  # room for travel before Monday 00:00
        for j in range(len(pattern.days)):
            start = pattern.week_start(j) - travel
            end = start + pattern.duration + 2 * travel
            first, last = start // self.step, -(-end // self.step)
            mask |= ((1 << (last - first)) - 1) << (first + offset)
        return mask
