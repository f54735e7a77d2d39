"""Shapes shared by every contract document: days, clock times, windows, ids."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAY_NAMES = {d: d.capitalize() for d in DAYS}
MINUTES_PER_DAY = 24 * 60

_TIME_RE = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


def parse_time(value: object) -> int:
    """Minutes since midnight from an ``"HH:MM"`` string (ints pass through)."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a time HH:MM")
    if isinstance(value, int):
        if 0 <= value < MINUTES_PER_DAY:
            return value
        raise ValueError(f"{value!r} is not a time HH:MM")
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a time HH:MM")
    match = _TIME_RE.match(value.strip())
    if not match:
        raise ValueError(f"{value!r} is not a time HH:MM (24-hour clock)")
    return int(match.group(1)) * 60 + int(match.group(2))


def format_time(minutes: int) -> str:
    """``"HH:MM"`` from minutes since midnight."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


Time = Annotated[
    int,
    BeforeValidator(parse_time),
    PlainSerializer(format_time, return_type=str),
    WithJsonSchema({"type": "string", "pattern": _TIME_RE.pattern}),
    Field(description='Clock time "HH:MM", 24 h, local to the clinic; held as minutes'),
]
"""A clock time: ``"HH:MM"`` in documents, minutes since midnight in memory."""

_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def iso_date(value: object) -> object:
    """A date, or text ``YYYY-MM-DD`` for pydantic to read as one; anything else is refused
    (pydantic alone would take a number as a Unix timestamp and ``20270104`` as a time)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _DATE_RE.match(value):
        return value
    raise ValueError(f"{value!r} is not a date like '2027-01-04'")


IsoDate = Annotated[
    dt.date,
    BeforeValidator(iso_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": _DATE_RE.pattern}),
]
"""A calendar date: ``"YYYY-MM-DD"`` in documents and requests, as the contract writes it."""

Id = Annotated[str, Field(min_length=1, description="Non-empty id, unique within its list")]


class ContractModel(BaseModel):
    """Base of every contract shape: unknown fields are kept, never an error."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, validate_default=True)


class Window(ContractModel):
    """A weekly time window: start inclusive, end exclusive."""

    day: Day
    start: Time
    end: Time

    def contains(self, day: str, start: int, end: int) -> bool:
        """True when ``[start, end)`` on ``day`` lies inside this window."""
        return day == self.day and self.start <= start and end <= self.end

    def overlaps(self, day: str, start: int, end: int) -> bool:
        """True when ``[start, end)`` on ``day`` shares a minute with this window."""
        return day == self.day and start < self.end and self.start < end

    def label(self) -> str:
        """``Tue 09:00-12:00``, the spreadsheet spelling."""
        return f"{DAY_NAMES[self.day]} {format_time(self.start)}-{format_time(self.end)}"


def day_index(day: str) -> int:
    """0 for Monday … 6 for Sunday."""
    return DAYS.index(day)
