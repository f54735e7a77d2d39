"""Every route that touches participant data writes an access-log row, whatever its answer,
checked route by route from the route table."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from api.http.access import ids_in_text, participant_ids, response_strings
from api.http.auth import PERMISSIONS, ROLES
from ledger.schema import AccessLog
from models import document, parse_term
from optimizer import solve_greedy
from tests.http_support import (
    bearer,
    filled,
    guarded_routes,
    is_audited,
    permission_of,
    publish_tiny,
    served,
    tiny_doc,
)

NO_PARTICIPANT_DATA = {"/v1/tokens", "/v1/tokens/{token_id}"}


def test_every_participant_route_writes_an_access_row(tmp_path: Path) -> None:
    with served(tmp_path) as (app, client):
        publish_tiny(client, bearer(app, "director"))
        holders = {r: bearer(app, r, "ot1" if r == "clinician" else None) for r in ROLES}
        ledger = app.state.ledger
        checked = 0
        for method, path, route in guarded_routes(app):
            if path in NO_PARTICIPANT_DATA:
                assert not is_audited(route)
                continue
            assert is_audited(route), f"{method} {path} does not declare the audited dependency"
            role = next(r for r in ROLES if r in PERMISSIONS[permission_of(route) or ""])
            app.state.access_log.flush()
            with ledger.read() as s:
                before = s.scalar(select(func.max(AccessLog.id))) or 0
            response = client.request(method, filled(path), headers=holders[role])
            app.state.access_log.flush()
            with ledger.read() as s:
                rows = s.scalars(select(AccessLog).where(AccessLog.id > before)).all()
            assert [(r.method, r.route) for r in rows] == [(method, path)], (method, path)
            assert rows[0].status == response.status_code and rows[0].role == role
            assert rows[0].action == ("read" if method == "GET" else "write")
            named = ids_in_text(response.text, {f"P{i}" for i in range(1, 7)})
            assert named <= set(rows[0].participants), (method, path, named)
            checked += 1
        assert checked >= 35


def test_participant_ids_are_found_at_any_depth() -> None:
    doc = {"participant": "P1", "offers": [{"offer": {"participant": "P2"}}], "moved": ["P3"]}
    assert participant_ids(doc) == {"P1", "P2", "P3"}
    assert participant_ids([{"participants": ["P4", "P5"]}, "P6"]) == {"P4", "P5"}


def test_ids_inside_text_are_found_as_words_or_word_starts() -> None:
    known = {"P07", "P08", "P0001", "P05", "P1", "P45", "P47", "6"}
    text = (
        '{"passed_over": ["P07 is outside the age band"], "note": "discharge P08: completed",'
        ' "session": "P0001-stress-1-2027-09-13", "end": "with P05.", "id": "P10", "x": "AP1",'
        ' "reason": "family moved (P45\u2019s sibling)", "more": "transferred\\nP47 too",'
        ' "sections": 6}'
    )
    named = {pid for part in response_strings(text) for pid in ids_in_text(part, known)}
    assert named == {"P07", "P08", "P0001", "P05", "P45", "P47"}, "a number is not a name"
    page = '<a href="/desk/participants/P1">P05&#39;s week</a>'
    assert {p for part in response_strings(page) for p in ids_in_text(part, known)} == {
        "P1",
        "P05",
    }
    assert ids_in_text(text, set()) == set()


def test_a_participant_named_only_in_text_is_logged(tmp_path: Path) -> None:
    """A version's note names the discharged participant ("discharge P1: …"): reading the
    versions is a read of P1, though no handler listed P1 (it logged no one before)."""
    with served(tmp_path) as (app, client):
        director = bearer(app, "director")
        publish_tiny(client, director)
        body = {"participant": "P1", "from_date": "2027-01-11", "reason": "completed"}
        assert client.post("/v1/discharges", json=body, headers=director).status_code == 200
        app.state.access_log.flush()
        with app.state.ledger.read() as s:
            before = s.scalar(select(func.max(AccessLog.id))) or 0
        listed = client.get("/v1/schedules", headers=director)
        assert listed.status_code == 200 and "P1" in listed.text
        app.state.access_log.flush()
        with app.state.ledger.read() as s:
            row = s.scalars(select(AccessLog).where(AccessLog.id > before)).one()
        assert row.route == "/v1/schedules" and "P1" in row.participants


def test_an_uploaded_terms_participants_named_in_text_are_logged(tmp_path: Path) -> None:
    """Validating a schedule for an uploaded (unpublished) term names people whose requests
    went missing; they are not in a term in force, yet the read is theirs."""
    with served(tmp_path) as (app, client):
        director = bearer(app, "director")
        doc = tiny_doc()
        term_id = client.post("/v1/terms", json=doc, headers=director).json()["id"]
        schedule = document(solve_greedy(parse_term(doc)).schedule)
        gone = schedule["sections"][0]["participants"][0]  # in no section, on no waitlist
        for section in schedule["sections"]:
            section["participants"] = [p for p in section["participants"] if p != gone]
        schedule["waitlist"] = [w for w in schedule["waitlist"] if w["participant"] != gone]
        answer = client.post(
            f"/v1/terms/{term_id}/validate-schedule", json=schedule, headers=director
        )
        missing = [gone] if gone in answer.text else []
        assert answer.status_code == 200 and missing, answer.text
        app.state.access_log.flush()
        with app.state.ledger.read() as s:
            row = s.scalars(select(AccessLog).order_by(AccessLog.id.desc())).first()
        assert row is not None and row.route == "/v1/terms/{term_id}/validate-schedule"
        assert set(missing) <= set(row.participants), set(missing) - set(row.participants)
