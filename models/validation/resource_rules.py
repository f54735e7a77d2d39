"""Rules about shared resources: H4 rooms, H5 staff, H6 vehicles."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator

from models.common import DAY_NAMES, format_time
from models.validation.index import ScheduleIndex
from models.validation.spans import Owned, clashes, inside_one, meeting_span
from models.validation.violation import Violation


def resource_violations(idx: ScheduleIndex) -> Iterator[Violation]:
    """H4, H5 and H6 for the whole schedule."""
    yield from _rooms(idx)
    yield from _staff(idx)
    yield from _vehicles(idx)


def _rooms(idx: ScheduleIndex) -> Iterator[Violation]:
    """H4: on-site sections have a room with every feature, not blocked, one meeting at a time."""
    booked: dict[str, list[Owned[str]]] = defaultdict(list)
    for i, section in enumerate(idx.schedule.sections):
        gt = idx.section_types[i]
        if gt is None or gt.offsite:
            continue
        sid = section.id
        if section.room is None:
            yield Violation("H4", sid, f"on-site section {sid} has no room")
            continue
        room = idx.rooms.get(section.room)
        if room is None:
            continue
        missing = [f for f in gt.room_features if f not in room.features]
        if missing:
            yield Violation(
                "H4", sid, f"room {room.id} of section {sid} lacks feature {', '.join(missing)}"
            )
        for m in section.meetings:
            span = meeting_span(m)
            booked[room.id].append(Owned(span, sid))
            # A meeting may not share a minute with a blocked window of its room.
            for w in room.blocked:
                if w.overlaps(span.day, span.start, span.end):
                    yield Violation(
                        "H4",
                        sid,
                        f"room {room.id} is blocked {w.label()} during section {sid}'s meeting "
                        f"{span.label()}",
                    )
    for room_id in sorted(booked):
        for a, b in clashes(booked[room_id]):
            yield Violation(
                "H4",
                room_id,
                f"room {room_id} holds section {a.owner} ({a.span.label()}) and section "
                f"{b.owner} ({b.span.label()}) at once",
            )


def _staff(idx: ScheduleIndex) -> Iterator[Violation]:
    """H5: count distinct qualified staff, available (travel incl.), no clash, within limits."""
    busy: dict[str, list[Owned[str]]] = defaultdict(list)
    for i, section in enumerate(idx.schedule.sections):
        gt = idx.section_types[i]
        if gt is None:
            continue
        sid = section.id
        need = gt.staff
        leaders = list(dict.fromkeys(section.staff))
        for staff_id, n in Counter(section.staff).items():
            if n > 1:
                yield Violation("H5", sid, f"section {sid} lists staff member {staff_id} {n} times")
        if len(leaders) != need.count:
            yield Violation(
                "H5",
                sid,
                f"section {sid} is led by {len(leaders)} staff, {gt.label} needs {need.count}",
            )
        for staff_id in leaders:
            staff = idx.staff.get(staff_id)
            if staff is None:
                continue
            if staff.role not in need.roles:
                yield Violation(
                    "H5",
                    sid,
                    f"staff member {staff_id} of section {sid} is {staff.role}, "
                    f"{gt.label} needs {' or '.join(need.roles)}",
                )
            missing = [s for s in need.skills if s not in staff.skills]
            if missing:
                yield Violation(
                    "H5",
                    sid,
                    f"staff member {staff_id} of section {sid} lacks skill {', '.join(missing)}",
                )
            for span in idx.spans[i]:
                busy[staff_id].append(Owned(span, sid))
                # The span (travel included off site) must lie inside ONE available window.
                if not inside_one(staff.available, span):
                    yield Violation(
                        "H5",
                        sid,
                        f"staff member {staff_id} is not available {span.label()} "
                        f"for section {sid}",
                    )
    for staff_id in sorted(busy):
        yield from _staff_load(idx, staff_id, busy[staff_id])


def _staff_load(idx: ScheduleIndex, staff_id: str, busy: list[Owned[str]]) -> Iterator[Violation]:
    """H5: one place at a time, max_sessions_per_day and max_sessions_per_week."""
    for a, b in clashes(busy):
        yield Violation(
            "H5",
            staff_id,
            f"staff member {staff_id} leads section {a.owner} ({a.span.label()}) and section "
            f"{b.owner} ({b.span.label()}) at once",
        )
    staff = idx.staff[staff_id]
    per_day = Counter(o.span.day for o in busy)
    for day in sorted(per_day, key=list(DAY_NAMES).index):
        if per_day[day] > staff.max_sessions_per_day:
            yield Violation(
                "H5",
                staff_id,
                f"staff member {staff_id} leads {per_day[day]} meetings on {DAY_NAMES[day]}, "
                f"above max_sessions_per_day {staff.max_sessions_per_day}",
            )
    if len(busy) > staff.max_sessions_per_week:
        yield Violation(
            "H5",
            staff_id,
            f"staff member {staff_id} leads {len(busy)} meetings a week, "
            f"above max_sessions_per_week {staff.max_sessions_per_week}",
        )


def _vehicles(idx: ScheduleIndex) -> Iterator[Violation]:
    """H6: an outing's vehicle is available, on no other outing, and not due at a run then."""
    outings: dict[str, list[Owned[str]]] = defaultdict(list)
    for i, section in enumerate(idx.schedule.sections):
        gt = idx.section_types[i]
        if gt is None or not gt.offsite or section.vehicle is None:
            continue
        vehicle = idx.vehicles.get(section.vehicle)
        if vehicle is None:
            continue
        sid = section.id
        for span in idx.spans[i]:
            outings[vehicle.id].append(Owned(span, sid))
            # Meeting plus travel both ways must lie inside ONE available window of the vehicle.
            if not inside_one(vehicle.available, span):
                yield Violation(
                    "H6",
                    sid,
                    f"vehicle {vehicle.id} is not available {span.label()} for section {sid}",
                )
            # A run's arrive or depart at t with start <= t <= end (both inclusive) conflicts.
            for run in vehicle.runs:
                if run.day != span.day:
                    continue
                for what, t in (("arrive", run.arrive), ("depart", run.depart)):
                    if span.start <= t <= span.end:
                        yield Violation(
                            "H6",
                            sid,
                            f"vehicle {vehicle.id} is due to {what} at {format_time(t)} on "
                            f"{DAY_NAMES[run.day]}, during section {sid}'s outing {span.label()}",
                        )
    for vehicle_id in sorted(outings):
        for a, b in clashes(outings[vehicle_id]):
            yield Violation(
                "H6",
                vehicle_id,
                f"vehicle {vehicle_id} is on section {a.owner}'s outing ({a.span.label()}) and "
                f"section {b.owner}'s ({b.span.label()}) at once",
            )
