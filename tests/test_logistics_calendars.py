"""Calendar feeds: the acceptance test (a published schedule with two makeups and one
cancellation, read back with ``icalendar``), stable UIDs and sequences, staff feeds, and the
clinic's time zone across a daylight-saving change."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from helpers import tiny_schedule, tiny_term
from icalendar import Calendar
from ledger_helpers import session_id
from logistics_helpers import (
    FORBIDDEN,
    FRI,
    TUE,
    book_first,
    demo,
    demo_ledger,
    logistics,
    two_makeups_one_cancellation,
)
from sqlalchemy import func, select

from ledger.makeups import book, cancel_makeup, search
from ledger.publish import publish
from ledger.schema import (
    DatedSession,
    Enrollment,
    EnrollmentEnd,
    Makeup,
    ScheduleVersion,
    SessionCancellation,
)
from ledger.state import published
from ledger.store import Ledger, open_ledger
from logistics.calendars import Feeds, UnknownPersonError, write_feed
from models import parse_schedule, parse_term
from models.schedule import WaitlistEntry

PHOENIX = ZoneInfo("America/Phoenix")


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("published")


@pytest.fixture
def ledger(tmp_path: Path, cache_dir: Path) -> Iterator[Ledger]:
    handle = demo_ledger(tmp_path, cache_dir)
    yield handle
    handle.dispose()


def feed(ledger: Ledger, tmp_path: Path, *, participant: str = "", staff: str = "") -> Calendar:
    """Export a feed to a file and parse it back with icalendar."""
    with ledger.read() as s:
        feeds = Feeds(s, published(s), logistics())
        cal = feeds.participant(participant) if participant else feeds.staff(staff)
    path = tmp_path / f"{participant or staff}.ics"
    write_feed(cal, path)
    return Calendar.from_ical(path.read_bytes())


def by_uid(cal: Calendar) -> dict[str, Any]:
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_acceptance_two_makeups_one_cancellation(ledger: Ledger, tmp_path: Path) -> None:
    scenario = two_makeups_one_cancellation(ledger)
    regular, extra = scenario.regular_makeup, scenario.extra_makeup
    assert (regular.section, regular.date, regular.extra) == ("creative-expression-4", FRI, False)
    assert (regular.start, regular.end) == (14 * 60, 15 * 60 + 30)
    assert extra.extra and extra.date == TUE

    cal = feed(ledger, tmp_path, participant="P0045")
    events = by_uid(cal)
    # one event per session of P0045's sections over the term, plus the makeup
    with ledger.read() as s:
        sections = set(
            s.scalars(select(Enrollment.section).where(Enrollment.participant == "P0045"))
        )
        enrolled = s.scalar(
            select(func.count())
            .select_from(DatedSession)
            .where(DatedSession.section.in_(sections), DatedSession.kind == "regular")
        )
    assert len(events) == enrolled + 1

    # the makeup: its own event, "makeup" in the summary, clinic time, confirmed, unchanged
    makeup = events[f"session-{regular.session_id}-P0045@otgroups"]
    assert "makeup" in str(makeup["SUMMARY"]).lower()
    assert str(makeup["SUMMARY"]).startswith("Creative Expression")
    assert makeup.start == dt.datetime(2027, 9, 17, 14, 0, tzinfo=PHOENIX)
    assert makeup.end == dt.datetime(2027, 9, 17, 15, 30, tzinfo=PHOENIX)
    assert makeup.start.utcoffset() == dt.timedelta(hours=-7)
    assert str(makeup.start.tzinfo) == "America/Phoenix"
    assert str(makeup["STATUS"]) == "CONFIRMED"
    assert makeup["SEQUENCE"] == 0
    assert str(makeup["LOCATION"]) == "Art Studio"

    # the cancelled session stays in the feed, struck out, with its change counted
    cancelled = events[f"session-{scenario.cancelled}-P0045@otgroups"]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert cancelled["SEQUENCE"] >= 1
    assert cancelled.start == dt.datetime(2027, 9, 20, 14, 0, tzinfo=PHOENIX)

    # every other event is confirmed and unchanged
    others = [e for uid, e in events.items() if uid not in (makeup["UID"], cancelled["UID"])]
    assert {str(e["STATUS"]) for e in others} == {"CONFIRMED"}
    assert {e["SEQUENCE"] for e in others} == {0}

    # the calendar carries the clinic's time zone
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["America/Phoenix"]

    # the extra meeting is P0043's makeup, in its room
    mine = by_uid(feed(ledger, tmp_path, participant="P0043"))
    extra_event = mine[f"session-{extra.session_id or _extra_id(ledger, 'P0043')}-P0043@otgroups"]
    assert "makeup" in str(extra_event["SUMMARY"]).lower()
    assert extra_event.start == dt.datetime.combine(
        TUE, dt.time(extra.start // 60, extra.start % 60), tzinfo=PHOENIX
    )
    assert str(extra_event["STATUS"]) == "CONFIRMED"
    assert str(mine[f"session-{scenario.cancelled}-P0043@otgroups"]["STATUS"]) == "CANCELLED"

    # staff: the cancelled session and the session a makeup joined are changed for its leaders
    quinn = by_uid(feed(ledger, tmp_path, staff="ot-quinn"))
    assert str(quinn[f"session-{scenario.cancelled}-ot-quinn@otgroups"]["STATUS"]) == "CANCELLED"
    assert quinn[f"session-{scenario.cancelled}-ot-quinn@otgroups"]["SEQUENCE"] == 1
    alvarez = by_uid(feed(ledger, tmp_path, staff="rt-alvarez"))
    joined = alvarez[f"session-{regular.session_id}-rt-alvarez@otgroups"]
    assert joined["SEQUENCE"] == 1
    assert "Makeups booked in: 1" in str(joined["DESCRIPTION"])


def _extra_id(ledger: Ledger, pid: str) -> int:
    with ledger.read() as s:
        found = s.scalar(
            select(Makeup.session_id)
            .join(DatedSession, DatedSession.id == Makeup.session_id)
            .where(Makeup.participant == pid, DatedSession.kind == "extra")
        )
    assert found is not None
    return found


def test_feeds_say_nothing_clinical_or_about_others(ledger: Ledger, tmp_path: Path) -> None:
    two_makeups_one_cancellation(ledger)
    term, schedule = demo()
    others = {p.id for p in term.participants} - {"P0045"}
    cal = feed(ledger, tmp_path, participant="P0045")
    text = cal.to_ical().decode()
    for word in FORBIDDEN:
        assert not re.search(rf"(?<![\w-]){re.escape(word)}", text, re.IGNORECASE), word
    ids = set(re.findall(r"P\d{4}", text))
    assert ids == {"P0045"} and not ids & others
    # the term's own name of the psychosis group never appears in anyone's feed
    for pid in schedule.section("psychosis-skills-1").participants[:2]:
        assert "Psychosis" not in feed(ledger, tmp_path, participant=pid).to_ical().decode()


def test_export_is_stable_and_changes_bump_the_sequence(ledger: Ledger, tmp_path: Path) -> None:
    missed = session_id(ledger, "creative-expression-1", dt.date(2027, 9, 13))
    option, makeup = book_first(ledger, "P0045", missed)
    first = feed(ledger, tmp_path, participant="P0045").to_ical()
    assert feed(ledger, tmp_path, participant="P0045").to_ical() == first  # same bytes again
    uid = f"session-{option.session_id}-P0045@otgroups"

    cancel_makeup(ledger, makeup.id, reason="participant asked")
    event = by_uid(feed(ledger, tmp_path, participant="P0045"))[uid]
    assert (str(event["STATUS"]), event["SEQUENCE"]) == ("CANCELLED", 1)

    again = [
        o
        for o in search(ledger, "P0045", missed, 14, dt.datetime(2027, 9, 13, 7)).options
        if o.session_id == option.session_id
    ]
    assert again
    book(ledger, "P0045", missed, again[0])
    event = by_uid(feed(ledger, tmp_path, participant="P0045"))[uid]
    assert (str(event["STATUS"]), event["SEQUENCE"]) == ("CONFIRMED", 2)


def test_unknown_people_are_refused(ledger: Ledger) -> None:
    with ledger.read() as s:
        feeds = Feeds(s, published(s))
        with pytest.raises(UnknownPersonError):
            feeds.participant("P9999")
        with pytest.raises(UnknownPersonError):
            feeds.staff("nobody")


def test_times_follow_the_clinic_zone_across_daylight_saving(tmp_path: Path) -> None:
    """Chicago leaves daylight saving on Sun 7 Nov 2027: 10:00 is 15:00 UTC before, 16:00 after."""
    doc = tiny_term(3)
    doc["term"] = {"name": "Autumn", "start": "2027-11-01", "end": "2027-11-12", "closures": []}
    term = parse_term(doc)
    schedule = parse_schedule(tiny_schedule("10:00", "11:00"), term)
    ledger = open_ledger(f"sqlite:///{tmp_path / 'tiny.sqlite'}")
    try:
        publish(ledger, term, schedule)
        cal = feed(ledger, tmp_path, participant="P1")
    finally:
        ledger.dispose()
    starts = sorted(e.start for e in cal.walk("VEVENT"))
    assert [s.astimezone(dt.UTC).hour for s in starts] == [15, 16]
    assert [s.hour for s in starts] == [10, 10]
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["America/Chicago"]
    text = cal.to_ical().decode()
    assert "DTSTART;TZID=America/Chicago:20271101T100000" in text
    assert "DTSTART;TZID=America/Chicago:20271108T100000" in text


def test_a_leaver_keeps_old_sessions_struck_out(ledger: Ledger, tmp_path: Path) -> None:
    """Schedule v2 from Mon 4 Oct drops P0045 from creative-expression-1: its sessions from
    then on stay in P0045's feed, cancelled, one change later; everyone else's are unchanged."""
    term, schedule = demo()
    moved = dt.date(2027, 10, 4)
    request = next(
        r for r in term.participant("P0045").requests if r.group_type == "creative-expression"
    )
    v2 = schedule.model_copy(
        update={
            "sections": [
                s.model_copy(update={"participants": [p for p in s.participants if p != "P0045"]})
                if s.id == "creative-expression-1"
                else s
                for s in schedule.sections
            ],
            "score": schedule.score - term.weights.of(request.priority),
            "waitlist": [
                *schedule.waitlist,
                WaitlistEntry(
                    participant="P0045",
                    group_type="creative-expression",
                    priority=request.priority,
                    reasons=["moved out by the team"],
                ),
            ],
        }
    )
    publish(ledger, term, v2, moved, note="v2")
    later = _section_sessions(ledger, "creative-expression-1", moved)
    leaver = _of(by_uid(feed(ledger, tmp_path, participant="P0045")), later)
    assert set(leaver) == later
    assert {(str(e["STATUS"]), e["SEQUENCE"]) for e in leaver.values()} == {("CANCELLED", 1)}
    stayer = _of(by_uid(feed(ledger, tmp_path, participant="P0043")), later)
    assert {(str(e["STATUS"]), e["SEQUENCE"]) for e in stayer.values()} == {("CONFIRMED", 0)}


def test_sessions_rewritten_by_the_publication_that_ended_an_enrollment(
    ledger: Ledger, tmp_path: Path
) -> None:
    """What a publication writes for a section re-timed from Mon 4 Oct that P0045 leaves: the
    later sessions cancelled, new ones at the new time, P0045's enrollment ended the day before
    (reason ``schedule v2``). P0045 keeps the old ones struck out and never gets the new ones;
    P0043, who stays, moves to them. (Written row by row: the demo has no valid re-time.)"""
    moved = dt.date(2027, 10, 4)
    old = _section_sessions(ledger, "creative-expression-1", moved)
    with ledger.write() as s:
        v1 = s.scalars(select(ScheduleVersion)).one()
        v2 = ScheduleVersion(
            number=2,
            term_version_id=v1.term_version_id,
            document=v1.document,
            effective_from=moved,
            note="v2",
        )
        s.add(v2)
        s.flush()
        rows = s.scalars(select(DatedSession).where(DatedSession.id.in_(old))).all()
        for row in rows:
            s.add(SessionCancellation(session_id=row.id, reason="schedule v2"))
        s.flush()
        for row in rows:
            s.add(
                DatedSession(
                    section=row.section,
                    group_type=row.group_type,
                    date=row.date,
                    start=row.start + 30,
                    end=row.end + 30,
                    room=row.room,
                    vehicle=None,
                    staff=list(row.staff),
                    kind="regular",
                    schedule_version_id=v2.id,
                )
            )
        s.flush()
        enrollment = s.scalars(
            select(Enrollment).where(
                Enrollment.participant == "P0045", Enrollment.section == "creative-expression-1"
            )
        ).one()
        s.add(
            EnrollmentEnd(
                enrollment_id=enrollment.id,
                to_date=moved - dt.timedelta(days=1),
                reason="schedule v2",
            )
        )
    new = _section_sessions(ledger, "creative-expression-1", moved) - old
    assert len(new) == len(old)
    leaver = _of(by_uid(feed(ledger, tmp_path, participant="P0045")), old | new)
    assert set(leaver) == old
    assert {(str(e["STATUS"]), e["SEQUENCE"]) for e in leaver.values()} == {("CANCELLED", 2)}
    stayer = _of(by_uid(feed(ledger, tmp_path, participant="P0043")), old | new)
    assert set(stayer) == old | new
    assert {(str(stayer[i]["STATUS"]), stayer[i]["SEQUENCE"]) for i in old} == {("CANCELLED", 1)}
    assert {(str(stayer[i]["STATUS"]), stayer[i]["SEQUENCE"]) for i in new} == {("CONFIRMED", 0)}
    assert set(_of(by_uid(feed(ledger, tmp_path, staff="ot-quinn")), new)) == new


def _section_sessions(ledger: Ledger, section: str, first: dt.date) -> set[int]:
    with ledger.read() as s:
        return set(
            s.scalars(
                select(DatedSession.id).where(
                    DatedSession.section == section, DatedSession.date >= first
                )
            )
        )


def _of(events: dict[str, Any], sessions: set[int]) -> dict[int, Any]:
    """The events of ``sessions`` by session id."""
    found = {}
    for uid, event in events.items():
        sid = int(uid.split("-")[1])
        if sid in sessions:
            found[sid] = event
    return found
