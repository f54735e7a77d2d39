"""One date of a weekly schedule: the sessions that meet that day, as a schedule of their own.

The weekly schedule says who is enrolled where; a date adds what happened since publication —
rosters that changed (admissions, discharges, makeups booked into a session) and one-off extra
meetings. :func:`day_view` builds the schedule of that date, which
:func:`models.validation.validate_day` checks against every hard rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from models.common import DAYS
from models.schedule import Ride, Schedule, Section, Status
from models.term import Term


def clinic_time(term: Term, moment: datetime | None = None) -> datetime:
    """``moment`` as an aware time in the clinic's zone: the clock when None; a naive time is
    taken as the clinic's wall-clock time already (``--now`` and the API's ``now`` everywhere)."""
    zone = ZoneInfo(term.clinic.timezone)
    if moment is None:
        return datetime.now(zone)
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def weekday(day: date) -> str:
    """``mon`` … ``sun``."""
    return DAYS[day.weekday()]


def monday_of(day: date) -> date:
    """The Monday of ``day``'s week (weekly loads count from it)."""
    return day - timedelta(days=day.weekday())


def term_dates(term: Term) -> list[date]:
    """Every clinic day of the term, closures removed."""
    closures = set(term.term.closures)
    days = set(term.calendar.days)
    out, day = [], term.term.start
    while day <= term.term.end:
        if weekday(day) in days and day not in closures:
            out.append(day)
        day += timedelta(days=1)
    return out


def day_view(
    schedule: Schedule,
    day: date,
    rosters: Mapping[str, Sequence[str]] | None = None,
    extra: Sequence[Section] = (),
    rides: Sequence[Ride] | None = None,
) -> Schedule:
    """The sessions meeting on ``day``: each section with only that weekday's meeting and its
    roster for the date (``rosters[section id]``, default the weekly members), plus ``extra``
    one-off meetings, and the rides of that date (default: the weekly rides of that weekday)."""
    name = weekday(day)
    sections = []
    for section in schedule.sections:
        meetings = [m for m in section.meetings if m.day == name]
        if not meetings:
            continue
        members = list(rosters.get(section.id, section.participants)) if rosters else None
        update: dict[str, object] = {"meetings": meetings}
        if members is not None:
            update["participants"] = members
        sections.append(section.model_copy(update=update))
    sections.extend(extra)
    return Schedule(
        status=Status.FEASIBLE,
        score=0,
        bound=None,
        sections=sections,
        transport=list(rides)
        if rides is not None
        else [r for r in schedule.transport if r.day == name],
        waitlist=[],
    )
