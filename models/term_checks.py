"""Checks across a term's fields that a JSON Schema cannot express.

Each check yields :class:`Problem` objects naming the path and the value. :func:`term_problems`
are errors: the loader gathers them all and rejects the document if there is any, so nothing
half-loaded ever reaches the solver. :func:`term_cautions` are what the contract allows but a
director should hear about (a closure outside the term, opening hours off the slot grid, someone
kept apart from themselves); they are warnings before a solve. A group type that cannot run
(its sizes, meetings or length do not fit the calendar) is not an error either: its requests are
waitlisted with the reason (:func:`optimizer.diagnose.type_blockers`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel

from models.common import Window, format_time
from models.errors import Problem
from models.term import PRIORITIES, Term


def term_problems(term: Term) -> list[Problem]:
    """Every cross-field problem in the term, in document order."""
    checks = (
        _clinic,
        _weights,
        _dates,
        _calendar,
        _duplicate_ids,
        _windows,
        _group_types,
        _participants,
    )
    return [problem for check in checks for problem in check(term)]


def _did_you_mean(value: str, choices: Iterable[str], cutoff: float = 0.6) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=cutoff)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _clinic(term: Term) -> Iterator[Problem]:
    try:
        ZoneInfo(term.clinic.timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file
        shown = term.clinic.timezone[:60] + ("…" if len(term.clinic.timezone) > 60 else "")
        yield Problem("clinic.timezone", f"unknown IANA time zone {shown!r}")


MAX_SCORE = 2**53
"""Every request placed must score below this: CP-SAT's objective and the bound are exact in
64-bit arithmetic and in a double's 53-bit mantissa up to here."""


def _weights(term: Term) -> Iterator[Problem]:
    requests = sum(len(p.requests) for p in term.participants)
    for priority in PRIORITIES:
        weight = term.weights.of(priority)
        if weight * max(requests, 1) >= MAX_SCORE:
            yield Problem(
                f"weights.{priority}",
                f"{weight} is too large: {requests} request(s) at this weight would score "
                f"{MAX_SCORE:,} or more; the relative sizes of the weights are what matters",
            )


def _dates(term: Term) -> Iterator[Problem]:
    dates = term.term
    if dates.end < dates.start:
        yield Problem("term.end", f"{dates.end} is before the term start {dates.start}")


def _calendar(term: Term) -> Iterator[Problem]:
    cal = term.calendar
    if cal.close <= cal.open:
        yield Problem(
            "calendar.close",
            f"{format_time(cal.close)} is not after opening time {format_time(cal.open)}",
        )
    if len(set(cal.days)) != len(cal.days):
        yield Problem("calendar.days", "a day is listed twice")


def _duplicate_ids(term: Term) -> Iterator[Problem]:
    for field in ("rooms", "staff", "vehicles", "group_types", "participants"):
        first: dict[str, int] = {}
        for i, item in enumerate(getattr(term, field)):
            if item.id in first:
                yield Problem(
                    f"{field}[{i}].id",
                    f"duplicate id {item.id!r} (also {field}[{first[item.id]}])",
                )
            else:
                first[item.id] = i


def _window_lists(term: Term) -> Iterator[tuple[str, list[Window]]]:
    for i, room in enumerate(term.rooms):
        yield f"rooms[{i}].blocked", room.blocked
    for i, staff in enumerate(term.staff):
        yield f"staff[{i}].available", staff.available
    for i, vehicle in enumerate(term.vehicles):
        yield f"vehicles[{i}].available", vehicle.available
    for i, gt in enumerate(term.group_types):
        if gt.windows is not None:
            yield f"group_types[{i}].windows", gt.windows
    for i, p in enumerate(term.participants):
        yield f"participants[{i}].available", p.available


def _windows(term: Term) -> Iterator[Problem]:
    for path, windows in _window_lists(term):
        for j, window in enumerate(windows):
            if window.end <= window.start:
                yield Problem(
                    f"{path}[{j}].end",
                    f"{format_time(window.end)} is not after start {format_time(window.start)}",
                )
    for i, vehicle in enumerate(term.vehicles):
        for j, run in enumerate(vehicle.runs):
            if run.depart <= run.arrive:
                yield Problem(
                    f"vehicles[{i}].runs[{j}].depart",
                    f"{format_time(run.depart)} is not after arrival {format_time(run.arrive)}",
                )


def _group_types(term: Term) -> Iterator[Problem]:
    cal = term.calendar
    for i, gt in enumerate(term.group_types):
        path = f"group_types[{i}]"
        if gt.duration_minutes % cal.slot_minutes:
            yield Problem(
                f"{path}.duration_minutes",
                f"{gt.duration_minutes} is not a multiple of the {cal.slot_minutes}-minute slot",
            )


def _participants(term: Term) -> Iterator[Problem]:
    type_ids = {gt.id for gt in term.group_types}
    participant_ids = {p.id for p in term.participants}
    for i, p in enumerate(term.participants):
        path = f"participants[{i}]"
        seen: dict[str, int] = {}
        for j, request in enumerate(p.requests):
            gt = request.group_type
            if gt not in type_ids:
                yield Problem(
                    f"{path}.requests[{j}].group_type",
                    f"unknown group type {gt!r}{_did_you_mean(gt, type_ids)}",
                )
            elif gt in seen:
                yield Problem(
                    f"{path}.requests[{j}].group_type",
                    f"second request for {gt!r} (also requests[{seen[gt]}])",
                )
            else:
                seen[gt] = j
        for j, other in enumerate(p.keep_apart):
            if other not in participant_ids:
                yield Problem(
                    f"{path}.keep_apart[{j}]",
                    f"unknown participant {other!r}{_did_you_mean(other, participant_ids)}",
                )
        for gt in p.current or {}:
            if gt not in type_ids:
                yield Problem(
                    f"{path}.current.{gt}",
                    f"unknown group type {gt!r}{_did_you_mean(gt, type_ids)}",
                )


def term_cautions(term: Term) -> Iterator[Problem]:
    """What the contract allows but a director should hear about before a solve."""
    dates, cal = term.term, term.calendar
    for i, closure in enumerate(dates.closures):
        if not dates.start <= closure <= dates.end:
            yield Problem(
                f"term.closures[{i}]",
                f"{closure} is outside the term {dates.start} to {dates.end}; it changes nothing",
            )
    if cal.open % cal.slot_minutes:
        first = [format_time(cal.open + k * cal.slot_minutes) for k in range(3)]
        yield Problem(
            "calendar.open",
            f"{format_time(cal.open)} is off the {cal.slot_minutes}-minute grid of the clock; "
            f"meetings start on the grid from opening time ({', '.join(first)}, …)",
        )
    for i, v in enumerate(term.vehicles):
        kept = {(r.day, r.arrive, r.depart): k for k, r in v.distinct_runs()}
        for j, run in enumerate(v.runs):
            k = kept[run.day, run.arrive, run.depart]
            if k != j:
                yield Problem(
                    f"vehicles[{i}].runs[{j}]",
                    f"repeats runs[{k}]; it is one run, with {v.seats} seats, not two",
                )
    riders = [p.id for p in term.participants if p.transport == "van" and p.requests]
    if riders and not any(v.runs for v in term.vehicles):
        shown = ", ".join(riders[:5]) + (f" and {len(riders) - 5} more" if len(riders) > 5 else "")
        yield Problem(
            "vehicles",
            f"{len(riders)} participant(s) ride the van but no vehicle has a daily run, so none "
            f"of them can be placed: {shown}",
        )
    for i, p in enumerate(term.participants):
        if p.id in p.keep_apart:
            j = p.keep_apart.index(p.id)
            yield Problem(
                f"participants[{i}].keep_apart[{j}]",
                f"{p.id} is kept apart from themselves, so no section may hold them (H10)",
            )


def misspelt_fields(model: BaseModel, path: str = "") -> Iterator[Problem]:
    """Unknown fields (kept, as the contract allows) whose name is close to a field of the
    contract: most likely a typo that would silently drop a rule (``keep_appart``)."""
    known = list(type(model).model_fields)
    for name in model.model_extra or {}:
        hint = _did_you_mean(name, known, cutoff=0.8)  # stricter: extensions are allowed
        if hint:
            where = f"{path}.{name}" if path else name
            yield Problem(where, f"not a contract field{hint}; it is not used")
    for name in known:
        value = getattr(model, name)
        inner = f"{path}.{name}" if path else name
        if isinstance(value, BaseModel):
            yield from misspelt_fields(value, inner)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from misspelt_fields(item, f"{inner}[{i}]")
