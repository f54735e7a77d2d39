"""Running the term: closing a day, waitlists and offers, admissions, discharges and merges.

The demo clinic is published once into a temporary SQLite file and each test works on a copy;
rule-by-rule cases use the tiny hand-built term (one room, one OT, group ``grp``) where one
thing is arranged at a time. After every change the dates it touches are checked with
``validate_day`` (which never checks min_size: a date may run short).
"""

from __future__ import annotations

import datetime as dt
import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from helpers import participant, tiny_term, window
from ledger_helpers import session_id
from sqlalchemy import func, select
from typer.testing import CliRunner

import ledger.closures.booking as closures
from api.cli import app
from ledger import attendance
from ledger.admissions import (
    AdmissionError,
    admit,
    discharge,
    merge,
    propose_merge,
)
from ledger.closures import ClosureError, close_day
from ledger.makeups import BatchRefused, book, makeup_options, search
from ledger.marks import as_requested
from ledger.publish import PublishError, publish
from ledger.schema import (
    Closure,
    DatedSession,
    Enrollment,
    EnrollmentEnd,
    Makeup,
    MakeupCancellation,
    ScheduleVersion,
    SessionCancellation,
    WaitlistEntry,
    WaitlistExit,
)
from ledger.state import RefusedError, day_schedule, enrolled, published, version_documents
from ledger.store import Ledger, open_ledger
from ledger.waitlists import (
    OfferError,
    accept,
    decline,
    expire_offers,
    offer_next,
    open_offers,
    waitlist,
)
from ledger.weekly import lock_change
from models import (
    ContractError,
    Schedule,
    Term,
    document,
    load_term,
    parse_schedule,
    parse_term,
)
from models.dated import term_dates
from models.schedule import WaitlistEntry as WaitlistEntryDoc
from models.validation import recompute_score, validate_day, validate_schedule

EXAMPLES = files("models") / "examples"
DEMO_START = dt.date(2027, 9, 13)
DEMO_NOW = dt.datetime(2027, 9, 13, 7, 0)
MON, TUE = dt.date(2027, 1, 4), dt.date(2027, 1, 5)
NEXT_MON = dt.date(2027, 1, 11)


# -- ledgers -------------------------------------------------------------------------------------


def violations_on(handle: Ledger, days: set[dt.date] | None = None) -> list[tuple[dt.date, Any]]:
    """Every violation on the given dates (default: every date of the term)."""
    with handle.read() as s:
        pub = published(s)
        dates = sorted(days) if days is not None else term_dates(pub.term)
        return [(d, v) for d in dates for v in validate_day(pub.term, day_schedule(s, d, pub))]


def count(handle: Ledger, table: type) -> int:
    with handle.read() as s:
        return s.scalar(select(func.count()).select_from(table)) or 0


def first_session(
    handle: Ledger, section: str, after: dt.date = dt.date.min
) -> tuple[int, dt.date]:
    with handle.read() as s:
        row = s.execute(
            select(DatedSession.id, DatedSession.date)
            .where(DatedSession.section == section, DatedSession.date >= after)
            .order_by(DatedSession.date)
            .limit(1)
        ).one()
    return row.id, row.date


def roster(handle: Ledger, section: str, day: dt.date) -> list[str]:
    with handle.read() as s:
        return sorted(enrolled(s, day).get(section, []))


# -- the tiny term -------------------------------------------------------------------------------


def sec(sid: str, day: str, start: str, members: list[str], **kw: Any) -> dict[str, Any]:
    end = f"{int(start[:2]) + 1:02d}{start[2:]}"
    doc = {
        "id": sid,
        "group_type": "grp",
        "meetings": [{"day": day, "start": start, "end": end}],
        "room": "r1",
        "vehicle": None,
        "staff": ["ot1"],
        "participants": members,
    }
    doc.update(kw)
    return doc


def tiny_ledger(
    tmp_path: Path,
    people: list[dict[str, Any]],
    sections: list[dict[str, Any]],
    **group: Any,
) -> Ledger:
    """The tiny term with these people and sections published; everyone not placed is
    waitlisted (requested on the term's first day)."""
    doc = tiny_term(0)
    doc["participants"] = people
    doc["group_types"][0].update({"max_sections": len(sections), **group})
    term = parse_term(doc)
    placed = {pid for s in sections for pid in s["participants"]}
    waiting = [
        {
            "participant": p["id"],
            "group_type": "grp",
            "priority": p["requests"][0]["priority"],
            "reasons": ["test"],
        }
        for p in people
        if p["id"] not in placed
    ]
    schedule = parse_schedule(
        {
            "format": "otgroups.schedule/1",
            "status": "FEASIBLE",
            "score": 0,
            "bound": None,
            "sections": sections,
            "transport": [],
            "waitlist": waiting,
        },
        term,
    )
    schedule.score = recompute_score(term, schedule)
    assert validate_schedule(term, schedule) == []
    handle = open_ledger(f"sqlite:///{tmp_path / 'tiny.sqlite'}")
    publish(handle, term, schedule)
    return handle


def person(pid: str, priority: str = "required", **kw: Any) -> dict[str, Any]:
    return participant(pid, requests=[{"group_type": "grp", "priority": priority}], **kw)


MON_TUE_10 = [window("mon", "10:00", "11:00"), window("tue", "10:00", "11:00")]


# -- closing a day -------------------------------------------------------------------------------


def test_a_closed_day_is_recovered_or_explained_for_everyone(ledger: Ledger, demo) -> None:
    day = DEMO_START + dt.timedelta(days=7)
    with ledger.read() as s:
        standing = len([r for r in s.scalars(select(DatedSession)) if r.date == day])
    report = close_day(ledger, day, "snow", now=dt.datetime(2027, 9, 19, 18, 0))
    assert report.closure_id is not None and len(report.cancelled_sessions) == standing
    keys = [x.key for x in report.lost]
    assert len(keys) == len(set(keys)) > 50
    done = [r.lost.key for r in report.recovered] + [u.lost.key for u in report.unrecovered]
    assert sorted(done) == sorted(keys)  # each lost session once: recovered or explained
    assert report.recovered and report.unrecovered
    assert all(u.reasons and all(u.reasons) for u in report.unrecovered)
    assert any(r.option.extra for r in report.recovered)
    touched = {day} | {r.option.date for r in report.recovered}
    assert violations_on(ledger, touched) == []
    with ledger.read() as s:
        assert not [
            r for r in s.scalars(select(DatedSession)) if r.date == day and not r.cancellation
        ]
        for r in report.recovered:
            makeup = s.get(Makeup, r.makeup_id)
            assert makeup is not None and makeup.participant == r.lost.participant
            assert makeup.missed_session_id == r.lost.session_id
            target = s.get(DatedSession, makeup.session_id)
            assert target is not None and target.date > day
            assert (target.date - day).days <= 14 and target.section == r.option.section
    pid, sid = report.lost[0].participant, report.lost[0].session_id
    with pytest.raises(attendance.SessionCancelledError):
        attendance.record(ledger, sid, pid, "present")
    with pytest.raises(ClosureError, match="already closed"):
        close_day(ledger, day, "again")


def test_a_dry_run_proposes_and_writes_nothing(ledger: Ledger) -> None:
    day = DEMO_START + dt.timedelta(days=8)
    tables = (Closure, SessionCancellation, Makeup, DatedSession)
    before = [count(ledger, t) for t in tables]
    report = close_day(ledger, day, "storm", book=False, now=dt.datetime(2027, 9, 20, 18, 0))
    assert report.closure_id is not None and report.recovered and report.lost
    assert all(r.makeup_id is None for r in report.recovered)
    assert [count(ledger, t) for t in tables] == before
    again = close_day(ledger, day, "storm", now=dt.datetime(2027, 9, 20, 18, 0))
    assert len(again.recovered) == len(report.recovered)


def test_extra_meetings_proposed_for_one_date_each_get_their_own_id(ledger: Ledger) -> None:
    """Two lost sessions of one type proposed extra meetings on one date: the second was
    refused as "section id … is used twice" (its name counted booked extras, not proposed)."""
    missed = session_id(ledger, "stress-management-1", DEMO_START)
    attendance.record(ledger, missed, "P0001", "absent")
    first = makeup_options(ledger, "P0001", missed, 14, DEMO_NOW)[0]
    book(ledger, "P0001", missed, first, "va")
    day = DEMO_START + dt.timedelta(days=1)
    report = close_day(ledger, day, "snow", now=DEMO_NOW)
    reasons = [r for u in report.unrecovered for r in u.reasons]
    assert not [r for r in reasons if "used twice" in r]
    extras = [r.option for r in report.recovered if r.option.extra]
    named = [(o.date, o.section) for o in extras]
    assert len(extras) > 1 and len(set(named)) == len(
        {(o.date, o.section, o.start) for o in extras}
    )
    touched = {day} | {r.option.date for r in report.recovered}
    assert violations_on(ledger, touched) == []


def test_required_goes_first_when_places_run_short(tmp_path: Path) -> None:
    # A (Mon) loses P1 required, P2 optional, P3 recommended; B (Tue) has one place a week and
    # nobody is free when a room and the OT are: two places for three lost sessions.
    people = [
        person("P1", "required", available=MON_TUE_10),
        person("P2", "optional", available=MON_TUE_10),
        person("P3", "recommended", available=MON_TUE_10),
        *(person(f"P{i}", available=MON_TUE_10) for i in (4, 5, 6)),
    ]
    handle = tiny_ledger(
        tmp_path,
        people,
        [
            sec("A", "mon", "10:00", ["P1", "P2", "P3"]),
            sec("B", "tue", "10:00", ["P4", "P5", "P6"]),
        ],
        max_size=4,
    )
    report = close_day(handle, MON, "ice", now=dt.datetime(2027, 1, 3, 18, 0))
    got = {r.lost.participant: (r.option.section, r.option.date) for r in report.recovered}
    assert set(got) == {"P1", "P3"}
    assert sorted(got.values()) == [("B", TUE), ("B", dt.date(2027, 1, 12))]
    (left,) = report.unrecovered
    assert left.lost.participant == "P2" and "went to other lost sessions" in left.reasons[0]
    assert violations_on(handle) == []
    handle.dispose()


def test_closing_a_day_is_one_transaction(ledger: Ledger, monkeypatch) -> None:
    real = closures.book_all_in

    def half_then_fail(handle, s, bookings, booked_by=""):
        real(handle, s, bookings[: len(bookings) // 2], booked_by)
        raise RuntimeError("power cut")

    monkeypatch.setattr(closures, "book_all_in", half_then_fail)
    tables = (Closure, SessionCancellation, MakeupCancellation, Makeup, DatedSession)
    before = [count(ledger, t) for t in tables]
    with pytest.raises(RuntimeError, match="power cut"):
        close_day(ledger, DEMO_START + dt.timedelta(days=7), "snow", now=DEMO_NOW)
    assert [count(ledger, t) for t in tables] == before


def test_a_refused_booking_rolls_back_and_the_choice_is_made_again(
    ledger: Ledger, monkeypatch
) -> None:
    real = closures.book_all_in
    calls: list[int] = []

    def refuse_first(handle, s, bookings, booked_by=""):
        calls.append(len(bookings))
        if len(calls) == 1:
            real(handle, s, bookings[:3], booked_by)  # some rows, then a refusal
            raise BatchRefused("cannot book: a place went meanwhile", 0)
        return real(handle, s, bookings, booked_by)

    monkeypatch.setattr(closures, "book_all_in", refuse_first)
    day = DEMO_START + dt.timedelta(days=7)
    report = close_day(ledger, day, "snow", now=DEMO_NOW)
    assert report.attempts == 2 and len(calls) == 2 and not report.booking_error
    assert count(ledger, Makeup) == len(report.recovered) > 0
    assert violations_on(ledger, {r.option.date for r in report.recovered}) == []


def test_makeups_into_a_closed_day_are_cancelled_and_planned_again(ledger: Ledger, demo) -> None:
    _, schedule = demo
    now = DEMO_NOW
    for section in schedule.sections:
        missed, _ = first_session(ledger, section.id)
        pid = section.participants[0]
        attendance.record(ledger, missed, pid, "absent")
        regular = [o for o in makeup_options(ledger, pid, missed, 14, now) if not o.extra]
        if regular:
            option = regular[0]
            break
    booked = book(ledger, pid, missed, option, "va")
    report = close_day(ledger, option.date, "flood", now=now)
    assert booked.id in report.cancelled_makeups
    (mine,) = [x for x in report.lost if x.cancelled_makeup == booked.id]
    assert (mine.participant, mine.session_id) == (pid, missed)
    done = {r.lost.key for r in report.recovered} | {u.lost.key for u in report.unrecovered}
    assert mine.key in done
    with ledger.read() as s:
        assert s.get(Makeup, booked.id).cancellation is not None  # type: ignore[union-attr]


# -- waitlists and offers ------------------------------------------------------------------------


def offers_case(tmp_path: Path) -> Ledger:
    """A (Mon 10:00) holds P1-P4 (full at 4); B (Tue 10:00) holds P8, P9. Waiting, in order:
    P5 required but only free on Tuesdays, P6 recommended, P7 optional."""
    people = [
        *(person(f"P{i}") for i in range(1, 5)),
        person("P5", "required", available=[window("tue", "09:00", "16:00")]),
        person("P6", "recommended"),
        person("P7", "optional"),
        person("P8"),
        person("P9"),
    ]
    return tiny_ledger(
        tmp_path,
        people,
        [
            sec("A", "mon", "10:00", ["P1", "P2", "P3", "P4"]),
            sec("B", "tue", "10:00", ["P8", "P9"]),
        ],
        max_size=4,
    )


def test_the_waitlist_is_in_priority_then_date_then_entry_order(
    tmp_path: Path, ledger: Ledger
) -> None:
    handle = offers_case(tmp_path)
    assert [(w.participant, w.priority) for w in waitlist(handle)] == [
        ("P5", "required"),
        ("P6", "recommended"),
        ("P7", "optional"),
    ]
    handle.dispose()
    rank = {"required": 0, "recommended": 1, "optional": 2}
    found = waitlist(ledger)
    keys = [(rank[w.priority], w.requested_on, w.entry_id) for w in found]
    assert len(found) == 56 and keys == sorted(keys)


def test_a_freed_place_goes_to_the_first_request_every_rule_allows(tmp_path: Path) -> None:
    handle = offers_case(tmp_path)
    done = discharge(handle, "P1", NEXT_MON, "moved")
    (result,) = done.offers
    assert result.offer is not None and result.offer.participant == "P6"
    assert result.offer.section == "A" and result.offer.from_date == NEXT_MON
    ((label, why),) = result.passed_over
    assert label.startswith("P5") and "P5 is not available Mon 10:00-11:00" in why
    assert [o.participant for o in open_offers(handle)] == ["P6"]
    # The offer holds the place: no second offer, and no makeup into A takes it.
    again = offer_next(handle, "A", NEXT_MON)
    assert again.offer is None and "no free place" in again.reason
    missed = session_id(handle, "B", TUE)
    attendance.record(handle, missed, "P8", "absent")
    found = search(handle, "P8", missed, 14, dt.datetime(2027, 1, 4, 7, 0))
    assert ("A on 2027-01-11 10:00", "full (3 of 4, 1 held by an open offer)") in found.rejected
    assert not any(o.section == "A" and o.date >= NEXT_MON for o in found.options)
    handle.dispose()


def test_accepting_enrolls_from_the_date_and_every_day_still_passes(tmp_path: Path) -> None:
    handle = offers_case(tmp_path)
    offer = discharge(handle, "P1", NEXT_MON).offers[0].offer
    assert offer is not None
    done = accept(handle, offer.offer_id)
    assert done.from_date == NEXT_MON and done.version == 3
    assert roster(handle, "A", MON) == ["P1", "P2", "P3", "P4"]
    assert roster(handle, "A", NEXT_MON) == ["P2", "P3", "P4", "P6"]
    assert violations_on(handle) == []
    with handle.read() as s:
        pub = published(s)
        assert sorted(pub.schedule.section("A").participants) == ["P2", "P3", "P4", "P6"]
        exits = s.execute(
            select(WaitlistEntry.participant, WaitlistExit.reason).join(
                WaitlistExit, WaitlistExit.entry_id == WaitlistEntry.id
            )
        ).all()
        assert ("P6", "enrolled") in exits
        ended = s.execute(
            select(Enrollment.participant, EnrollmentEnd.to_date).join(
                EnrollmentEnd, EnrollmentEnd.enrollment_id == Enrollment.id
            )
        ).all()
        assert ended == [("P1", NEXT_MON - dt.timedelta(days=1))]
    assert [w.participant for w in waitlist(handle)] == ["P5", "P7"]
    with pytest.raises(OfferError, match="already accepted"):
        accept(handle, offer.offer_id)
    handle.dispose()


def test_declined_and_expired_offers_move_to_the_next(tmp_path: Path) -> None:
    handle = offers_case(tmp_path)
    now = dt.datetime(2027, 1, 8, 12, 0, tzinfo=dt.UTC)
    first = discharge(handle, "P1", NEXT_MON, now=now).offers[0].offer
    assert first is not None and first.participant == "P6"
    # 48 hours on: 2027-01-10 12:00 UTC, told in the clinic's zone (the tiny term's Chicago)
    assert "expires 2027-01-10 06:00 CST, open" in first.label()
    info, nxt = decline(handle, first.offer_id, now=now)
    assert info.response == "declined"
    assert nxt.offer is not None and nxt.offer.participant == "P7"
    assert ("P6 (recommended, entry 2)", "declined offer 1 of A") in nxt.passed_over
    assert expire_offers(handle, now + dt.timedelta(hours=47)) == []
    ((expired, after),) = expire_offers(handle, now + dt.timedelta(hours=49))
    assert expired.offer_id == nxt.offer.offer_id and expired.response == "expired"
    assert after.offer is None and "no waiting request" in after.reason
    with pytest.raises(OfferError, match="already expired"):
        accept(handle, expired.offer_id)
    assert open_offers(handle, now) == []
    handle.dispose()


# -- admissions ----------------------------------------------------------------------------------


def newcomer(term: Term, like: str, pid: str, **changes: Any) -> dict[str, Any]:
    doc = json.loads(term.participant(like).model_dump_json())
    doc.update({"id": pid, "keep_apart": [], **changes})
    return doc


def weekly_without(schedule: Schedule, pid: str) -> dict[str, tuple]:
    return {
        s.id: (
            tuple((m.day, m.start) for m in s.meetings),
            s.room,
            tuple(s.staff),
            tuple(sorted(p for p in s.participants if p != pid)),
        )
        for s in schedule.sections
    }


def test_an_admission_places_the_newcomer_and_changes_no_one_else(ledger: Ledger, demo) -> None:
    term, schedule = demo
    start = dt.date(2027, 9, 27)
    dates = [d for d in term_dates(term) if d >= start][:10]
    with ledger.read() as s:
        before = {d: {k: sorted(v) for k, v in enrolled(s, d).items()} for d in dates}
    done = admit(ledger, newcomer(term, "P0011", "P0500"), start)
    assert done.placed and done.version == 2
    placed = {t for t, _, _ in done.placed}
    waiting = {w.group_type for w in done.waitlisted}
    assert placed | waiting == {r.group_type for r in term.participant("P0011").requests}
    assert all(w.reasons for w in done.waitlisted)
    with ledger.read() as s:
        pub = published(s)
        assert weekly_without(pub.schedule, "P0500") == weekly_without(schedule, "P0500")
        assert pub.term.participant("P0500").id == "P0500"
        for d in dates:
            now = {k: sorted(p for p in v if p != "P0500") for k, v in enrolled(s, d).items()}
            assert now == before[d], d
        mine = {sid for _, sid, _ in done.placed}
        assert all("P0500" in enrolled(s, dates[-1]).get(sid, []) for sid in mine)
        assert not any("P0500" in v for v in enrolled(s, start - dt.timedelta(days=1)).values())
        listed = {
            w.group_type for w in s.scalars(select(WaitlistEntry)) if w.participant == "P0500"
        }
        assert listed == waiting
    assert violations_on(ledger) == []
    with pytest.raises(AdmissionError, match="already a participant"):
        admit(ledger, newcomer(term, "P0011", "P0500"), start)


def test_a_newcomer_who_fits_nowhere_is_waitlisted_with_reasons(ledger: Ledger, demo) -> None:
    term, schedule = demo
    doc = newcomer(term, "P0011", "P0501", available=[window("fri", "15:30", "16:00")])
    done = admit(ledger, doc, dt.date(2027, 9, 27))
    assert done.placed == [] and len(done.waitlisted) == len(doc["requests"])
    assert all(any("P0501" in r for r in w.reasons) for w in done.waitlisted)
    with ledger.read() as s:
        assert weekly_without(published(s).schedule, "P0501") == weekly_without(schedule, "P0501")
    assert violations_on(ledger) == []


def test_publishing_over_the_ledgers_changes_is_refused_unless_asked(ledger: Ledger, demo) -> None:
    term, schedule = demo
    discharge(ledger, "P0023", dt.date(2027, 9, 20), "moved away")
    admit(ledger, newcomer(term, "P0011", "P0500"), dt.date(2027, 9, 27))
    later = dt.date(2027, 10, 4)
    with pytest.raises(PublishError) as refused:
        publish(ledger, term, schedule, later)
    message = str(refused.value)
    assert "P0023, discharged from 2027-09-20, would be a participant again (placed)" in message
    assert "P0500 is not in this term" in message and "nothing was published" in message
    mine = [sec for sec in schedule.sections if "P0023" in sec.participants]
    priority = {r.group_type: r.priority for r in term.participant("P0023").requests}
    waiting = schedule.model_copy(
        update={
            "sections": [
                sec.model_copy(update={"participants": sorted(set(sec.participants) - {"P0023"})})
                for sec in schedule.sections
            ],
            "waitlist": [
                *schedule.waitlist,
                *(
                    WaitlistEntryDoc(
                        participant="P0023",
                        group_type=sec.group_type,
                        priority=priority[sec.group_type],
                        reasons=["moved to the waitlist"],
                    )
                    for sec in mine
                ),
            ],
        }
    )
    waiting = waiting.model_copy(update={"score": recompute_score(term, waiting)})
    back = r"P0023, .* a participant again \(waitlisted for offers\)"
    with pytest.raises(PublishError, match=back):
        publish(ledger, term, waiting, later)
    with ledger.read() as s:
        in_force, now = version_documents(s)
        assert published(s).version.number == 3
    ready = as_requested(in_force)
    assert ready.participant("P0023").requests == [] and ready.participant("P0500").requests
    assert publish(ledger, ready, now, later) == 4  # the term in force, re-published
    assert publish(ledger, term, schedule, later, undo_changes=True) == 5


def test_a_change_prepared_on_a_version_published_over_is_refused(ledger: Ledger, demo) -> None:
    """PostgreSQL reads the version in force before the publish lock: a change built on it
    after another change published must not undo that one (SQLite serialises writers)."""
    with ledger.read() as s:
        stale = published(s)
    discharge(ledger, "P0023", dt.date(2027, 9, 20), "moved away")
    with ledger.write() as s, pytest.raises(RefusedError, match="v2 was published while"):
        lock_change(ledger, s, stale, ["P0024"], dt.date(2027, 9, 27))


def test_a_bad_newcomer_is_named_in_their_own_document(ledger: Ledger, demo) -> None:
    term, _ = demo
    missing = newcomer(term, "P0011", "P0502")
    del missing["age_band"]
    misspelt = newcomer(term, "P0011", "P0502")
    misspelt["requests"][0]["group_type"] = "cookng"
    for doc, path in [(missing, "participant.age_band"), (misspelt, "participant.requests[0]")]:
        with pytest.raises(ContractError) as info:
            admit(ledger, doc, dt.date(2027, 9, 27))
        assert info.value.problems[0].path.startswith(path), info.value
        assert info.value.source == "participant P0502"
    with ledger.read() as s:
        assert all(p.id != "P0502" for p in published(s).term.participants)  # nothing written


# -- discharges and merges -----------------------------------------------------------------------


def test_a_discharge_frees_places_offers_them_and_cancels_makeups(ledger: Ledger, demo) -> None:
    _, schedule = demo
    pid = "P0046"
    left = sorted(s.id for s in schedule.sections if pid in s.participants)
    missed, _ = first_session(ledger, left[0])
    attendance.record(ledger, missed, pid, "absent")
    option = makeup_options(ledger, pid, missed, 14, dt.datetime(2027, 9, 13, 7, 0))[-1]
    booked = book(ledger, pid, missed, option, "va")
    start = min(option.date, dt.date(2027, 9, 22))
    done = discharge(ledger, pid, start, "moved away")
    assert sorted(done.left) == left and booked.id in done.cancelled_makeups
    assert {o.target for o in done.offers} == set(left)
    assert all(o.offer is not None for o in done.offers)
    with ledger.read() as s:
        assert all(pid not in v for v in enrolled(s, start).values())
        assert all(pid in enrolled(s, start - dt.timedelta(days=1)).get(sid, []) for sid in left)
        assert pid not in {p for sec in published(s).schedule.sections for p in sec.participants}
    assert violations_on(ledger) == []
    with pytest.raises(AdmissionError, match="already discharged"):
        discharge(ledger, pid, start)


def test_a_discharged_participant_is_admitted_again(ledger: Ledger, demo) -> None:
    """Readmission is routine: the discharged entry is replaced by the new document (here
    asking for one group only) and placed from a date on or after the discharge."""
    term, _ = demo
    pid, left = "P0046", dt.date(2027, 9, 20)
    person = document(term.participant(pid))
    with pytest.raises(AdmissionError, match="already a participant of the term"):
        admit(ledger, person, left)
    discharge(ledger, pid, left, "hospitalised")
    back = {**person, "requests": person["requests"][:1]}
    with pytest.raises(AdmissionError, match=f"can be admitted again from {left} on"):
        admit(ledger, back, left - dt.timedelta(days=1))
    again = left + dt.timedelta(days=14)
    done = admit(ledger, back, again)
    assert len(done.placed) + len(done.waitlisted) == 1
    with ledger.read() as s:
        pub = published(s)
        assert pub.version.note == f"readmit {pid}"
        assert pub.term.participant(pid).requests == term.participant(pid).requests[:1]
        assert "discharged" not in (pub.term.participant(pid).model_extra or {})
        placed = {sid for _, sid, _ in done.placed}
        assert all(pid not in enrolled(s, left).get(sid, []) for sid in placed)
        assert all(pid in enrolled(s, again).get(sid, []) for sid in placed)
        later = {d for d in term_dates(pub.term) if d >= left}
    # dates before the discharge kept the requests of their own term version (the term in
    # force now asks for one group: checked against it, those held dates would not match)
    assert violations_on(ledger, later) == []
    assert done.placed, "placed again (the demo has room for them)"
    # discharged again: not from before they came back
    with pytest.raises(RefusedError, match=f"current enrollment began on {again}"):
        discharge(ledger, pid, left)
    assert discharge(ledger, pid, again).left


def test_discharging_an_offer_holder_passes_the_place_on(ledger: Ledger) -> None:
    """The place an open offer held went unoffered when its holder was discharged."""
    now = dt.datetime(2027, 9, 14, 12, 0)
    first = discharge(ledger, "P0022", dt.date(2027, 9, 20), now=now)
    held = next(o.offer for o in first.offers if o.offer is not None)
    done = discharge(ledger, held.participant, dt.date(2027, 9, 20), now=now)
    assert held.offer_id in done.withdrawn_offers
    again = [
        o.offer for o in done.offers if o.offer is not None and o.offer.section == held.section
    ]
    assert again and again[0].participant != held.participant
    assert violations_on(ledger) == []


def test_a_discharge_is_not_dated_back_over_recorded_attendance(ledger: Ledger, demo) -> None:
    """Dated back over a marked session, the person would leave its roster and their mark stay:
    a held session nobody is on. Refused, naming the session; from the next day it goes."""
    _, schedule = demo
    pid = "P0046"
    section = sorted(s.id for s in schedule.sections if pid in s.participants)[0]
    session, day = first_session(ledger, section)
    later = first_session(ledger, section, after=day + dt.timedelta(days=14))
    attendance.record(ledger, later[0], pid, "excused")  # a call-in ahead does not count
    attendance.record(ledger, session, pid, "present")
    with pytest.raises(RefusedError) as refused:
        discharge(ledger, pid, day, "completed")
    assert str(refused.value) == (
        f"{pid} has attendance recorded on {day} (session {session}, {section}): a discharge "
        f"takes effect after the last recorded session, from {day + dt.timedelta(days=1)} at "
        "the earliest"
    )
    with ledger.read() as s:
        assert published(s).version.number == 1, "nothing was written"
    done = discharge(ledger, pid, day + dt.timedelta(days=1), "completed")
    assert section in done.left
    assert violations_on(ledger) == []


def test_a_section_left_short_is_flagged_with_a_merge_or_why_not(ledger: Ledger) -> None:
    done = discharge(ledger, "P0039", dt.date(2027, 9, 22))
    flagged = {m.section: m for m in done.under_min}
    assert set(flagged) == {"teen-social-skills-1", "teen-coping-1"}
    for m in flagged.values():
        assert m.into is None and m.reasons
        assert m.label().startswith(f"{m.section} has 2 member(s)")
        assert "no merge possible: " in m.label()
    assert "teen-coping-2 has 1 free place(s), 2 needed" in flagged["teen-coping-1"].reasons
    assert violations_on(ledger) == []


def test_a_proposed_merge_applied_keeps_every_rule(tmp_path: Path) -> None:
    people = [person(f"P{i}") for i in range(1, 7)]
    handle = tiny_ledger(
        tmp_path,
        people,
        [
            sec("A", "mon", "10:00", ["P1", "P2", "P3"]),
            sec("B", "tue", "10:00", ["P4", "P5", "P6"]),
        ],
        min_size=3,
        max_size=6,
    )
    done = discharge(handle, "P1", NEXT_MON)
    (proposal,) = done.under_min
    assert (proposal.section, proposal.into, proposal.members) == ("A", "B", ["P2", "P3"])
    assert "PROPOSED merge into B" in proposal.label()
    assert propose_merge(handle, "A", NEXT_MON).into == "B"
    merged = merge(handle, "A", "B", NEXT_MON)
    assert merged.moved == ["P2", "P3"] and merged.version == 3
    assert roster(handle, "B", dt.date(2027, 1, 12)) == ["P2", "P3", "P4", "P5", "P6"]
    assert roster(handle, "A", MON) == ["P1", "P2", "P3"]
    with handle.read() as s:
        pub = published(s)
        assert [x.id for x in pub.schedule.sections] == ["B"]
        assert validate_schedule(pub.term, pub.schedule) == [] or all(
            v.rule == "WAITLIST" for v in validate_schedule(pub.term, pub.schedule)
        )
        a_later = s.scalars(
            select(DatedSession).where(DatedSession.section == "A", DatedSession.date >= NEXT_MON)
        ).all()
        assert a_later and all(row.cancellation is not None for row in a_later)
        versions = s.scalar(select(func.count()).select_from(ScheduleVersion))
    assert versions == 3
    assert violations_on(handle) == []
    with pytest.raises(AdmissionError, match="not a section"):
        merge(handle, "A", "B", NEXT_MON)
    handle.dispose()


def test_a_merge_that_breaks_a_rule_is_refused_with_the_reason(tmp_path: Path) -> None:
    people = [person(f"P{i}") for i in range(1, 7)]
    people[1]["keep_apart"] = ["P5"]
    people[4]["keep_apart"] = ["P2"]
    handle = tiny_ledger(
        tmp_path,
        people,
        [
            sec("A", "mon", "10:00", ["P1", "P2", "P3"]),
            sec("B", "tue", "10:00", ["P4", "P5", "P6"]),
        ],
        min_size=3,
        max_size=6,
    )
    (proposal,) = discharge(handle, "P1", NEXT_MON).under_min
    assert proposal.into is None and "keep-apart" in proposal.reasons[0]
    before = count(handle, ScheduleVersion)
    with pytest.raises(AdmissionError, match=r"cannot merge A into B: B: .*keep-apart"):
        merge(handle, "A", "B", NEXT_MON)
    assert count(handle, ScheduleVersion) == before
    handle.dispose()


# -- the command line ----------------------------------------------------------------------------


runner = CliRunner()


def cli(*args: str):
    return runner.invoke(app, ["term", *args], catch_exceptions=False)


def test_term_commands_close_admit_discharge_merge_and_waitlist(tmp_path: Path, demo) -> None:
    term, _ = demo
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    args = ("--db", db)
    assert (
        cli(
            "publish",
            str(EXAMPLES / "demo_clinic.json"),
            str(EXAMPLES / "demo_schedule.json"),
            *args,
        ).exit_code
        == 0
    )
    dry = cli(
        "close-day",
        "2027-09-20",
        "--reason",
        "snow",
        "--dry-run",
        "--now",
        "2027-09-19T18:00",
        *args,
    )
    assert dry.exit_code == 0 and "Would close 2027-09-20 (snow)" in dry.output
    assert "(dry run: nothing written)" in dry.output and "Not recovered" in dry.output
    closed = cli("close-day", "2027-09-20", "--json", "--now", "2027-09-19T18:00", *args)
    doc = json.loads(closed.output)
    assert doc["booked"] and doc["recovered"] and all(r["makeup_id"] for r in doc["recovered"])
    out = cli("discharge", "P0046", "--from", "2027-09-22", "--reason", "moved", *args)
    assert out.exit_code == 0 and "Discharged P0046 from 2027-09-22" in out.output
    assert "offer 1: cooking-4 from 2027-09-22 to P0048" in out.output
    listing = json.loads(cli("waitlist", "offers", "--json", *args).output)
    assert [o["participant"] for o in listing] == ["P0048", "P0026", "P0029"]
    accepted = cli("waitlist", "accept", "1", *args)
    assert accepted.exit_code == 0 and "P0048 enrolled in cooking-4" in accepted.output
    declined = cli("waitlist", "decline", "2", *args)
    assert declined.exit_code == 0 and "Declined offer 2" in declined.output
    shown = cli("waitlist", *args)
    assert shown.exit_code == 0 and shown.output.startswith("Waitlist (")
    (tmp_path / "new.json").write_text(json.dumps(newcomer(term, "P0011", "P0500")))
    admitted = cli("admit", str(tmp_path / "new.json"), "--from", "2027-09-27", *args)
    assert admitted.exit_code == 0 and "Admitted P0500 from 2027-09-27" in admitted.output
    short = cli("discharge", "P0039", "--from", "2027-09-27", *args)
    assert "teen-coping-1 has 2 member(s)" in short.output and "no merge possible" in short.output
    for cmd, code, words in [
        (
            ("merge", "teen-coping-1", "--into", "teen-coping-2", "--from", "2027-09-27"),
            1,
            "cannot merge",
        ),
        (("discharge", "P9999", "--from", "2027-09-27"), 2, "P9999 is not a participant"),
        (("waitlist", "accept", "99"), 2, "no offer 99"),
        (("waitlist", "accept", "1"), 1, "already accepted"),
        (("close-day", "2027-09-20"), 1, "already closed"),
        (("admit", '{"id": "P0600"}', "--from", "2027-09-27"), 2, "required field is missing"),
        (("waitlist", "offer", "knitting", "--from", "2027-09-27"), 2, "neither a section"),
    ]:
        result = cli(*cmd, *args)
        assert result.exit_code == code, (cmd, result.output)
        assert words in result.output and "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1, result.output
    assert violations_on(open_ledger(db)) == []
    # the original term again would bring P0046 back and drop P0500: refused, then exported
    again = ("publish", str(EXAMPLES / "demo_clinic.json"), str(EXAMPLES / "demo_schedule.json"))
    refused = cli(*again, "--from", "2027-10-04", *args)
    assert refused.exit_code == 1 and "P0046, discharged from 2027-09-22" in refused.output
    assert "P0500 is not in this term" in refused.output
    exported = cli(
        "export",
        "--out",
        str(tmp_path / "t.json"),
        "--schedule-out",
        str(tmp_path / "s.json"),
        *args,
    )
    assert exported.exit_code == 0, exported.output
    in_force = load_term(tmp_path / "t.json")
    assert in_force.participant("P0500") and in_force.participant("P0046").requests == []
    parse_schedule(json.loads((tmp_path / "s.json").read_text()), in_force)
    missing = cli("export", "--out", str(tmp_path / "x.json"), "--version", "99", *args)
    assert missing.exit_code == 2 and "no schedule version 99" in missing.output
    ledger_file = str(tmp_path / "cli.sqlite")
    for outs in (["--out", ledger_file], ["--out", "a.json", "--schedule-out", ledger_file]):
        over = cli("export", *outs, *args)
        assert over.exit_code == 2 and "is also an input" in over.output, over.output
    twice = ["--out", str(tmp_path / "b.json"), "--schedule-out", str(tmp_path / "b.json")]
    assert cli("export", *twice, *args).exit_code == 2
    assert not (tmp_path / "b.json").exists() and violations_on(open_ledger(db)) == []
