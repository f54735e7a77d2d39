"""The clinic's clock and the date arithmetic makeups need: local time, weeks, windows,
what is still in the future and what comes after the missed session."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from ledger.makeups.options import MissedRef
from models.dated import clinic_time
from models.term import Term


def local_time(term: Term, now: dt.datetime | None) -> dt.datetime:
    """:func:`models.dated.clinic_time` as a naive wall-clock time (what dated sessions store)."""
    return clinic_time(term, now).replace(tzinfo=None)


def minute_of_day(moment: dt.datetime) -> int:
    """Minutes since midnight."""
    return moment.hour * 60 + moment.minute


def dates_between(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    """Every date from ``first`` to ``last``, both included."""
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def after_missed(missed: MissedRef, day: dt.date, start: int) -> bool:
    """After the missed meeting: a later date, or later the same day."""
    return day > missed.date or (day == missed.date and start >= missed.end)


def in_future(now: dt.datetime, day: dt.date, start: int) -> bool:
    """A meeting starting at ``start`` on ``day`` has not begun at ``now`` (clinic time)."""
    return (day, start) > (now.date(), minute_of_day(now))
