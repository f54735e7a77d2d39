"""H11: van riders are on exactly one covering run per meeting day; runs within their seats."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from models.common import DAY_NAMES, format_time
from models.validation.index import RunKey, ScheduleIndex
from models.validation.spans import Span
from models.validation.violation import Violation


def run_label(key: RunKey) -> str:
    """``run v1 Tue 09:00-15:30`` (arrive-depart)."""
    vehicle, day, arrive, depart = key
    return f"run {vehicle} {DAY_NAMES[day]} {format_time(arrive)}-{format_time(depart)}"


def day_spans(spans: list[Span]) -> dict[str, tuple[int, int]]:
    """Per day, the first start and last end of the given busy spans."""
    out: dict[str, tuple[int, int]] = {}
    for span in spans:
        first, last = out.get(span.day, (span.start, span.end))
        out[span.day] = (min(first, span.start), max(last, span.end))
    return out


def transport_violations(idx: ScheduleIndex) -> Iterator[Violation]:
    """H11 for every van rider with meetings and every run carrying riders."""
    yield from _shape(idx)
    for pid in sorted(idx.memberships):
        person = idx.people.get(pid)
        if person is None or person.transport != "van":
            continue
        spans = day_spans([o.span for o in idx.busy(pid)])
        for day in sorted(spans, key=list(DAY_NAMES).index):
            yield from _rider_day(idx, pid, day, spans[day])
    yield from _run_loads(idx)


def _shape(idx: ScheduleIndex) -> Iterator[Violation]:
    for ride in idx.schedule.transport:
        if ride.vehicle not in idx.vehicles:
            msg = f"transport lists unknown vehicle {ride.vehicle} on {DAY_NAMES[ride.day]}"
            yield Violation("SHAPE", ride.vehicle, msg)
        for pid in ride.participants:
            if pid not in idx.people:
                msg = f"transport on vehicle {ride.vehicle} lists unknown participant {pid}"
                yield Violation("SHAPE", ride.vehicle, msg)


def _rider_day(
    idx: ScheduleIndex, pid: str, day: str, bounds: tuple[int, int]
) -> Iterator[Violation]:
    """Exactly one entry that day, matching a real run, arriving by the first span start and
    departing no earlier than the last span end (spans include travel)."""
    first, last = bounds
    rides = idx.rides_of.get((pid, day), [])
    when = f"{DAY_NAMES[day]} {format_time(first)}-{format_time(last)}"
    if not rides:
        yield Violation("H11", pid, f"van rider {pid} has meetings {when} but no run that day")
        return
    if len(rides) > 1:
        yield Violation("H11", pid, f"van rider {pid} is on {len(rides)} runs on {DAY_NAMES[day]}")
        return
    key = rides[0]
    if key not in idx.runs:
        yield Violation(
            "H11", pid, f"{pid} rides {run_label(key)}, which is not a run of vehicle {key[0]}"
        )
        return
    if key[2] > first:
        yield Violation(
            "H11",
            pid,
            f"{run_label(key)} arrives after {pid}'s first meeting {when} begins (travel incl.)",
        )
    if key[3] < last:
        yield Violation(
            "H11",
            pid,
            f"{run_label(key)} departs before {pid}'s last meeting {when} ends (travel incl.)",
        )


def _run_loads(idx: ScheduleIndex) -> Iterator[Violation]:
    """Per run (entries with the same key pooled): riders <= seats, wheelchairs <= chair seats."""
    by_vehicle: dict[str, list[RunKey]] = defaultdict(list)
    for key in idx.riders:
        by_vehicle[key[0]].append(key)
    for vehicle_id in sorted(by_vehicle):
        vehicle = idx.vehicles.get(vehicle_id)
        if vehicle is None:
            continue
        for key in sorted(by_vehicle[vehicle_id], key=lambda k: (list(DAY_NAMES).index(k[1]), k)):
            riders = len(idx.riders[key])
            if riders > vehicle.seats:
                yield Violation(
                    "H11",
                    vehicle_id,
                    f"{run_label(key)} carries {riders} riders, above {vehicle.seats} seats",
                )
            chairs = idx.wheelchair_riders(key)
            if chairs > vehicle.wheelchair_seats:
                yield Violation(
                    "H11",
                    vehicle_id,
                    f"{run_label(key)} carries {chairs} wheelchair riders, above "
                    f"{vehicle.wheelchair_seats} wheelchair seats",
                )
