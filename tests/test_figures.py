"""Analysis frames, de-identification and figures, built from the bundled demo data.

Figures are checked for what a reader sees: trace types and counts, legend categories, titles
and axis titles, and that known sections and group types are drawn — not just that a figure
comes back. Frames are checked against the schedule they come from.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import random
import re
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from analysis import figures, frames
from analysis.deidentify import (
    SALT_ENV,
    Deidentifier,
    SaltMissingError,
    deidentify_frame,
    pseudonym,
)
from analysis.progress import ProgressRecorder
from analysis.simulate import Rates, book_makeups, mark_days
from audit import audit
from ledger.closures import close_day
from ledger.publish import publish
from ledger.store import Ledger, open_ledger
from models import Records, Schedule, Term, load_records, load_schedule, load_term, parse_term
from models.term import PRIORITIES
from optimizer import SolveOptions, solve
from tests.helpers import tiny_term

EXAMPLES = Path(str(files("models") / "examples"))
AS_OF = dt.date(2027, 10, 24)
FIRST_MONDAY = dt.date(2027, 9, 13)
SALT = "test-salt"
PID = re.compile(r"\bP\d{4}\b")
"""Demo participant ids look like P0001."""


@pytest.fixture(scope="module")
def term() -> Term:
    return load_term(EXAMPLES / "demo_clinic.json")


@pytest.fixture(scope="module")
def schedule(term: Term) -> Schedule:
    return load_schedule(EXAMPLES / "demo_schedule.json", term)


@pytest.fixture(scope="module")
def records(term: Term) -> Records:
    return load_records(EXAMPLES / "demo_records.json", term)


@pytest.fixture(scope="module")
def meetings(term: Term, schedule: Schedule) -> pd.DataFrame:
    return frames.meetings(term, schedule)


@pytest.fixture(scope="module")
def findings(term: Term, schedule: Schedule, records: Records) -> pd.DataFrame:
    return frames.findings(audit(term, schedule, records, AS_OF), term)


@pytest.fixture(scope="module")
def running(
    term: Term, schedule: Schedule, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Ledger]:
    """The demo published, two weeks marked with a seeded generator, makeups booked weekly."""
    path = tmp_path_factory.mktemp("ledger") / "ledger.sqlite"
    ledger = open_ledger(f"sqlite:///{path}")
    publish(ledger, term, schedule)
    rng = random.Random(7)
    for week in range(2):
        monday = FIRST_MONDAY + dt.timedelta(weeks=week)
        friday = monday + dt.timedelta(days=4)
        mark_days(ledger, monday, friday, rng, Rates(absent=0.1, excused=0.05))
        book_makeups(ledger, dt.datetime.combine(friday, dt.time(18)))
    yield ledger
    ledger.dispose()


def strings(frame: pd.DataFrame) -> list[str]:
    return [v for column in frame.columns for v in frame[column].tolist() if isinstance(v, str)]


def names(fig: go.Figure) -> list[str]:
    return [t.name for t in fig.data]


# -- de-identification ---------------------------------------------------------------------------


def test_pseudonym_is_hmac_sha256_first_ten_hex() -> None:
    expected = hmac.new(b"test-salt", b"P0001", hashlib.sha256).hexdigest()[:10]
    assert pseudonym("P0001", SALT) == expected
    assert re.fullmatch(r"[0-9a-f]{10}", expected)
    assert pseudonym("P0001", SALT) == pseudonym("P0001", SALT)
    assert pseudonym("P0001", "another salt") != expected
    assert pseudonym("P0002", SALT) != expected


def test_salt_from_the_environment_or_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SALT_ENV, raising=False)
    with pytest.raises(SaltMissingError, match=SALT_ENV):
        pseudonym("P0001")
    monkeypatch.setenv(SALT_ENV, SALT)
    assert pseudonym("P0001") == pseudonym("P0001", SALT)


def test_ids_inside_text_are_replaced_as_whole_tokens() -> None:
    frame = pd.DataFrame(
        {
            "participant": ["P0001", "P0002"],
            "reasons": ["keep-apart with P0002 who is in cooking-1", "P0001-auth; P00012 stays"],
            "count": [1, 2],
        }
    )
    out = deidentify_frame(frame, SALT)
    k1, k2 = pseudonym("P0001", SALT), pseudonym("P0002", SALT)
    assert out["participant"].tolist() == [k1, k2]
    assert out["reasons"].tolist() == [
        f"keep-apart with {k2} who is in cooking-1",
        f"{k1}-auth; P00012 stays",
    ]
    assert out["count"].tolist() == [1, 2]
    assert frame["participant"].tolist() == ["P0001", "P0002"], "the input is left as it was"
    assert Deidentifier(SALT, ["P0001"]).text("with P0001.") == f"with {k1}."


def test_deidentified_frames_name_no_participant(
    term: Term, schedule: Schedule, records: Records, running: Ledger
) -> None:
    found = audit(term, schedule, records, AS_OF)
    built = {
        "rosters": frames.rosters(term, schedule, deidentify=True, salt=SALT),
        "waitlist": frames.waitlist(term, schedule, deidentify=True, salt=SALT),
        "findings": frames.findings(found, term, deidentify=True, salt=SALT),
        "attendance": frames.attendance(running, deidentify=True, salt=SALT),
        "makeups": frames.makeups(running, deidentify=True, salt=SALT),
    }
    for name, frame in built.items():
        assert len(frame), name
        leaked = [s for s in strings(frame) if PID.search(s)]
        assert not leaked, f"{name}: {leaked[:3]}"
    # the same salt gives the same key in every frame: they still join
    waiting = set(built["waitlist"]["participant"])
    assert waiting <= {pseudonym(p.id, SALT) for p in term.participants}
    assert set(built["rosters"]["participant"]) & set(built["attendance"]["participant"])


# -- frames --------------------------------------------------------------------------------------


def test_sections_frame(term: Term, schedule: Schedule) -> None:
    frame = frames.sections(term, schedule)
    assert len(frame) == len(schedule.sections)
    assert list(frame.columns) == list(frames.SECTION_COLUMNS)
    row = frame.set_index("section").loc["social-skills-1"]
    assert row["meetings"] == "Mon/Wed 10:00-11:00"
    assert (row["days"], row["start"], row["end"]) == ("Mon/Wed", "10:00", "11:00")
    assert row["name"] == "Social Skills Training"
    assert row["fill"] == pytest.approx(row["members"] / row["max_size"])
    outing = frame.set_index("section").loc["community-outing-1"]
    assert pd.isna(outing["room"]) and outing["vehicle"] == "van-1"


def test_meetings_rosters_and_waitlist_frames(
    term: Term, schedule: Schedule, meetings: pd.DataFrame
) -> None:
    assert len(meetings) == sum(len(s.meetings) for s in schedule.sections)
    assert set(meetings["day"]) == {"Mon", "Tue", "Wed", "Thu", "Fri"}
    assert (meetings["end_minutes"] > meetings["start_minutes"]).all()
    assert set(meetings.loc[meetings["vehicle"].notna(), "place"]) == {
        "Van 1 (outing)",
        "Van 2 (outing)",
    }
    rosters = frames.rosters(term, schedule)
    assert len(rosters) == sum(len(s.participants) for s in schedule.sections)
    waitlist = frames.waitlist(term, schedule)
    assert len(waitlist) == len(schedule.waitlist)
    assert list(waitlist["priority"].cat.categories) == list(PRIORITIES)
    entry = schedule.waitlist[0]
    row = waitlist[
        (waitlist["participant"] == entry.participant)
        & (waitlist["group_type"] == entry.group_type)
    ].iloc[0]
    assert row["reasons"] == "; ".join(entry.reasons)


def test_demand_staff_and_room_frames(term: Term, schedule: Schedule) -> None:
    demand = frames.demand(term, schedule).set_index("group_type")
    assert (demand["placed"] + demand["waitlisted"] == demand["requested"]).all()
    cooking = demand.loc["cooking"]
    assert (cooking["sections"], cooking["seats"], cooking["max_seats"]) == (4, 20, 20)
    assert cooking["waitlisted_recommended"] == 10

    load = frames.staff_load(term, schedule)
    assert len(load) == len(term.staff) * len(term.calendar.days)
    weekly = load.drop_duplicates("staff").set_index("staff")["week_sessions"]
    expected = {m.id: 0 for m in term.staff}
    for s in schedule.sections:
        for sid in s.staff:
            expected[sid] += len(s.meetings)
    assert weekly.to_dict() == expected
    assert (load["sessions"] <= load["max_per_day"]).all()

    use = frames.room_use(term, schedule)
    assert len(use) == len(term.rooms) * len(term.calendar.days) * 7  # 09:00-16:00
    kitchen = use[use["room"] == "kitchen"]
    assert kitchen["kitchen"].all()
    cooking_minutes = sum(
        m.end - m.start for s in schedule.sections if s.room == "kitchen" for m in s.meetings
    )
    assert kitchen["minutes_used"].sum() == cooking_minutes
    assert use["share"].between(0, 1).all()


def test_ledger_frames(running: Ledger) -> None:
    att = frames.attendance(running, through=FIRST_MONDAY + dt.timedelta(days=11))
    assert list(att.columns) == list(frames.ATTENDANCE_COLUMNS)
    assert att["date"].max() <= pd.Timestamp(FIRST_MONDAY + dt.timedelta(days=11))
    assert set(att["status"]) <= {"present", "late", "left-early", "absent", "excused"}
    late = att[att["status"] == "late"]
    assert len(late) and (late["minutes"] < 90).all()
    mk = frames.makeups(running)
    assert len(mk) and not mk["cancelled"].any()
    assert (mk["days_later"] > 0).all() and (mk["days_later"] <= 14).all()
    guests = att[att["makeup"]]
    assert len(guests), "makeups booked in week 1 are marked in week 2"
    booked = set(zip(mk["session_id"], mk["participant"], strict=True))
    assert set(zip(guests["session_id"], guests["participant"], strict=True)) <= booked


def test_fix_first_ranks_denials_first_then_by_weight(findings: pd.DataFrame) -> None:
    ranked = frames.fix_first(findings)
    assert ranked["rank"].tolist() == list(range(1, len(ranked) + 1))
    assert set(ranked["code"]) == set(findings["code"])
    assert (ranked["weight"] == 3 * ranked["errors"] + ranked["warnings"]).all()
    assert ranked["errors"].is_monotonic_decreasing
    for _, tied in ranked.groupby("errors"):
        assert tied["weight"].is_monotonic_decreasing
    # the most findings of any code, nearly all of them warnings of reports due later: ranked
    # after codes with more claims that will be denied
    routine = ranked.set_index("code").loc["PROGRESS_REPORT_DUE"]
    assert (routine["errors"], routine["warnings"]) == (1, 101)
    assert routine["weight"] == ranked["weight"].max()
    auth = ranked.set_index("code").loc["AUTH_MISSING"]
    assert auth["errors"] > 1 and auth["rank"] < routine["rank"]
    assert ranked.set_index("code").loc["AUTH_MISSING", "payers"] == "acme-bh, medicaid"
    assert any(PID.search(example) for example in ranked["example"])
    hidden = frames.fix_first(findings, deidentify=True, salt=SALT)
    assert not any(PID.search(example) for example in hidden["example"])
    assert hidden.drop(columns="example").equals(ranked.drop(columns="example"))


# -- figures -------------------------------------------------------------------------------------


def test_timetable(meetings: pd.DataFrame) -> None:
    fig = figures.timetable(meetings)
    assert fig.layout.title.text == "Weekly timetable"
    assert {t.type for t in fig.data} == {"bar"}
    assert {t.orientation for t in fig.data} == {"h"}
    legend = [t.name for t in fig.data if t.showlegend]
    assert sorted(legend) == sorted(set(meetings["category"]))  # one legend entry a category
    assert len(legend) == 14
    assert [a.text for a in fig.layout.annotations] == ["Mon", "Tue", "Wed", "Thu", "Fri"]
    assert fig.layout.xaxis5.title.text == "Time of day"
    assert fig.layout.yaxis.title.text == "Room or vehicle"  # the demo has outings
    assert fig.layout.xaxis.ticktext[:2] == ("09:00", "10:00")
    drawn = {text for t in fig.data for text in t.text}
    assert "social-skills-1" in drawn and "cooking-4" in drawn
    assert len([text for t in fig.data for text in t.text]) == len(meetings)
    assert "Teaching Kitchen" in fig.layout.yaxis.categoryarray
    assert "Van 1 (outing)" in fig.layout.yaxis.categoryarray
    # the hover shows staff and fill
    cooking = next(t for t in fig.data if t.name == "cooking")
    assert "staff" in cooking.hovertemplate and "fill" in cooking.hovertemplate
    assert "ota-haddad" in {row[4] for row in cooking.customdata}


def test_participant_week(term: Term, schedule: Schedule, meetings: pd.DataFrame) -> None:
    rosters = frames.rosters(term, schedule)
    fig = figures.participant_week(meetings, rosters, "P0021")
    assert fig.layout.title.text == "Week of P0021"
    assert {t.type for t in fig.data} == {"bar"}
    own = [s for s in schedule.sections if "P0021" in s.participants]
    assert sum(len(t.x) for t in fig.data) == sum(len(s.meetings) for s in own)
    labels = {text for t in fig.data for text in t.text}
    assert "Social Skills Training" in labels
    assert fig.layout.xaxis.title.text == "Time of day"
    assert fig.layout.yaxis.title.text == "Day"
    # de-identified frames: the key names the participant
    hidden = frames.rosters(term, schedule, deidentify=True, salt=SALT)
    key = pseudonym("P0021", SALT)
    again = figures.participant_week(meetings, hidden, key)
    assert again.layout.title.text == f"Week of {key}"
    assert sum(len(t.x) for t in again.data) == sum(len(t.x) for t in fig.data)


def test_staff_load(term: Term, schedule: Schedule) -> None:
    fig = figures.staff_load(frames.staff_load(term, schedule))
    assert fig.layout.title.text == "Staff load against limits"
    assert [t.type for t in fig.data] == ["bar"] * 5 + ["scatter", "bar", "scatter"]
    assert names(fig)[:5] == ["Mon", "Tue", "Wed", "Thu", "Fri"]
    assert "Weekly limit" in names(fig) and "Daily limit" in names(fig)
    assert list(fig.data[0].x) == [m.id for m in term.staff]
    assert fig.layout.xaxis.title.text == "Staff"
    assert fig.layout.yaxis.title.text == "Meetings led"
    limit = next(t for t in fig.data if t.name == "Weekly limit")
    assert list(limit.y) == [m.max_sessions_per_week for m in term.staff]


def test_room_utilisation(term: Term, schedule: Schedule) -> None:
    fig = figures.room_utilisation(frames.room_use(term, schedule))
    assert fig.layout.title.text == "Room and kitchen utilisation"
    assert [t.type for t in fig.data] == ["heatmap"] * 5
    assert list(fig.data[0].y)[3] == "Teaching Kitchen (kitchen)"
    assert len(fig.data[0].x) == 7 and fig.data[0].x[0] == "09:00"
    assert fig.layout.xaxis.title.text == "Hour"
    assert fig.layout.yaxis.title.text == "Room"
    assert fig.layout.coloraxis.colorbar.title.text == "% of hour"
    monday = fig.data[0]
    kitchen_nine = monday.z[3][0]
    assert kitchen_nine == 100  # cooking-1 meets Mon 09:00-10:30


def test_demand_capacity(term: Term, schedule: Schedule) -> None:
    fig = figures.demand_capacity(frames.demand(term, schedule))
    assert fig.layout.title.text == "Demand and capacity"
    assert [t.type for t in fig.data] == ["bar"] * 4 + ["scatter"] * 2
    assert names(fig)[:4] == [
        "Placed",
        "Waitlisted: required",
        "Waitlisted: recommended",
        "Waitlisted: optional",
    ]
    assert fig.layout.barmode == "stack"
    assert len(fig.data[0].x) == len(term.group_types)
    assert "ADL Skills: Cooking" in fig.data[0].x
    assert fig.layout.xaxis.title.text == "Group type"
    assert fig.layout.yaxis.title.text == "Requests and seats"
    stacked = sum(sum(t.y) for t in fig.data[:4])
    assert stacked == sum(len(p.requests) for p in term.participants)


def test_attendance_rates(running: Ledger) -> None:
    att = frames.attendance(running)
    fig = figures.attendance_rates(att, frames.makeups(running))
    assert fig.layout.title.text == "Attendance and makeups over the term"
    assert [t.type for t in fig.data] == ["scatter"] * 4
    assert names(fig) == [
        "Attended (of marked places)",
        "Absent (of marked places)",
        "Excused (of marked places)",
        "Missed places with a makeup booked",
    ]
    assert len(fig.data[0].x) == 2  # two weeks marked
    for trace in fig.data[:3]:
        assert all(0 <= y <= 1 for y in trace.y)
    assert sum(fig.data[i].y[0] for i in range(3)) == pytest.approx(1.0)
    assert fig.layout.xaxis.title.text == "Week starting"
    assert fig.layout.yaxis.title.text == "Share"


def test_findings_by_code(findings: pd.DataFrame) -> None:
    fig = figures.findings_by_code(findings)
    assert fig.layout.title.text == "Audit findings by code and payer"
    assert {t.type for t in fig.data} == {"bar"}
    payers = set(findings["payer"].fillna("(no payer)"))
    assert set(names(fig)) == payers
    assert len(fig.data) == 6
    assert fig.data[0].y[-1] == "PROGRESS_REPORT_DUE"  # the most frequent code on top
    assert sum(sum(t.x) for t in fig.data) == len(findings)
    assert fig.layout.xaxis.title.text == "Findings"
    assert fig.layout.yaxis.title.text == "Finding code"


def test_solver_progress(term: Term) -> None:
    recorder = ProgressRecorder().start()
    result = solve(term, SolveOptions(time_limit=6, seed=0), progress=recorder)
    progress = frames.solver_progress(recorder)
    assert list(progress.columns) == ["phase", "elapsed", "phase_elapsed", "score", "bound", "gap"]
    assert len(progress) == len(recorder.points) > 0
    assert progress["elapsed"].is_monotonic_increasing
    assert set(progress["phase"]) <= {"score", "secondary"}
    found = progress.loc[progress["phase"] == "score", "score"].dropna()
    assert (found <= result.schedule.score).all()
    fig = figures.solver_progress(progress)
    assert fig.layout.title.text == "Solver score and bound"
    assert [t.type for t in fig.data] == ["scatter", "scatter"]
    assert names(fig) == ["Best score", "Proven bound"]
    assert fig.data[0].line.shape == "hv"
    assert fig.layout.xaxis.title.text == "Seconds since the solve started"
    assert fig.layout.yaxis.title.text == "Weighted placed requests"


def test_solver_progress_scale_and_secondary_phase() -> None:
    recorder = ProgressRecorder()
    for phase, score, bound, t in [
        ("score", None, 65368, 0.1),
        ("score", 100, 130, 0.5),
        ("score", 120, 125, 1.0),
        ("secondary", 40, None, 0.2),
    ]:
        recorder(phase, score, bound, t)
    fig = figures.solver_progress(frames.solver_progress(recorder))
    assert [len(t.x) for t in fig.data] == [2, 3]
    assert [a.text for a in fig.layout.annotations] == [
        "early bounds up to 65,368 are above the axis",
        "secondary aims",
    ]
    low, high = fig.layout.yaxis.range
    assert low < 100 and 130 < high < 200, "the axis follows the score, not the raw domain"


def test_variants(term: Term, schedule: Schedule) -> None:
    fewer = schedule.model_copy(update={"waitlist": schedule.waitlist[:10]})
    frame = frames.variants({"baseline": (term, schedule), "fewer": (term, fewer)})
    assert frame["variant"].tolist() == ["baseline", "fewer"]
    assert frame["waitlisted"].tolist() == [len(schedule.waitlist), 10]
    fig = figures.variants(frame)
    assert fig.layout.title.text == "What-if variants"
    assert [t.type for t in fig.data] == ["scatter", "scatter", "bar", "bar", "bar"]
    assert names(fig) == [
        "Score",
        "Proven bound",
        "Waitlisted: required",
        "Waitlisted: recommended",
        "Waitlisted: optional",
    ]
    assert list(fig.data[0].x) == ["baseline", "fewer"]
    assert fig.layout.xaxis.title.text == "Variant"
    assert fig.layout.yaxis.title.text == "Score (weighted placed requests)"
    assert fig.layout.yaxis2.title.text == "Waitlisted requests"


# -- frames and figures of empty and sparse terms --------------------------------------------------


def kinds(frame: pd.DataFrame) -> dict[str, str]:
    return {
        c: "category" if isinstance(d, pd.CategoricalDtype) else str(d)
        for c, d in frame.dtypes.items()
    }


@pytest.fixture(scope="module")
def bare() -> tuple[Term, Schedule]:
    """A term with no participants, group types, rooms or staff, and its (empty) schedule."""
    term = parse_term(tiny_term(0, rooms=[], staff=[], group_types=[]), source="bare")
    return term, solve(term, SolveOptions(time_limit=2)).schedule


def test_frames_keep_columns_and_dtypes_when_empty(
    term: Term,
    schedule: Schedule,
    running: Ledger,
    bare: tuple[Term, Schedule],
    tmp_path: Path,
) -> None:
    empty_ledger = open_ledger(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    publish(empty_ledger, *bare)
    full_findings = frames.findings(
        audit(term, schedule, load_records(EXAMPLES / "demo_records.json", term), AS_OF), term
    )
    pairs = {
        name: (getattr(frames, name)(term, schedule), getattr(frames, name)(*bare))
        for name in (
            "sections",
            "meetings",
            "rosters",
            "waitlist",
            "demand",
            "staff_load",
            "room_use",
        )
    }
    pairs["attendance"] = (frames.attendance(running), frames.attendance(empty_ledger))
    pairs["makeups"] = (frames.makeups(running), frames.makeups(empty_ledger))
    pairs["findings"] = (full_findings, frames.findings([]))
    pairs["fix_first"] = (frames.fix_first(full_findings), frames.fix_first(frames.findings([])))
    pairs["variants"] = (frames.variants({"demo": (term, schedule)}), frames.variants({}))
    recorder = ProgressRecorder()
    recorder("score", 10, 12, 0.1)
    pairs["solver_progress"] = (
        frames.solver_progress(recorder),
        frames.solver_progress(ProgressRecorder()),
    )
    empty_ledger.dispose()
    for name, (full, empty) in pairs.items():
        assert len(full) and empty.empty, name
        assert kinds(empty) == kinds(full), name


def test_day_columns_list_every_clinic_day(term: Term, schedule: Schedule) -> None:
    """A clinic day without meetings keeps its row in the timetable (a quiet Wednesday is not a
    closed one)."""
    quiet = schedule.model_copy(
        update={
            "sections": [s for s in schedule.sections if all(m.day != "wed" for m in s.meetings)]
        }
    )
    meetings = frames.meetings(term, quiet)
    assert "Wed" not in set(meetings["day"])
    assert list(meetings["day"].cat.categories) == ["Mon", "Tue", "Wed", "Thu", "Fri"]
    fig = figures.timetable(meetings)
    assert [a.text for a in fig.layout.annotations] == ["Mon", "Tue", "Wed", "Thu", "Fri"]
    week = figures.participant_week(meetings, frames.rosters(term, quiet), "P0021")
    assert list(week.layout.yaxis.categoryarray) == ["Mon", "Tue", "Wed", "Thu", "Fri"]


def test_figures_of_empty_frames_say_what_is_missing(
    bare: tuple[Term, Schedule], tmp_path: Path
) -> None:
    term, schedule = bare
    ledger = open_ledger(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    publish(ledger, term, schedule)
    drawn = {
        "No section meets": figures.timetable(frames.meetings(term, schedule)),
        "No staff in the term": figures.staff_load(frames.staff_load(term, schedule)),
        "No rooms in the term": figures.room_utilisation(frames.room_use(term, schedule)),
        "No group types in the term": figures.demand_capacity(frames.demand(term, schedule)),
        "No variants": figures.variants(frames.variants({})),
        "No attendance marked yet": figures.attendance_rates(
            frames.attendance(ledger), frames.makeups(ledger)
        ),
        "No findings: nothing to fix": figures.findings_by_code(frames.findings([])),
        "No progress recorded": figures.solver_progress(frames.solver_progress(ProgressRecorder())),
    }
    ledger.dispose()
    for note, fig in drawn.items():
        assert note in [a.text for a in fig.layout.annotations], note
        assert fig.layout.title.text


def test_makeup_share_counts_only_marked_missed_places(
    term: Term, schedule: Schedule, tmp_path: Path
) -> None:
    """Makeups recovering a closed day's places are not makeups of marked absences: the share
    stays a share (it read 236 % on notebook 02's closed week)."""
    ledger = open_ledger(f"sqlite:///{tmp_path / 'closed.sqlite'}")
    publish(ledger, term, schedule)
    wednesday = FIRST_MONDAY + dt.timedelta(days=2)
    report = close_day(
        ledger, wednesday, now=dt.datetime.combine(FIRST_MONDAY, dt.time(7)), time_limit=3
    )
    assert report.recovered, "the closed day's places are recovered as makeups"
    rng = random.Random(11)
    mark_days(ledger, FIRST_MONDAY, FIRST_MONDAY + dt.timedelta(days=4), rng, Rates(absent=0.1))
    book_makeups(ledger, dt.datetime.combine(FIRST_MONDAY + dt.timedelta(days=4), dt.time(18)))
    att, mk = frames.attendance(ledger), frames.makeups(ledger)
    ledger.dispose()
    missed = att[att["status"].isin(["absent", "excused"])]
    booked = set(zip(mk["missed_session_id"], mk["participant"], strict=True))
    covered = sum(
        (s, p) in booked for s, p in zip(missed["session_id"], missed["participant"], strict=True)
    )
    assert len(mk) > covered, "more makeups than marked absences: the closed day's too"
    share = figures.attendance_rates(att, mk).data[3]
    assert list(share.y) == [pytest.approx(covered / len(missed))]
    assert [list(row) for row in share.customdata] == [[covered, len(missed)]]
