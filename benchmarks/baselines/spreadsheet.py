"""The spreadsheet baseline: what a careful program director does by hand.

Scarcest group type first; within a type, people by the weight of their request (required
first, then those with the fewest possible times); each person joins the first open section that
takes them under every hard rule, or, while the type has sections left, opens one at the earliest
time that suits them and has a room (or van) and a qualified leader free. Sections that end below
``min_size`` are given up, and at the end everyone still waiting is tried once more against the
open sections.

It reuses the bookkeeping of :class:`optimizer.greedy.Greedy` (busy masks, run seats, load
limits), so it keeps exactly the same rules; only the strategy differs: person by person rather
than the optimizer's best-section-first.
"""

from __future__ import annotations

import math
import time

from models.schedule import Status
from models.term import Term
from models.validation import validate_schedule
from optimizer.greedy import Greedy, OpenSection
from optimizer.plan import Plan
from optimizer.prepare import Prepared, TypeData, prepare
from optimizer.solve import SolveResult, to_schedule
from optimizer.stability import build_identity


class SpreadsheetGreedy(Greedy):
    """Person-first greedy over the prepared term."""

    def run(self, deadline: float = math.inf) -> Plan:
        """Every type in turn, then the open sections filled (``deadline`` bounds the filling;
        the baseline is always run to the end of its types)."""
        for data in self._scarcest_first():
            self._schedule_type(data)
        self._fill_open_sections(deadline)
        return self.plan()

    def _schedule_type(self, data: TypeData) -> None:
        """Place the type's requesters one by one, then keep only sections that can run."""
        free = [(data.id, i) for i in range(data.slots) if (data.id, i) not in self.sections]
        opened: list[tuple[str, int]] = []
        for pid in self._by_urgency(data):
            joined = next((slot for slot in opened if self._joins(pid, data, slot)), None)
            if joined is not None:
                self.add_member(joined, pid)
            elif len(opened) < len(free) and self._open_for(pid, data, free[len(opened)]):
                opened.append(free[len(opened)])
        short = [s for s in opened if len(self.sections[s].members) < data.group_type.min_size]
        if short:
            kept = self.plan()
            for slot in short:
                kept.slots.pop(slot)
            self._reset()
            self._load(kept)

    def _by_urgency(self, data: TypeData) -> list[str]:
        weight = self.prep.weight
        return sorted(
            data.members, key=lambda pid: (-weight[pid, data.id], len(data.members[pid]), pid)
        )

    def _joins(self, pid: str, data: TypeData, slot: tuple[str, int]) -> bool:
        section = self.sections[slot]
        k = section.pattern
        return (
            self._free_for(pid, data, k)
            and self._joinable(pid, data, k, section)
            and self._can_add(slot, pid)
        )

    def _open_for(self, pid: str, data: TypeData, slot: tuple[str, int]) -> bool:
        """Open a section at the earliest time that suits ``pid`` and has resources free."""
        order = sorted(
            data.members[pid],
            key=lambda k: (data.patterns[k].week_start(0), data.patterns[k].days),
        )
        for k in order:
            if not self._free_for(pid, data, k) or self._rider_ok(pid, data, k) is None:
                continue
            place = self._place(data, k)
            staff = self._free_staff(data, k)
            if place is None or len(staff) < data.group_type.staff.count:
                continue
            room, vehicle, _ = place
            self.commit(slot, OpenSection(data.id, k, room, vehicle, tuple(staff), [pid]))
            return True
        return False


def spreadsheet_plan(prep: Prepared) -> Plan:
    """The baseline's plan for a prepared term."""
    return SpreadsheetGreedy(prep).run()


def solve_spreadsheet(term: Term) -> SolveResult:
    """The baseline as a contract schedule, checked by the validator."""
    started = time.monotonic()
    prep = prepare(term)
    plan = spreadsheet_plan(prep)
    seconds = time.monotonic() - started
    schedule = to_schedule(prep, build_identity(prep, None), plan, Status.FEASIBLE, None, seconds)
    return SolveResult(schedule, validate_schedule(term, schedule), [], seconds)
