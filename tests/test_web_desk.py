"""The web desk through FastAPI's TestClient: logins, roles, CSRF, and the desk's flows.

Role and CSRF rules are checked for every desk route, generated from the app's route table:
a scheduler's session gets 403 on each route needing a permission the scheduler lacks (every
director page), no session is sent to the login page, and a POST without the session's CSRF
token is refused (403).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import time
from importlib.resources import files

from fastapi import FastAPI
from fastapi.testclient import TestClient
from helpers import tiny_term
from sqlalchemy import select
from web_support import desk_client, desk_routes, filled, login, text_of, token_for

from api.http.auth import PERMISSIONS, revoke_token
from ledger.admissions import discharge
from ledger.makeups import makeup_options
from ledger.schema import AccessLog
from ledger.state import published
from models import parse_term
from models.spreadsheet import write_term_workbook

EXAMPLES = files("models") / "examples"
DEMO_DAY = "2027-09-13"


# -- sessions, roles, CSRF ---------------------------------------------------------------------


def test_every_desk_route_is_in_the_table(served):
    app, _ = served
    paths = {path for _, path, _ in desk_routes(app)}
    assert {"/desk/today", "/desk/makeups", "/director", "/director/timetable"} <= paths
    assert all(p in PERMISSIONS for _, _, perms in desk_routes(app) for p in perms)


def test_no_session_goes_to_login(served):
    app, client = served
    for method, path, _ in desk_routes(app):
        answer = client.request(method, filled(path), follow_redirects=False)
        assert answer.status_code == 303, (method, path)
        assert answer.headers["location"].startswith("/login"), (method, path)


def test_scheduler_gets_403_on_every_director_route(served):
    app, client = served
    csrf = login(client, token_for(app, "scheduler"))
    refused = [
        (m, p)
        for m, p, perms in desk_routes(app)
        if not all("scheduler" in PERMISSIONS[x] for x in perms)
    ]
    assert any(p.startswith("/director") for _, p in refused)
    for method, path in refused:
        answer = client.request(
            method,
            filled(path),
            data={"csrf": csrf} if method == "POST" else None,
            follow_redirects=False,
        )
        assert answer.status_code == 403, (method, path, answer.status_code)
        assert "may not open this page" in answer.text
    director_pages = {p for _, p, perms in desk_routes(app) if "desk:director" in perms}
    assert director_pages <= {p for _, p in refused}
    # the scheduler's own pages open, and the menu shows no director page
    today = client.get(f"/desk/today?date={DEMO_DAY}")
    assert today.status_code == 200 and 'href="/director"' not in today.text


def test_post_without_csrf_is_403(served):
    app, client = served
    login(client, token_for(app, "director"))
    posts = [path for method, path, _ in desk_routes(app) if method == "POST"]
    assert "/desk/attendance" in posts and "/director/solves" in posts
    for path in posts:
        for form in ({}, {"csrf": "not-the-token"}):
            answer = client.post(filled(path), data=form, follow_redirects=False)
            assert answer.status_code == 403, (path, form)
            assert "security token" in answer.text


def test_login_rules(served):
    app, client = served

    def fresh() -> str:
        return re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)

    assert client.post("/login", data={"token": "otg_nope", "csrf": fresh()}).status_code == 401
    scheduler = token_for(app, "scheduler")
    fresh()
    assert client.post("/login", data={"token": scheduler, "csrf": "x"}).status_code == 403
    analyst = token_for(app, "analyst")
    assert client.post("/login", data={"token": analyst, "csrf": fresh()}).status_code == 403
    done = client.post("/login", data={"token": scheduler, "csrf": fresh()}, follow_redirects=False)
    cookie = done.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    assert scheduler not in cookie  # the token never goes into the cookie
    assert done.headers["location"] == "/desk/today"
    client.cookies.clear()
    for target in ("//evil.example/", "/\\evil.example/", "https://evil.example/"):
        away = client.post(
            "/login",
            data={"token": scheduler, "csrf": fresh(), "next": target},
            follow_redirects=False,
        )
        assert away.headers["location"] == "/desk/today", target


def test_logout_and_revocation_end_sessions(served):
    app, client = served
    token = token_for(app, "scheduler")
    csrf = login(client, token)
    saved = dict(client.cookies)
    assert client.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    client.cookies.update(saved)  # replaying the old cookie does not work either
    assert client.get("/desk/today", follow_redirects=False).status_code == 303
    client.cookies.clear()
    login(client, token)
    assert client.get("/desk/today").status_code == 200
    revoke_token(app.state.ledger, _token_id(app, "scheduler"))
    assert client.get("/desk/today", follow_redirects=False).status_code == 303


def _token_id(app: FastAPI, role: str) -> int:
    from api.http.auth import list_tokens

    return next(t.id for t in list_tokens(app.state.ledger) if t.role == role)


def test_pages_load_nothing_from_elsewhere(served):
    app, client = served
    login(client, token_for(app, "director"))
    for path in ["/desk/today", "/director", "/director/timetable", "/director/audit"]:
        page = client.get(path)
        assert page.status_code == 200, path
        assert not re.search(r'(src|href)="(https?:)?//', page.text), path
        assert "default-src 'self'" in page.headers["content-security-policy"]
    js = client.get("/static/plotly.min.js")
    assert js.status_code == 200 and len(js.content) > 1_000_000
    assert client.get("/static/desk.css").status_code == 200


# -- the VA desk -------------------------------------------------------------------------------


ROSTER = re.compile(
    r'name="session_id" value="(\d+)">\s*<input type="hidden" name="participant" value="([^"]+)"'
)


def _first_roster(page: str) -> tuple[int, str]:
    found = ROSTER.search(page)
    assert found, page[:2000]
    return int(found.group(1)), found.group(2)


def makeup_case(app: FastAPI, page: str) -> tuple[int, str]:
    """A (session, participant) of the day's rosters who could make that session up."""
    for sid, pid in ROSTER.findall(page):
        if makeup_options(app.state.ledger, pid, int(sid)):
            return int(sid), pid
    raise AssertionError("no one on the day's rosters has a makeup option")


def test_the_desk_marks_only_excused_ahead_of_a_session(demo_file, tmp_path):
    """The desk's clock (OTGROUPS_NOW here: the demo's first morning, before any session)."""
    db = tmp_path / "early.sqlite"
    db.write_bytes(demo_file.read_bytes())
    with desk_client(db, now=f"{DEMO_DAY}T07:00") as (app, client):
        csrf = login(client, token_for(app, "scheduler"))
        session_id, pid = _first_roster(client.get(f"/desk/today?date={DEMO_DAY}").text)
        form = {"csrf": csrf, "session_id": session_id, "participant": pid, "date": DEMO_DAY}
        early = client.post("/desk/attendance", data={**form, "status": "present"})
        assert "only excused can be recorded before a session is held" in text_of(early.text)
        excused = client.post("/desk/attendance", data={**form, "status": "excused"})
        assert f"{pid} marked excused" in text_of(excused.text)


def test_makeup_booking_end_to_end(served):
    app, client = served
    csrf = login(client, token_for(app, "scheduler"))
    today = client.get(f"/desk/today?date={DEMO_DAY}")
    session_id, pid = makeup_case(app, today.text)
    marked = client.post(
        "/desk/attendance",
        data={
            "csrf": csrf,
            "session_id": session_id,
            "participant": pid,
            "status": "absent",
            "date": DEMO_DAY,
        },
    )
    assert f"{pid} marked absent" in text_of(marked.text)
    finder = client.get(f"/desk/makeups?participant={pid}&missed={session_id}")
    options = re.findall(r'name="option" value="([^"]+)"', finder.text)
    assert options, text_of(finder.text)[:2000]
    assert "seats left" in finder.text or "seat left" in finder.text
    option = json.loads(html.unescape(options[0]))
    booked = client.post(
        "/desk/makeups/book",
        data={
            "csrf": csrf,
            "participant": pid,
            "missed": session_id,
            "option": html.unescape(options[0]),
        },
    )
    shown = text_of(booked.text)
    assert f"Booked makeup 1: {pid} into" in shown and option["date"] in shown
    assert re.search(r"Booked\s+\(makeup 1, session \d+\)", shown)
    app.state.access_log.flush()  # rows are written in batches
    with app.state.ledger.read() as s:
        rows = s.scalars(select(AccessLog).where(AccessLog.route == "/desk/makeups/book")).all()
        reads = s.scalars(select(AccessLog).where(AccessLog.route == "/desk/today")).all()
    assert rows and rows[-1].participants == [pid] and rows[-1].action == "write"
    assert reads and pid in reads[-1].participants and reads[-1].role == "scheduler"


def test_waitlists_participant_week_and_discharge(served):
    """The VA's own work: a scheduler's session, not the director's."""
    app, client = served
    csrf = login(client, token_for(app, "scheduler"))
    waiting = client.get("/desk/waitlists")
    assert waiting.status_code == 200 and "Waiting (" in waiting.text
    today = client.get(f"/desk/today?date={DEMO_DAY}")
    session_id, pid = _first_roster(today.text)
    week = client.get(f"/desk/participants/{pid}?date={DEMO_DAY}")
    assert week.status_code == 200 and "Sessions this week" in week.text
    section = re.search(
        rf'id="session-{session_id}".*?<span class="muted">([^<]+)</span>', today.text, re.S
    ).group(1)
    assert f"<td>{DEMO_DAY}</td>" in week.text and section in week.text
    assert client.get("/desk/participants/NOBODY").status_code == 404
    gone = client.post(
        "/desk/admissions/discharge",
        data={"csrf": csrf, "participant": pid, "from_date": "2027-09-20", "reason": "moved"},
    )
    assert f"{pid} discharged from 2027-09-20" in text_of(gone.text)
    offers = re.findall(r"/desk/waitlists/offers/(\d+)/accept", client.get("/desk/waitlists").text)
    if offers:  # a freed place went to a waiting request: accept it
        accepted = client.post(f"/desk/waitlists/offers/{offers[0]}/accept", data={"csrf": csrf})
        assert "published" in text_of(accepted.text)


def test_a_day_the_desk_cannot_show_is_said_not_swapped(served):
    """A date typed another way, or outside the term, showed another day without a word: a VA
    could mark attendance on the wrong day. Now the page says which day it shows instead."""
    app, client = served
    login(client, token_for(app, "scheduler"))
    for typed, said in [
        ("05/01/2027", "'05/01/2027' is not a date (YYYY-MM-DD): showing"),
        ("2030-01-01", "2030-01-01 is outside the term (2027-09-13 to"),
    ]:
        first = client.get("/desk/today", params={"date": typed}, follow_redirects=False)
        assert first.status_code == 303
        shown = client.get(first.headers["location"])
        assert shown.status_code == 200 and said in text_of(shown.text)
    week = client.get("/desk/participants/P0001", params={"date": "garbage"})
    assert "'garbage' is not a date (YYYY-MM-DD): showing" in text_of(week.text)
    plain = client.get(f"/desk/today?date={DEMO_DAY}")
    assert "is not a date" not in plain.text and "outside the term" not in plain.text


def test_a_desk_discharge_names_the_sections_it_leaves_short(served):
    app, client = served
    csrf = login(client, token_for(app, "scheduler"))
    gone = client.post(
        "/desk/admissions/discharge",
        data={"csrf": csrf, "participant": "P0039", "from_date": "2027-09-22", "reason": ""},
    )
    said = text_of(gone.text)
    assert "P0039 discharged from 2027-09-22" in said
    for section in ("teen-social-skills-1", "teen-coping-1"):
        assert f"{section} has 2 member(s), under" in said
    # the page that showed the message is a read of everyone it names
    app.state.access_log.flush()
    with app.state.ledger.read() as s:
        row = s.scalars(
            select(AccessLog)
            .where(AccessLog.route == "/desk/admissions", AccessLog.method == "GET")
            .order_by(AccessLog.id.desc())
        ).first()
    assert row is not None and "P0039" in row.participants
    named = set(re.findall(r"\bP\d{4}\b", said))
    assert named <= set(row.participants), named - set(row.participants)


# -- the director's desk ----------------------------------------------------------------------


def _wait_done(client: TestClient, job_path: str, limit: float = 90.0) -> dict:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        state = client.get(job_path + "/progress").json()
        if state["state"] != "running":
            return state
        time.sleep(0.3)
    raise AssertionError("the solve did not finish")


def test_director_uploads_solves_and_publishes(tmp_path):
    with desk_client(tmp_path / "fresh.sqlite", max_solve_seconds=5) as (app, client):
        csrf = login(client, token_for(app, "director"))
        doc = tiny_term(6)
        uploaded = client.post(
            "/director/terms",
            data={"csrf": csrf},
            files={"term_file": ("tiny.json", json.dumps(doc), "application/json")},
        )
        assert "Term 1 (tiny.json): 6 participants" in text_of(uploaded.text)
        bad = client.post(
            "/director/terms",
            data={"csrf": csrf},
            files={
                "term_file": ("bad.json", json.dumps({**doc, "rooms": "x"}), "application/json")
            },
        )
        assert "was not accepted" in text_of(bad.text)
        started = client.post(
            "/director/solves",
            data={"csrf": csrf, "term_id": 1, "time_limit": 2},
            follow_redirects=False,
        )
        job_path = started.headers["location"]
        assert job_path.startswith("/director/solves/")
        state = _wait_done(client, job_path)
        assert state["state"] == "done" and state["score"] is not None
        result = client.get(job_path)
        assert "Publish" in result.text and "sections" in result.text
        published = client.post(job_path + "/publish", data={"csrf": csrf, "note": "first"})
        assert "Published schedule v1" in text_of(published.text)
        assert 'id="timetable-data"' in published.text
        figure = re.search(r'id="timetable-data">(.*?)</script>', published.text, re.S).group(1)
        assert json.loads(figure)["data"]
        again = client.post(job_path + "/publish", data={"csrf": csrf, "note": "first"})
        assert "Not published: this schedule is already published as version 1" in text_of(
            again.text
        )
        versions = client.get("/director/versions")
        assert "v1" in versions.text and "nothing to compare" in versions.text
        leaver = next(p for sec in load_schedule_of(app) for p in sec.participants)
        discharge(app.state.ledger, leaver, dt.date(2027, 1, 11), "moved")
        form = {"csrf": csrf, "from_date": "2027-01-18"}
        undo = text_of(client.post(job_path + "/publish", data=form).text)
        assert "Not published: publishing this would undo changes" in undo and leaver in undo
        forced = client.post(job_path + "/publish", data={**form, "undo_changes": "true"})
        assert "Published schedule v3 from 2027-01-18" in text_of(forced.text)


def load_schedule_of(app: FastAPI) -> list:
    """The sections of the schedule in force."""
    with app.state.ledger.read() as s:
        return published(s).schedule.sections


def test_director_is_told_why_a_term_cannot_be_solved(tmp_path):
    doc = tiny_term(4)
    doc["staff"][0]["role"] = "PEER"  # no one may lead the group
    with desk_client(tmp_path / "fresh.sqlite") as (app, client):
        csrf = login(client, token_for(app, "director"))
        uploaded = client.post(
            "/director/terms",
            data={"csrf": csrf},
            files={"term_file": ("peer.json", json.dumps(doc), "application/json")},
        )
        assert "flash-warning" in uploaded.text
        assert "Before solving: Grp: Grp needs 1 leader(s) of role OT, OTA" in text_of(
            uploaded.text
        )
        refused = client.post("/director/solves", data={"csrf": csrf, "term_id": 1})
        shown = text_of(refused.text)
        assert "Term 1 cannot be solved" in shown and "leader(s) of role OT, OTA" in shown
        assert not app.state.jobs.recent()  # no solve was started


def test_director_uploads_a_workbook(tmp_path):
    path = tmp_path / "tiny.xlsx"
    write_term_workbook(parse_term(tiny_term(4)), path)
    with desk_client(tmp_path / "fresh.sqlite") as (app, client):
        csrf = login(client, token_for(app, "director"))
        uploaded = client.post(
            "/director/terms",
            data={"csrf": csrf},
            files={"term_file": ("tiny.xlsx", path.read_bytes(), "application/octet-stream")},
        )
        assert "Term 1 (tiny.xlsx): 4 participants" in text_of(uploaded.text)


def test_audit_summary(served):
    app, client = served
    csrf = login(client, token_for(app, "director"))
    assert "No audit has been run yet" in client.get("/director/audit").text
    records = (EXAMPLES / "demo_records.json").read_bytes()
    ran = client.post(
        "/director/audit",
        data={"csrf": csrf, "as_of": "2027-10-24"},
        files={"records_file": ("records.json", records, "application/json")},
    )
    shown = text_of(ran.text)
    assert "Fix first" in shown and re.search(r"Audit 1: \d+ findings", shown)
    app.state.access_log.flush()
    with app.state.ledger.read() as s:
        row = s.scalars(select(AccessLog).where(AccessLog.route == "/director/audit")).all()[-1]
    assert row.participants  # the findings' participants were logged


def test_an_audit_with_a_payers_wrong_rules_says_why(served):
    app, client = served
    csrf = login(client, token_for(app, "director"))
    doc = json.loads((EXAMPLES / "demo_records.json").read_text(encoding="utf-8"))
    doc["payers"][0]["rules"] = {"profile": "medicare-part-b", "overrides": {"unit_minutes": "x"}}
    ran = client.post(
        "/director/audit",
        data={"csrf": csrf, "as_of": "2027-10-24"},
        files={"records_file": ("records.json", json.dumps(doc), "application/json")},
    )
    assert ran.status_code == 200
    shown = text_of(ran.text)
    assert "Not audited: records.json" in shown
    assert "payers[0].rules.overrides.unit_minutes" in shown
    assert "No audit has been run yet" in client.get("/director/audit").text


def test_a_re_solve_can_keep_people_in_their_sections(served):
    app, client = served
    csrf = login(client, token_for(app, "director"))
    demo = json.loads((EXAMPLES / "demo_clinic.json").read_text())
    for name, doc in [
        ("demo.json", demo),
        ("short.json", {**demo, "participants": demo["participants"][1:]}),
    ]:
        client.post(
            "/director/terms",
            data={"csrf": csrf},
            files={"term_file": (name, json.dumps(doc), "application/json")},
        )
    assert "keep people in their sections of v1" in client.get("/director").text
    # P0001 left: the others are kept, and the director is told what v1 names that is gone.
    without = client.post(
        "/director/solves", data={"csrf": csrf, "term_id": 2, "keep": "true", "time_limit": 3}
    )
    shown = text_of(without.text)
    assert "Solving; schedule v1 names what the term no longer has (1 participant (P0001))" in shown
    job = app.state.jobs.find(str(without.url).rsplit("/", 1)[-1])
    assert job is not None and "P0001" in job.options["previous_not_in_term"]
    assert _wait_done(client, str(without.url))["state"] == "done"
    started = client.post(
        "/director/solves",
        data={"csrf": csrf, "term_id": 1, "keep": "true", "time_limit": 3},
        follow_redirects=False,
    )
    job = app.state.jobs.find(started.headers["location"].rsplit("/", 1)[-1])
    assert job is not None and job.options["previous_version"] == 1
    assert "previous_not_in_term" not in job.options
    assert _wait_done(client, started.headers["location"])["state"] == "done"


def test_the_desks_today_is_the_clinics_not_the_servers():
    """On a UTC server every evening in Chicago was already tomorrow on the desk."""
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo

    from api.web.common import clinic_today
    from models import load_term

    term = load_term(files("models") / "examples" / "demo_clinic.json")
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):  # UTC+14 and UTC-11
        here = term.model_copy(update={"clinic": term.clinic.model_copy(update={"timezone": zone})})
        pub = SimpleNamespace(term=here)
        assert clinic_today(pub) == dt.datetime.now(ZoneInfo(zone)).date()  # type: ignore[arg-type]
