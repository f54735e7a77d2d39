"""Cell values the way people type them, and back: numbers, flags, times, dates, days, windows.

Readers take what a spreadsheet hands over (a string from a CSV file, or a typed Excel value:
``int``, ``float``, ``bool``, ``datetime``, ``time``, ``timedelta``) and return document values;
they raise :class:`CellError` with a message that quotes the value. Writers are the inverse and
produce the canonical spelling (``Mon-Fri 09:00-16:00``, ``cooking:required``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from models.common import DAY_NAMES, DAYS, MINUTES_PER_DAY, format_time

NONE_MARK = "(none)"
"""An explicit empty list in a nullable cell; a blank cell means null (no restriction)."""

_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DASH = r"\s*(?:[-–—]|\bto\b)\s*"
_CLOCK = r"\d{1,2}(?:[:.]\d{2})?(?:\s*[ap]\.?\s*m\.?)?"
_CLOCK_RE = re.compile(r"^(\d{1,2})(?:[:.](\d{2})(?::(\d{2}))?)?\s*(?:([ap])\.?\s*m\.?)?$", re.I)
_DAY_TERM = r"[a-z]+\.?(?:\s*[-–—]\s*[a-z]+\.?)?"
_WINDOW_RE = re.compile(
    rf"^(?P<days>{_DAY_TERM}(?:\s*/\s*{_DAY_TERM})*)\s*:?\s*"
    rf"(?P<start>{_CLOCK}){_DASH}(?P<end>{_CLOCK})$",
    re.I,
)
_WHOLE_RE = re.compile(r"^[+-]?\d+(?:\.0*)?$")
_SPLIT_RE = re.compile(r"[;,\n]")
_TRUE = {"true", "yes", "y", "1", "x"}
_FALSE = {"false", "no", "n", "0"}


class CellError(ValueError):
    """A cell value that cannot be read; the message quotes the value."""


def is_blank(value: object) -> bool:
    """True for an empty cell (None or whitespace)."""
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: object) -> str:
    """A text cell: strings stripped, whole floats without ``.0``, dates in ISO form."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def canon(value: str, choices: Iterable[str]) -> str:
    """``value`` spelled as the matching choice, ignoring case (unchanged when none matches)."""
    for choice in choices:
        if value.lower() == choice.lower():
            return choice
    return value


def split_items(value: object) -> list[str]:
    """The items of a list cell separated by ``;``, ``,`` or line breaks."""
    return [item.strip() for item in _SPLIT_RE.split(text(value)) if item.strip()]


def join_items(items: Iterable[str]) -> str | None:
    """``a; b; c``, or None (a blank cell) for no items."""
    return "; ".join(items) or None


def whole_number(value: object) -> int:
    """An integer cell; Excel's ``8.0`` is 8."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _WHOLE_RE.match(value.strip()):
        return int(float(value.strip()))
    raise CellError(f"{value!r} is not a whole number")


def flag(value: object) -> bool:
    """A yes/no cell: TRUE/FALSE, yes/no, y/n, 1/0, x."""
    if isinstance(value, bool):
        return value
    word = text(value).lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise CellError(f"{value!r} is not yes or no")


def _minutes(hour: int, minute: int, half: str | None) -> int | None:
    if minute > 59:
        return None
    if half is None:
        return hour * 60 + minute if hour <= 23 else None
    if not 1 <= hour <= 12:
        return None
    return (hour % 12 + (12 if half == "p" else 0)) * 60 + minute


def _clock(word: str) -> tuple[int, int, str | None] | None:
    match = _CLOCK_RE.match(word.strip())
    if not match or (match[3] and int(match[3])):
        return None
    return int(match[1]), int(match[2] or 0), match[4].lower() if match[4] else None


def _whole_minute(seconds: float, value: object) -> int:
    minutes = round(seconds / 60)
    if abs(seconds - minutes * 60) > 1 or not 0 <= minutes < MINUTES_PER_DAY:
        shown = value.isoformat() if isinstance(value, dt.time) else value  # as Excel shows it
        if isinstance(value, dt.timedelta):
            shown = f"{seconds / 3600:g} hours"
        raise CellError(f"{shown!r} is not a time like '09:00' (whole minutes)")
    return minutes


EXCEL_DAY_ONE = dt.datetime(1900, 1, 1)
"""Day 1 of Excel's calendar: a number ``n`` in a date or time cell reads as this plus n-1."""


def clock_time(value: object) -> int:
    """Minutes since midnight from ``09:00``, ``9:00``, ``9``, ``9am`` or an Excel time cell.

    A plain number typed into a cell formatted as a time counts days in Excel (``9`` shows as
    00:00): openpyxl reads it as a date early in 1900, refused here rather than read as
    midnight."""
    if isinstance(value, dt.datetime):
        if value < EXCEL_DAY_ONE + dt.timedelta(days=366):
            days = (value - EXCEL_DAY_ONE).total_seconds() / 86400 + 1
            raise CellError(
                f"{days:g} in a time cell is {days:g} days to Excel, not a time of day; "
                "type the time like '09:00'"
            )
        value = value.time()
    if isinstance(value, dt.time):
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        return _whole_minute(seconds, value)
    if isinstance(value, dt.timedelta):
        return _whole_minute(value.total_seconds(), value)
    if isinstance(value, float) and 0 <= value < 1:
        return _whole_minute(value * 86400, value)  # an unformatted Excel time: a day fraction
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 0 <= value <= 23:
            return int(value) * 60
    elif isinstance(value, str):
        parts = _clock(value)
        minutes = _minutes(*parts) if parts else None
        if minutes is not None:
            return minutes
    raise CellError(f"{value!r} is not a time like '09:00'")


def time_cell(minutes: int) -> dt.time:
    """A typed time cell for minutes since midnight."""
    return dt.time(minutes // 60, minutes % 60)


def date_value(value: object) -> dt.date:
    """A date from an Excel date cell or ``YYYY-MM-DD``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        word = value.strip()
        try:
            return dt.date.fromisoformat(word)
        except ValueError:
            try:
                return dt.datetime.fromisoformat(word).date()
            except ValueError:
                pass
    raise CellError(f"{value!r} is not a date like '2027-01-04'")


def dates(value: object) -> list[dt.date]:
    """A list of dates: one date cell, or ``2027-01-18; 2027-02-15``."""
    if isinstance(value, dt.date):
        return [date_value(value)]
    found, bad = [], []
    for item in split_items(value):
        try:
            found.append(date_value(item))
        except CellError as exc:
            bad.append(str(exc))
    if bad:
        raise CellError("; ".join(bad))
    return found


def day(word: str) -> str:
    """``mon`` from Mon, mon, MONDAY, Mo, Tues, Thurs, Weds …"""
    key = word.strip().lower().rstrip(".")
    key = "wed" if key == "weds" else key
    if len(key) >= 2:
        for short, full in zip(DAYS, _FULL_DAY_NAMES, strict=True):
            if full.startswith(key):
                return short
    raise CellError(f"{word!r} is not a day like 'Mon'")


def day_spans(word: str) -> list[str]:
    """Days joined by ``/`` as the tool prints them (``Mon/Wed``), each one or a range."""
    return [d for part in word.split("/") for d in day_span(part)]


def day_span(word: str) -> list[str]:
    """One day, or a range such as ``Mon-Fri`` (in week order)."""
    first, _, last = [*re.split(r"\s*([-–—])\s*", word.strip(), maxsplit=1), "", ""][:3]
    if not last:
        return [day(first)]
    start, end = DAYS.index(day(first)), DAYS.index(day(last))
    if end < start:
        raise CellError(f"{word!r} runs backwards through the week")
    return list(DAYS[start : end + 1])


def days(value: object) -> list[str]:
    """Days such as ``Mon; Wed; Fri``, ``Mon/Wed`` or ``Mon-Fri``."""
    found, bad = [], []
    for item in split_items(value):
        try:
            found.extend(day_spans(item))
        except CellError as exc:
            bad.append(str(exc))
    if bad:
        raise CellError("; ".join(bad))
    return found


def _runs(items: Sequence[Any], same: Callable[[Any, Any], bool]) -> list[list[Any]]:
    """Split ``items`` into runs of neighbours on consecutive days that ``same`` agrees on."""
    runs: list[list[Any]] = []
    for item in items:
        last = runs[-1][-1] if runs else None
        if last is not None and same(last, item):
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


def _next_day(a: str, b: str) -> bool:
    return DAYS.index(b) == DAYS.index(a) + 1


def _span_label(first: str, last: str, length: int) -> list[str]:
    if length >= 3:
        return [f"{DAY_NAMES[first]}-{DAY_NAMES[last]}"]
    return [DAY_NAMES[first]] if length == 1 else [DAY_NAMES[first], DAY_NAMES[last]]


def format_days(values: Sequence[str]) -> str | None:
    """``Mon-Fri`` for three or more consecutive days, else ``Mon; Wed``."""
    labels = []
    for run in _runs(values, _next_day):
        labels.extend(_span_label(run[0], run[-1], len(run)))
    return join_items(labels)


def _window(item: str) -> list[dict[str, Any]]:
    match = _WINDOW_RE.match(item.strip())
    start_parts = _clock(match["start"]) if match else None
    end_parts = _clock(match["end"]) if match else None
    if not match or start_parts is None or end_parts is None:
        raise CellError(f"{item!r} is not a window like 'Mon 09:00-12:00'")
    end = _minutes(*end_parts)
    start = _minutes(*start_parts)
    if start_parts[2] is None and end_parts[2] is not None:  # 1-3pm: the start shares the pm
        shared = _minutes(start_parts[0], start_parts[1], end_parts[2])
        if shared is not None and end is not None and shared < end:
            start = shared
    if start is None or end is None:
        raise CellError(f"{item!r} is not a window like 'Mon 09:00-12:00'")
    try:
        span = day_spans(match["days"])
    except CellError:
        raise CellError(f"{item!r} is not a window like 'Mon 09:00-12:00'") from None
    return [{"day": d, "start": start, "end": end} for d in span]


def windows(value: object) -> list[dict[str, Any]]:
    """Weekly windows such as ``Mon 09:00-12:00; Tue-Thu 9-12:30; Mon/Wed 13:00-15:00``."""
    found, bad = [], []
    for item in split_items(value):
        try:
            found.extend(_window(item))
        except CellError as exc:
            bad.append(str(exc))
    if bad:
        raise CellError("; ".join(bad))
    return found


def format_windows(values: Sequence[Any]) -> str | None:
    """Windows as typed: neighbours with equal hours on three or more days become a range."""

    def same(a: Any, b: Any) -> bool:
        return (a.start, a.end) == (b.start, b.end) and _next_day(a.day, b.day)

    labels: list[str] = []
    for run in _runs(values, same):
        hours = f"{format_time(run[0].start)}-{format_time(run[0].end)}"
        labels.extend(f"{span} {hours}" for span in _span_label(run[0].day, run[-1].day, len(run)))
    return join_items(labels)


def pairs(value: object, what: str, example: str) -> list[tuple[str, str]]:
    """``key:value`` or ``key=value`` items; ``what`` and ``example`` word the error."""
    found, bad = [], []
    for item in split_items(value):
        sep = "=" if "=" in item else ":"
        key, _, val = (part.strip() for part in item.partition(sep))
        if key and val:
            found.append((key, val))
        else:
            bad.append(f"{item!r} is not {what} like {example!r}")
    if bad:
        raise CellError("; ".join(bad))
    return found
