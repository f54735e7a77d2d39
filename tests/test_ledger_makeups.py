"""The running term: attendance, makeup options and bookings in the ledger.

Most tests publish the bundled demo into a temporary SQLite file; rule-by-rule cases use a tiny
hand-built term (two sections of one group, Monday and Tuesday) where one thing is changed at a
time. Concurrency and the interrupted write run on SQLite and, when the machine has PostgreSQL
server binaries and psycopg, on a throwaway PostgreSQL cluster.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from helpers import participant, tiny_term, van
from ledger_helpers import session_id
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from api.cli import app
from ledger import attendance
from ledger.admissions import _with_newcomer, admit
from ledger.makeups import (
    PAUSE_ENV,
    BookingRefused,
    MakeupError,
    MakeupOption,
    MakeupPlanner,
    Run,
    book,
    cancel_makeup,
    makeup_options,
    rank,
    search,
)
from ledger.publish import publish
from ledger.schema import Attendance, DatedSession, Makeup, SessionCancellation
from ledger.state import Days, day_schedule, days_cached, published, published_cached
from ledger.store import Ledger, open_ledger
from ledger.weekly import rules_term
from models import Schedule, Term, parse_schedule, parse_term
from models.dated import weekday
from models.validation import recompute_score, validate_day, validate_schedule
from optimizer.admission import admit as place_newcomers

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = files("models") / "examples"
DEMO_MONDAY = dt.date(2027, 9, 13)
DEMO_NOW = dt.datetime(2027, 9, 13, 7, 0)
MON, TUE = dt.date(2027, 1, 4), dt.date(2027, 1, 5)
TINY_NOW = dt.datetime(2027, 1, 4, 7, 0)


# -- ledgers -------------------------------------------------------------------------------------


def day_violations(ledger: Ledger, day: dt.date) -> list:
    with ledger.read() as s:
        pub = published(s)
        return validate_day(pub.term, day_schedule(s, day, pub))


# -- PostgreSQL ----------------------------------------------------------------------------------


def _pg_binaries() -> tuple[str, str] | None:
    for folder in [Path("/usr/local/bin"), *sorted(Path("/usr/lib/postgresql").glob("*/bin"))]:
        initdb, pg_ctl = folder / "initdb", folder / "pg_ctl"
        if initdb.exists() and pg_ctl.exists():
            return str(initdb), str(pg_ctl)
    initdb_path, pg_ctl_path = shutil.which("initdb"), shutil.which("pg_ctl")
    return (initdb_path, pg_ctl_path) if initdb_path and pg_ctl_path else None


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on a unix socket; its base URL (database appended)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("PostgreSQL tests need psycopg (pip install 'psycopg[binary]')")
    binaries = _pg_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL tests need the server binaries initdb and pg_ctl")
    initdb, pg_ctl = binaries
    as_user: list[str] = []
    if os.geteuid() == 0:  # postgres refuses to run as root: run it as an unprivileged user
        user = next(
            (u for u in ("postgres", "nobody") if _user_exists(u)),
            None,
        )
        runuser = shutil.which("runuser")
        if user is None or runuser is None:
            pytest.skip("running as root with no unprivileged user (postgres, nobody) to run as")
        as_user = [runuser, "-u", user, "--"]
        owner = user
    folder = Path(tempfile.mkdtemp(prefix="otgroups-pg-", dir="/tmp"))
    if as_user:
        shutil.chown(folder, user=owner)
    data = folder / "data"
    try:
        subprocess.run(
            [*as_user, initdb, "-D", str(data), "-U", "otgroups", "--auth=trust", "-E", "UTF8"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        options = f"-k {folder} -c listen_addresses='' -c fsync=off -c max_connections=100"
        subprocess.run(
            [
                *as_user,
                pg_ctl,
                "-D",
                str(data),
                "-l",
                str(folder / "log"),
                "-w",
                "-o",
                options,
                "start",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"could not start a PostgreSQL cluster: {exc} {detail.decode()[-300:]}")
    try:
        yield f"postgresql+psycopg://otgroups@/{{db}}?host={folder}"
    finally:
        subprocess.run(
            [*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _new_database(base: str) -> str:
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    host = base.split("host=")[1]
    with psycopg.connect(host=host, user="otgroups", dbname="postgres", autocommit=True) as c:
        c.execute(f"CREATE DATABASE {name}")
    return base.format(db=name)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    return _new_database(request.getfixturevalue("postgres"))


# -- a tiny term ---------------------------------------------------------------------------------


def section(sid: str, day: str, start: str, members: list[str], room: str = "r1", **kw) -> dict:
    end = f"{int(start[:2]) + 1:02d}{start[2:]}"
    doc = {
        "id": sid,
        "group_type": "grp",
        "meetings": [{"day": day, "start": start, "end": end}],
        "room": room,
        "vehicle": None,
        "staff": ["ot1"],
        "participants": members,
    }
    doc.update(kw)
    return doc


def tiny(
    people: list[dict],
    sections: list[dict],
    transport: list[dict] | None = None,
    **overrides: Any,
) -> tuple[Term, Schedule]:
    """A valid published-ready pair: the tiny term with these participants and sections."""
    doc = tiny_term(0)
    doc["participants"] = people
    doc["group_types"][0]["max_sections"] = len(sections)
    for key, value in overrides.items():
        if key == "group_type":
            doc["group_types"][0].update(value)
        elif key == "staff":
            doc["staff"][0].update(value)
        else:
            doc[key] = value
    term = parse_term(doc)
    schedule = parse_schedule(
        {
            "format": "otgroups.schedule/1",
            "status": "FEASIBLE",
            "score": 0,
            "bound": None,
            "sections": sections,
            "transport": transport or [],
            "waitlist": [],
        },
        term,
    )
    schedule.score = recompute_score(term, schedule)
    assert validate_schedule(term, schedule) == []
    return term, schedule


def tiny_ledger(tmp_path: Path, term: Term, schedule: Schedule, url: str | None = None) -> Ledger:
    handle = open_ledger(url or f"sqlite:///{tmp_path / 'tiny.sqlite'}")
    publish(handle, term, schedule)
    return handle


def people(n: int, **overrides: Any) -> list[dict]:
    return [participant(f"P{i}", **overrides) for i in range(1, n + 1)]


def two_sections(
    tmp_path: Path, people_docs: list[dict], a: list[str], b: list[str], **overrides: Any
) -> Ledger:
    """Section A meets Mondays 10:00, section B Tuesdays 10:00, both in r1 with ot1."""
    transport = overrides.pop("transport", None)
    term, schedule = tiny(
        people_docs,
        [section("A", "mon", "10:00", a), section("B", "tue", "10:00", b)],
        transport,
        **overrides,
    )
    return tiny_ledger(tmp_path, term, schedule)


# -- attendance ----------------------------------------------------------------------------------


def test_attendance_is_recorded_and_a_later_mark_supersedes_with_history_kept(
    ledger: Ledger, demo
) -> None:
    _, schedule = demo
    sid = session_id(ledger, "cooking-1", DEMO_MONDAY)
    pid, other = schedule.section("cooking-1").participants[:2]
    attendance.record(ledger, sid, pid, "present", recorded_by="va")
    attendance.record(ledger, sid, other, "late", minutes=60)
    assert attendance.missed(ledger, pid) == []
    attendance.record(ledger, sid, pid, "absent")
    marks = attendance.attendance_of(ledger, sid)
    assert marks[pid].status == "absent" and marks[pid].minutes == 0
    assert marks[other].status == "late" and marks[other].minutes == 60
    with ledger.read() as s:
        rows = s.scalars(select(Attendance).where(Attendance.participant == pid)).all()
    assert [r.status for r in sorted(rows, key=lambda r: r.id)] == ["present", "absent"]
    missed = attendance.missed(ledger, pid)
    assert [(m.session_id, m.status, m.makeup_id) for m in missed] == [(sid, "absent", None)]
    attendance.record(ledger, sid, pid, "excused")
    assert attendance.missed(ledger, pid)[0].status == "excused"
    attendance.record(ledger, sid, pid, "left-early", minutes=30)
    assert attendance.missed(ledger, pid) == []


def test_attendance_refuses_unknown_cancelled_and_off_roster(ledger: Ledger, demo) -> None:
    _, schedule = demo
    sid = session_id(ledger, "cooking-1", DEMO_MONDAY)
    member = schedule.section("cooking-1").participants[0]
    stranger = next(p for p in schedule.section("cooking-2").participants)
    with pytest.raises(attendance.UnknownSessionError, match="no session 999999"):
        attendance.record(ledger, 999999, member, "present")
    with pytest.raises(attendance.NotOnRosterError, match=rf"{stranger} is not on the roster"):
        attendance.record(ledger, sid, stranger, "present")
    with pytest.raises(attendance.AttendanceError, match="late needs the minutes"):
        attendance.record(ledger, sid, member, "late")
    with pytest.raises(attendance.AttendanceError, match="outside 0-90"):
        attendance.record(ledger, sid, member, "present", minutes=91)
    with pytest.raises(attendance.AttendanceError, match="not one of"):
        attendance.record(ledger, sid, member, "here")
    with ledger.write() as s:
        s.add(SessionCancellation(session_id=sid, reason="staff sick"))
    with pytest.raises(attendance.SessionCancelledError, match=rf"session {sid} .* cancelled"):
        attendance.record(ledger, sid, member, "present")
    with ledger.read() as s:
        assert s.scalar(select(func.count()).select_from(Attendance)) == 0


def test_a_participant_booked_in_as_a_makeup_can_be_marked(tmp_path: Path) -> None:
    handle = two_sections(tmp_path, people(6), ["P1", "P2", "P3"], ["P4", "P5", "P6"])
    missed = session_id(handle, "A", MON)
    attendance.record(handle, missed, "P1", "absent")
    (option, *_) = makeup_options(handle, "P1", missed, now=TINY_NOW)
    assert (option.section, option.date) == ("B", TUE)
    with pytest.raises(attendance.NotOnRosterError):
        attendance.record(handle, option.session_id or 0, "P1", "present")
    booked = book(handle, "P1", missed, option, "va")
    attendance.record(handle, option.session_id or 0, "P1", "present")
    assert attendance.attendance_of(handle, booked.session_id)["P1"].minutes == 60
    assert attendance.missed(handle, "P1")[0].makeup_id == booked.id
    handle.dispose()


# -- makeup options on the demo ------------------------------------------------------------------


def monday_absences(ledger: Ledger, schedule: Schedule) -> list[tuple[str, int]]:
    """(participant, session) for everyone in a session on the demo's first Monday."""
    pairs = []
    with ledger.read() as s:
        rows = s.scalars(select(DatedSession).where(DatedSession.date == DEMO_MONDAY)).all()
    for row in sorted(rows, key=lambda r: (r.start, r.section)):
        pairs += [(pid, row.id) for pid in schedule.section(row.section).participants]
    return pairs


def test_every_option_keeps_every_rule_once_booked_and_options_are_ranked(
    ledger: Ledger, demo
) -> None:
    term, schedule = demo
    pairs = monday_absences(ledger, schedule)
    checked = extras = rides = 0
    for pid, missed in pairs[::4]:
        found = search(ledger, pid, missed, 14, DEMO_NOW)
        options = found.options
        assert options == sorted(options, key=rank)
        with ledger.read() as s:
            gone = s.get(DatedSession, missed)
            assert gone is not None
            days = Days(s, published(s), DEMO_MONDAY, DEMO_MONDAY + dt.timedelta(days=14))
            for option in options:
                assert option.group_type == gone.group_type
                assert DEMO_MONDAY < option.date <= DEMO_MONDAY + dt.timedelta(days=14)
                assert option.date not in term.term.closures
                assert option.section != gone.section
                view = days.schedule(option.date)
                mine = [sec for sec in view.sections if pid in sec.participants]
                assert option.comes_in == bool(mine)
                assert option.same_facilitator == bool(set(option.staff) & set(gone.staff))
                if option.ride is not None:
                    assert term.participant(pid).transport == "van" and not option.comes_in
        for option in options[:3]:
            booked = book(ledger, pid, missed, option, "test")
            assert day_violations(ledger, option.date) == [], (pid, option)
            with ledger.read() as s:
                roster = day_schedule(s, option.date).section(
                    s.get(DatedSession, booked.session_id).section  # type: ignore[union-attr]
                )
                assert pid in roster.participants
            cancel_makeup(ledger, booked.id, "test")
            checked += 1
            extras += option.extra
            rides += option.ride is not None
    assert checked >= 25 and extras > 0 and rides > 0
    with ledger.read() as s:  # every proposed extra meeting booked was cancelled with its makeup
        standing = s.scalars(select(DatedSession).where(DatedSession.kind == "extra")).all()
        assert standing and all(row.cancellation is not None for row in standing)


def test_the_fast_check_agrees_with_the_whole_day_check(ledger: Ledger, demo) -> None:
    """The search's check (the validator's join check for a running section, validating the
    sections it can touch for an extra meeting) finds the same options and refusals as
    validating the whole date before and after, for every Monday absence of the demo."""
    _, schedule = demo
    with ledger.read() as s:
        fast = MakeupPlanner(s)
        whole = MakeupPlanner(s)
        for pid, missed in monday_absences(ledger, schedule):
            request = fast.request(pid, missed)
            a = fast.search(request, 14, DEMO_NOW, full=False)
            b = whole.search(request, 14, DEMO_NOW, full=True)
            assert a.options == b.options
            assert [c for c, _ in a.rejected] == [c for c, _ in b.rejected]


def test_the_day_cache_matches_day_schedule_after_makeups(ledger: Ledger, demo) -> None:
    """Searches between bookings, cancellations and extra meetings reuse what did not change;
    the dates they keep are still exactly what day_schedule reads."""
    _, schedule = demo
    booked = []
    for pid, missed in monday_absences(ledger, schedule)[:60:5]:
        options = makeup_options(ledger, pid, missed, 14, DEMO_NOW)
        if options:
            booked.append(book(ledger, pid, missed, options[-1], "test"))
    assert len(booked) > 3
    cancel_makeup(ledger, booked[0].id, "test")
    with ledger.write() as s:
        s.add(SessionCancellation(session_id=booked[1].session_id, reason="test"))
    last = DEMO_MONDAY + dt.timedelta(days=20)
    with ledger.read() as s:
        pub = published_cached(s)
        cached = days_cached(s, pub, DEMO_MONDAY, last)
        fresh = Days(s, pub, DEMO_MONDAY, last)
        day = DEMO_MONDAY
        while day <= last:
            if weekday(day) in pub.term.calendar.days:
                expected = day_schedule(s, day, pub)
                assert fresh.schedule(day) == expected, day
                assert cached.schedule(day) == expected, day
            day += dt.timedelta(days=1)


def test_a_van_rider_gets_a_run_on_a_day_they_do_not_come_in(ledger: Ledger, demo) -> None:
    term, schedule = demo
    for pid, missed in monday_absences(ledger, schedule):
        if term.participant(pid).transport != "van":
            continue
        options = [o for o in makeup_options(ledger, pid, missed, 14, DEMO_NOW) if o.ride]
        if options:
            break
    else:
        pytest.fail("no van rider in the demo has a makeup on a day they do not come in")
    option = options[0]
    booked = book(ledger, pid, missed, option, "test")
    assert (booked.ride_vehicle, booked.ride_arrive, booked.ride_depart) == (
        option.ride.vehicle,
        option.ride.arrive,
        option.ride.depart,
    )
    with ledger.read() as s:
        view = day_schedule(s, option.date)
    carried = [r for r in view.transport if pid in r.participants]
    assert [(r.vehicle, r.arrive, r.depart) for r in carried] == [
        (option.ride.vehicle, option.ride.arrive, option.ride.depart)
    ]
    assert day_violations(ledger, option.date) == []


def test_seats_count_other_makeups_until_the_session_is_full(ledger: Ledger, demo) -> None:
    _, schedule = demo
    wanting: dict[int, list[tuple[str, int, MakeupOption]]] = defaultdict(list)
    for pid, missed in monday_absences(ledger, schedule):
        for option in makeup_options(ledger, pid, missed, 14, DEMO_NOW):
            if option.session_id is not None:
                wanting[option.session_id].append((pid, missed, option))
    target, queue_ = max(wanting.items(), key=lambda kv: len({p for p, _, _ in kv[1]}))
    seats = queue_[0][2].seats_left
    distinct = list({pid: (pid, missed, opt) for pid, missed, opt in queue_}.values())
    assert len(distinct) > seats >= 1
    booked = []
    for pid, missed, stale in distinct:
        fresh = {o.session_id: o for o in makeup_options(ledger, pid, missed, 14, DEMO_NOW)}
        if len(booked) < seats:
            assert fresh[target].seats_left == seats - len(booked)
            booked.append(book(ledger, pid, missed, fresh[target], "test"))
            continue
        assert target not in fresh  # full with makeups: no longer an option
        with pytest.raises(BookingRefused, match=r"is full \((\d+) of \1\)"):
            book(ledger, pid, missed, stale, "test")
        break
    with ledger.read() as s:
        count = s.scalar(
            select(func.count()).select_from(Makeup).where(Makeup.session_id == target)
        )
        day = s.get(DatedSession, target).date  # type: ignore[union-attr]
    assert count == seats
    assert day_violations(ledger, day) == []


def test_requests_that_are_not_makeups_are_refused(ledger: Ledger, demo) -> None:
    _, schedule = demo
    sid = session_id(ledger, "cooking-1", DEMO_MONDAY)
    member = schedule.section("cooking-1").participants[0]
    stranger = schedule.section("cooking-2").participants[0]
    with pytest.raises(MakeupError, match="no session 999999"):
        makeup_options(ledger, member, 999999)
    with pytest.raises(MakeupError, match=f"{stranger} was not on the roster"):
        makeup_options(ledger, stranger, sid)
    with pytest.raises(MakeupError, match="P9999 is not a participant"):
        makeup_options(ledger, "P9999", sid)
    attendance.record(ledger, sid, member, "present")
    with pytest.raises(MakeupError, match="attended"):
        makeup_options(ledger, member, sid, now=DEMO_NOW)


# -- rules, one at a time, on the tiny term ------------------------------------------------------


def tiny_case(tmp_path: Path, **changes: Any) -> tuple[Ledger, int]:
    """P1-P3 in A (Mon), P4-P6 in B (Tue); P1 missed Monday 4 January."""
    docs = people(changes.pop("n", 6))
    for pid, fields in changes.pop("people", {}).items():
        docs[int(pid[1:]) - 1].update(fields)
    handle = two_sections(
        tmp_path,
        docs,
        changes.pop("a", ["P1", "P2", "P3"]),
        changes.pop("b", ["P4", "P5", "P6"]),
        **changes,
    )
    missed = session_id(handle, "A", MON)
    attendance.record(handle, missed, "P1", "absent")
    return handle, missed


def test_tiny_options_are_the_other_sections_dates_sooner_first(tmp_path: Path) -> None:
    handle, missed = tiny_case(tmp_path)
    options = makeup_options(handle, "P1", missed, 14, TINY_NOW)
    assert [(o.section, o.date, o.seats_left) for o in options] == [
        ("B", TUE, 1),
        ("B", dt.date(2027, 1, 12), 1),
    ]
    assert makeup_options(handle, "P1", missed, 7, TINY_NOW)[-1].date == dt.date(2027, 1, 5)
    later = dt.datetime(2027, 1, 5, 10, 30)
    assert [o.date for o in makeup_options(handle, "P1", missed, 14, later)] == [
        dt.date(2027, 1, 12)
    ]
    handle.dispose()


def test_rank_sooner_then_days_they_come_in_then_the_same_facilitator() -> None:
    def option(day: int, start: int, comes_in: bool, same: bool, name: str) -> MakeupOption:
        return MakeupOption(
            section=name,
            group_type="grp",
            date=dt.date(2027, 1, day),
            start=start,
            end=start + 60,
            room="r1",
            vehicle=None,
            staff=("ot1",),
            seats_left=1,
            session_id=day * 1000 + start,
            comes_in=comes_in,
            same_facilitator=same,
        )

    options = [
        option(6, 600, False, True, "later-day"),
        option(5, 540, False, False, "early-no-one"),
        option(5, 840, True, False, "comes-in"),
        option(5, 900, False, True, "same-staff"),
        option(5, 960, True, True, "both"),
    ]
    assert [o.section for o in sorted(options, key=rank)] == [
        "both",
        "comes-in",
        "same-staff",
        "early-no-one",
        "later-day",
    ]


def test_the_acuity_cap_counts_the_date_roster(tmp_path: Path) -> None:
    handle, missed = tiny_case(
        tmp_path,
        group_type={"max_high_acuity": 1},
        people={"P1": {"acuity": "high"}, "P4": {"acuity": "high"}},
    )
    found = search(handle, "P1", missed, 14, TINY_NOW)
    assert all(o.extra for o in found.options)
    assert any("high-acuity" in reason for candidate, reason in found.rejected)
    handle.dispose()


def test_keep_apart_and_single_program_hold_for_makeups(tmp_path: Path) -> None:
    handle, missed = tiny_case(tmp_path, people={"P1": {"keep_apart": ["P5"]}})
    found = search(handle, "P1", missed, 14, TINY_NOW)
    assert not any(o.section == "B" for o in found.options)
    assert found.rejected[0] == (
        "B on 2027-01-05 10:00",
        "keep-apart with P5 who is in section B",
    )
    handle.dispose()
    other = tmp_path / "single"
    other.mkdir()
    handle, missed = tiny_case(
        other,
        group_type={"single_program": True},
        people={p: {"program": "PHP"} for p in ("P4", "P5", "P6")},
    )
    found = search(handle, "P1", missed, 14, TINY_NOW)
    assert not any(o.section == "B" for o in found.options)
    assert found.rejected[0][1] == "section B is single-program PHP, P1 is OP"
    handle.dispose()


def test_a_makeup_booked_in_counts_for_keep_apart_of_the_next(tmp_path: Path) -> None:
    docs = people(8)
    docs[6]["keep_apart"] = ["P1"]
    term, schedule = tiny(
        docs,
        [
            section("A", "mon", "10:00", ["P1", "P2", "P3"]),
            section("C", "mon", "13:00", ["P7", "P8"]),
            section("B", "tue", "10:00", ["P4", "P5", "P6"]),
        ],
        group_type={"max_size": 8},
    )
    handle = tiny_ledger(tmp_path, term, schedule)
    missed = session_id(handle, "A", MON)
    attendance.record(handle, missed, "P1", "absent")
    (option, *_) = makeup_options(handle, "P1", missed, 14, TINY_NOW)
    assert (option.section, option.date) == ("B", TUE)
    book(handle, "P1", missed, option, "va")
    other = session_id(handle, "C", MON)
    attendance.record(handle, other, "P7", "absent")
    found = search(handle, "P7", other, 14, TINY_NOW)
    assert ("B on 2027-01-05 10:00", "keep-apart with P1 who is in section B") in found.rejected
    assert [(o.section, o.date) for o in found.options] == [("B", dt.date(2027, 1, 12))]
    handle.dispose()


def test_van_seats_count_riders_of_other_makeups(tmp_path: Path) -> None:
    ride = {"transport": "van"}
    handle, missed = tiny_case(
        tmp_path,
        people={"P1": ride, "P2": ride, "P4": ride},
        group_type={"max_size": 8},
        vehicles=[van(seats=2, wheelchair_seats=0)],
        transport=[
            {"vehicle": "v1", "day": "mon", "arrive": "09:00", "depart": "16:00"}
            | {"participants": ["P1", "P2"]},
            {"vehicle": "v1", "day": "tue", "arrive": "09:00", "depart": "16:00"}
            | {"participants": ["P4"]},
        ],
    )
    (option, *_) = makeup_options(handle, "P1", missed, 14, TINY_NOW)
    assert option.date == TUE and option.ride == Run("v1", 9 * 60, 16 * 60)
    book(handle, "P1", missed, option, "va")
    assert day_violations(handle, TUE) == []
    attendance.record(handle, missed, "P2", "absent")
    found = search(handle, "P2", missed, 14, TINY_NOW)
    assert (
        "B on 2027-01-05 10:00",
        "no van run on Tue covers 10:00-11:00 with a free seat",
    ) in found.rejected
    assert all(o.date != TUE for o in found.options)
    handle.dispose()


def test_a_full_section_gets_an_extra_meeting_that_others_can_join(tmp_path: Path) -> None:
    handle, missed = tiny_case(
        tmp_path,
        n=7,
        group_type={"max_size": 4},
        b=["P4", "P5", "P6", "P7"],
    )
    found = search(handle, "P1", missed, 14, TINY_NOW)
    assert [c for c, _ in found.rejected] == ["B on 2027-01-05 10:00", "B on 2027-01-12 10:00"]
    assert all(reason == "full (4 of 4)" for _, reason in found.rejected)
    (extra,) = found.options
    assert extra.extra and extra.session_id is None
    assert (extra.section, extra.date, extra.room, extra.staff) == (
        "grp-extra-2027-01-05-1",
        TUE,
        "r1",
        ("ot1",),
    )
    assert extra.start == 9 * 60 and extra.seats_left == 4
    after_the_term = dataclasses.replace(extra, date=dt.date(2027, 2, 2))  # a Tuesday
    with pytest.raises(BookingRefused, match=r"outside the term \(2027-01-04 to 2027-01-29\)"):
        book(handle, "P1", missed, after_the_term, "va")
    booked = book(handle, "P1", missed, extra, "va")
    assert day_violations(handle, TUE) == []
    with handle.read() as s:
        row = s.get(DatedSession, booked.session_id)
        assert row is not None and row.kind == "extra" and row.section == extra.section
    attendance.record(handle, missed, "P2", "absent")
    joined = makeup_options(handle, "P2", missed, 14, TINY_NOW)
    assert [(o.section, o.kind, o.extra, o.session_id, o.seats_left) for o in joined] == [
        (extra.section, "extra", False, booked.session_id, 3)
    ]
    second = book(handle, "P2", missed, joined[0], "va")
    assert day_violations(handle, TUE) == []
    cancel_makeup(handle, booked.id, "better time found")
    with handle.read() as s:
        assert s.get(DatedSession, booked.session_id).cancellation is None  # type: ignore[union-attr]
    cancel_makeup(handle, second.id, "no longer needed")
    with handle.read() as s:
        assert s.get(DatedSession, booked.session_id).cancellation is not None  # type: ignore[union-attr]
    with pytest.raises(MakeupError, match="already cancelled"):
        cancel_makeup(handle, second.id, "again")
    handle.dispose()


def test_an_extra_meeting_respects_staff_loads_and_features(tmp_path: Path) -> None:
    full = {"group_type": {"max_size": 3, "room_features": ["kitchen"]}}
    rooms = [
        {"id": "r1", "name": "Kitchen", "capacity": 8, "features": ["kitchen"], "blocked": []},
        {"id": "r2", "name": "Plain", "capacity": 8, "features": [], "blocked": []},
    ]
    handle, missed = tiny_case(tmp_path, staff={"max_sessions_per_day": 1}, rooms=rooms, **full)
    (extra,) = makeup_options(handle, "P1", missed, 14, TINY_NOW)
    assert extra.extra and extra.date == dt.date(2027, 1, 6) and extra.room == "r1"
    handle.dispose()
    weekly = tmp_path / "weekly"
    weekly.mkdir()
    handle, missed = tiny_case(weekly, staff={"max_sessions_per_week": 2}, rooms=rooms, **full)
    found = search(handle, "P1", missed, 14, TINY_NOW)
    assert found.options == []
    assert "no qualified staff member is free" in found.rejected[-1][1]
    handle.dispose()


def test_booking_rechecks_against_the_state_at_that_moment(tmp_path: Path) -> None:
    handle, missed = tiny_case(tmp_path, group_type={"max_size": 4})
    attendance.record(handle, missed, "P2", "absent")
    first = makeup_options(handle, "P1", missed, 14, TINY_NOW)[0]
    second = makeup_options(handle, "P2", missed, 14, TINY_NOW)[0]
    assert first.session_id == second.session_id and first.seats_left == 1
    book(handle, "P1", missed, first, "va")
    with pytest.raises(BookingRefused, match=r"session B on 2027-01-05 is full \(4 of 4\)"):
        book(handle, "P2", missed, second, "va")
    with pytest.raises(BookingRefused, match="already has makeup"):
        book(handle, "P1", missed, first, "va")
    with handle.write() as s:
        s.add(SessionCancellation(session_id=first.session_id, reason="snow"))
    later = makeup_options(handle, "P2", missed, 14, TINY_NOW)
    assert [o.date for o in later if not o.extra] == [dt.date(2027, 1, 12)]
    with pytest.raises(BookingRefused, match="cancelled"):
        book(handle, "P2", missed, second, "va")
    with handle.read() as s:
        assert s.scalar(select(func.count()).select_from(Makeup)) == 1
    handle.dispose()


# -- concurrency and interrupted writes ----------------------------------------------------------


def race_term() -> tuple[Term, Schedule]:
    """A (Monday, 20 members) and B (Tuesday, 10 members, room for 12): B has 2 seats left."""
    rooms = [
        {"id": "r1", "name": "Big", "capacity": 20, "features": [], "blocked": []},
        {"id": "r2", "name": "Small", "capacity": 12, "features": [], "blocked": []},
    ]
    everyone = [f"P{i}" for i in range(1, 31)]
    return tiny(
        people(30),
        [
            section("A", "mon", "10:00", everyone[:20]),
            section("B", "tue", "10:00", everyone[20:], room="r2"),
        ],
        group_type={"max_size": 20},
        rooms=rooms,
    )


def test_twenty_bookings_race_for_the_last_two_seats(tmp_path: Path, backend_url: str) -> None:
    term, schedule = race_term()
    handle = tiny_ledger(tmp_path, term, schedule, backend_url)
    missed = session_id(handle, "A", MON)
    target = session_id(handle, "B", TUE)
    racers = [f"P{i}" for i in range(1, 21)]
    choices = {}
    for pid in racers:
        attendance.record(handle, missed, pid, "absent")
        choices[pid] = makeup_options(handle, pid, missed, 14, TINY_NOW)[0]
        assert choices[pid].session_id == target and choices[pid].seats_left == 2
    gate = threading.Barrier(len(racers))
    results: dict[str, str] = {}

    def race(pid: str) -> None:
        mine = Ledger(backend_url)  # a handle of its own, as a second VA's program would have
        try:
            gate.wait(timeout=60)
            book(mine, pid, missed, choices[pid], f"va-{pid}")
            results[pid] = "booked"
        except BookingRefused as exc:
            results[pid] = f"refused: {exc}"
        finally:
            mine.dispose()

    threads = [threading.Thread(target=race, args=(pid,)) for pid in racers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    outcomes = Counter(r.split(":")[0] for r in results.values())
    assert outcomes == {"booked": 2, "refused": 18}, results
    assert all("is full (12 of 12)" in r for r in results.values() if r != "booked")
    with handle.read() as s:
        count = s.scalar(
            select(func.count()).select_from(Makeup).where(Makeup.session_id == target)
        )
    assert count == 2
    assert day_violations(handle, TUE) == []
    handle.dispose()


CHILD = textwrap.dedent(
    """
    import datetime as dt, sys
    from ledger.makeups import book, makeup_options
    from ledger.store import Ledger
    url, pid, missed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ledger = Ledger(url)
    option = makeup_options(ledger, pid, missed, 1, dt.datetime(2027, 1, 4, 7, 0))[0]
    assert option.extra, option
    book(ledger, pid, missed, option, "child")
    print("committed", flush=True)
    """
)


def test_a_booking_killed_mid_transaction_leaves_no_trace(tmp_path: Path, backend_url: str) -> None:
    """The child books an extra meeting (a session row, then a makeup row) and is killed with
    SIGKILL after writing both, before committing: the parent sees neither, keeps what was
    committed before, and can book the same option itself."""
    term, schedule = tiny(
        people(7),
        [
            section("A", "mon", "10:00", ["P1", "P2", "P3"]),
            section("B", "tue", "10:00", ["P4", "P5", "P6", "P7"]),
        ],
        group_type={"max_size": 5},
    )
    handle = tiny_ledger(tmp_path, term, schedule, backend_url)
    missed = session_id(handle, "A", MON)
    for pid in ("P1", "P2"):
        attendance.record(handle, missed, pid, "absent")
    last_seat = makeup_options(handle, "P2", missed, 1, TINY_NOW)[0]
    assert (last_seat.section, last_seat.seats_left) == ("B", 1)
    kept = book(handle, "P2", missed, last_seat, "va")
    with handle.read() as s:
        before = (
            s.scalar(select(func.count()).select_from(DatedSession)),
            s.scalar(select(func.count()).select_from(Makeup)),
            s.scalar(select(func.count()).select_from(Attendance)),
        )
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, backend_url, "P1", str(missed)],
        cwd=ROOT,
        env={**os.environ, PAUSE_ENV: "120"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in child.stderr or []], daemon=True
    ).start()
    deadline = time.monotonic() + 120
    try:
        while True:
            try:
                if "paused inside its transaction" in lines.get(timeout=1):
                    break
            except queue.Empty:
                assert child.poll() is None, f"the child ended: {child.communicate()}"
                assert time.monotonic() < deadline, "the child never reached its transaction"
        with handle.read() as s:  # the child's rows are written but not committed
            assert s.scalar(select(func.count()).select_from(Makeup)) == before[1]
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    handle.dispose()
    after = Ledger(backend_url)  # a fresh handle, as after a crash
    with after.read() as s:
        assert (
            s.scalar(select(func.count()).select_from(DatedSession)),
            s.scalar(select(func.count()).select_from(Makeup)),
            s.scalar(select(func.count()).select_from(Attendance)),
        ) == before
        assert s.get(Makeup, kept.id) is not None
        if after.sqlite:
            assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    option = makeup_options(after, "P1", missed, 1, TINY_NOW)[0]
    assert option.extra
    booked = book(after, "P1", missed, option, "va")
    assert booked.session_id and day_violations(after, option.date) == []
    after.dispose()


# -- the command line ----------------------------------------------------------------------------


runner = CliRunner()


def cli(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_term_commands_publish_attend_makeup_and_book(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    term_path = str(EXAMPLES / "demo_clinic.json")
    schedule_path = str(EXAMPLES / "demo_schedule.json")
    result = cli("term", "publish", term_path, schedule_path, "--db", db)
    assert result.exit_code == 0, result.output
    assert "Published schedule v1 from 2027-09-13" in result.output
    listing = cli("term", "sessions", "2027-09-13", "--db", db, "--json")
    rows = json.loads(listing.output)
    saturday = cli("term", "sessions", "2027-09-18", "--db", db)
    assert saturday.output.strip() == "No sessions on Sat 2027-09-18."
    cooking = next(r for r in rows if r["section"] == "stress-management-1")
    sid, pid = str(cooking["session_id"]), cooking["participants"][1]
    ahead = cli("term", "attend", sid, pid, "absent", "--db", db)  # the clock: 2027 is ahead
    assert ahead.exit_code == 1 and "only excused can be recorded before" in ahead.output
    evening = ["--now", "2027-09-13T18:00"]
    result = cli("term", "attend", sid, pid, "absent", "--db", db, *evening)
    assert result.exit_code == 0 and f"Recorded {pid} absent" in result.output
    now = ["--now", "2027-09-13T07:00"]
    result = cli("term", "makeup", pid, "--missed", sid, "--db", db, *now)
    assert result.exit_code == 0, result.output
    assert "  1. stress-management-" in result.output
    answer = json.loads(
        cli("term", "makeup", pid, "--missed", sid, "--db", db, "--json", *now).output
    )
    assert answer["format"] == "otgroups.makeup/1" and answer["options"][0]["option"] == 1
    first = answer["options"][0]
    assert {"section", "date", "start", "end", "room", "seats_left"} <= set(first)
    booked = cli("term", "book", pid, "--missed", sid, "--option", "1", "--db", db, "--json", *now)
    assert booked.exit_code == 0, booked.output
    doc = json.loads(booked.output)
    assert doc["option"]["section"] == first["section"] and doc["makeup_id"] == 1
    again = cli("term", "book", pid, "--missed", sid, "--option", "1", "--db", db, *now)
    assert again.exit_code == 1 and "already has makeup 1" in again.output
    assert len(again.output.strip().splitlines()) == 1 and "Traceback" not in again.output


def test_term_commands_fail_in_one_plain_line(tmp_path: Path) -> None:
    missing = f"sqlite:///{tmp_path / 'none.sqlite'}"
    result = cli("term", "attend", "1", "P0001", "present", "--db", missing)
    assert result.exit_code == 2 and "run `otgroups term publish` first" in result.output
    assert not (tmp_path / "none.sqlite").exists()
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    cli(
        "term",
        "publish",
        str(EXAMPLES / "demo_clinic.json"),
        str(EXAMPLES / "demo_schedule.json"),
        "--db",
        db,
    )
    for args, code, words in [
        (("attend", "999999", "P0001", "present"), 2, "no session 999999"),
        (("attend", "1", "P0001", "sleeping"), 2, "is not one of"),
        (("attend", "1", "P9999", "present"), 2, "no participant 'P9999' in the term"),
        (("makeup", "P9999", "--missed", "1"), 1, "P9999 is not a participant"),
        (("book", "P9999", "--missed", "1", "--option", "1"), 1, "P9999 is not a participant"),
    ]:
        result = cli("term", *args, "--db", db)
        assert result.exit_code == code, (args, result.output)
        assert words in result.output and "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1, result.output


def test_an_admission_takes_another_section_when_a_date_fills_the_first(tmp_path: Path) -> None:
    """A and B each have one place weekly; a makeup fills the one the weekly choice picks on a
    date after the admission starts, so the newcomer goes to the other (they were waitlisted)."""
    handle = two_sections(
        tmp_path, people(6), ["P1", "P2", "P3"], ["P4", "P5", "P6"], group_type={"max_size": 4}
    )
    newcomer = participant("P9")
    with handle.read() as s:
        pub = published(s)
    term = _with_newcomer(pub.term, newcomer)
    first = place_newcomers(rules_term(term, pub.schedule), pub.schedule, ["P9"])
    (weekly_choice,) = [sec.id for sec in first.schedule.sections if "P9" in sec.participants]
    who, missed_in, day = ("P4", "B", TUE) if weekly_choice == "A" else ("P1", "A", MON)
    missed = session_id(handle, missed_in, day)
    attendance.record(handle, missed, who, "absent")
    option = next(
        o for o in makeup_options(handle, who, missed, 14, TINY_NOW) if o.section == weekly_choice
    )
    book(handle, who, missed, option, "va")
    done = admit(handle, newcomer, MON)
    assert [(t, sid) for t, sid, _ in done.placed] == [
        ("grp", "B" if weekly_choice == "A" else "A")
    ]
    assert done.waitlisted == []
    assert day_violations(handle, option.date) == []
    handle.dispose()
