"""Errors are problem+json: a bad field by its path, unknown ids 404, lost races 409, an
infeasible term 422 with its reasons, the size and solve limits, and a 500 that says nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.http.app import create_app
from api.http.settings import Settings
from tests.helpers import tiny_term
from tests.http_support import bearer, publish_tiny, served

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, TestClient]]:
    with served(
        tmp_path_factory.mktemp("problems"),
        max_body_bytes=20_000,
        max_concurrent_solves=1,
        max_solve_seconds=30,
    ) as pair:
        yield pair


@pytest.fixture(scope="module")
def director(api: tuple[FastAPI, TestClient]) -> dict[str, str]:
    return bearer(api[0], "director")


@pytest.fixture(scope="module")
def published(api: tuple[FastAPI, TestClient], director: dict[str, str]) -> dict[str, Any]:
    return publish_tiny(api[1], director)


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["type"].startswith("https://") and body["title"]
    return body


def test_a_bad_field_is_named_by_its_path(api: Any, director: dict[str, str]) -> None:
    client = api[1]
    doc = tiny_term()
    doc["participants"][1]["requests"][0]["group_type"] = "grpp"
    body = _problem(client.post("/v1/terms", json=doc, headers=director), 422)
    assert body["path"] == "participants[1].requests[0].group_type"
    assert "grpp" in body["detail"]
    doc = tiny_term()
    doc["rooms"][0]["capacity"] = "lots"
    body = _problem(client.post("/v1/terms", json=doc, headers=director), 422)
    assert body["path"] == "rooms[0].capacity" and "'lots'" in body["errors"][0]["message"]


@pytest.mark.parametrize("value", ["1736035200", "20270105", "05/01/2027", "2027-01-05T09:00"])
def test_a_date_is_written_as_the_contract_writes_it(
    api: Any, director: dict[str, str], published: Any, value: str
) -> None:
    """A query date or a body date other than YYYY-MM-DD is a 422 naming it and its value;
    pydantic alone read a number as a Unix timestamp (an empty answer, 200)."""
    client = api[1]
    body = _problem(client.get("/v1/sessions", params={"from": value}, headers=director), 422)
    assert body["path"] == "from"
    assert f"{value!r} is not a date like '2027-01-04'" in body["detail"]
    discharge = {"participant": "P1", "from_date": int(value) if value.isdigit() else value}
    body = _problem(client.post("/v1/discharges", json=discharge, headers=director), 422)
    assert body["path"] == "from_date"
    week = {"from": "2027-01-04", "to": "2027-01-08"}
    assert client.get("/v1/sessions", params=week, headers=director).json()


def test_a_schedule_with_an_unknown_room_names_the_section(
    api: Any, director: dict[str, str], published: dict[str, Any]
) -> None:
    schedule = published["schedule"]
    bad = {**schedule, "sections": [dict(s) for s in schedule["sections"]]}
    bad["sections"][1]["room"] = "no-such-room"
    url = f"/v1/terms/{published['term']}/validate-schedule"
    body = _problem(api[1].post(url, json=bad, headers=director), 422)
    assert body["path"] == "sections[1].room"
    ok = api[1].post(url, json=schedule, headers=director).json()
    assert ok["valid"] and ok["score"] == ok["recomputed_score"]


def test_unknown_ids_are_404(api: Any, director: dict[str, str], published: Any) -> None:
    client = api[1]
    assert "term 99" in _problem(client.get("/v1/terms/99", headers=director), 404)["detail"]
    _problem(client.get("/v1/solves/nope", headers=director), 404)
    _problem(client.get("/v1/sessions/999999/attendance", headers=director), 404)
    _problem(client.delete("/v1/makeups/424242", headers=director), 404)
    _problem(client.post("/v1/offers/777/accept", headers=director), 404)
    _problem(client.get("/v1/schedules/55", headers=director), 404)
    _problem(client.get("/v1/nowhere", headers=director), 404)
    # a filter or a mark on an id the term does not have: 404, not an empty answer or a 409
    week = {"from": "2027-01-04", "to": "2027-01-08"}
    for params, named in [
        ({**week, "participant": "P99"}, "no participant 'P99' in the term"),
        ({**week, "section": "grp-9"}, "no section 'grp-9' in the term"),
    ]:
        assert (
            _problem(client.get("/v1/sessions", params=params, headers=director), 404)["detail"]
            == named
        )
    typo = client.get("/v1/waitlist", params={"group_type": "arts"}, headers=director)
    assert _problem(typo, 404)["detail"] == "no group type 'arts' in the term"
    assert client.get("/v1/waitlist", params={"group_type": "art"}, headers=director).is_success
    session = client.get("/v1/sessions", params=week, headers=director).json()[0]["session_id"]
    marks = {"marks": [{"participant": "P99", "status": "present"}]}
    url = f"/v1/sessions/{session}/attendance"
    assert "P99" in _problem(client.post(url, json=marks, headers=director), 404)["detail"]


def test_lost_races_and_refusals_are_409(
    api: Any, director: dict[str, str], published: Any
) -> None:
    client = api[1]
    session = client.get("/v1/sessions", params={"from": "2027-01-04"}, headers=director).json()
    grp = next(s for s in session if s["section"] == "grp-2")
    marks = {"marks": [{"participant": "P1", "status": "present"}]}
    url = f"/v1/sessions/{grp['session_id']}/attendance"
    assert "roster" in _problem(client.post(url, json=marks, headers=director), 409)["detail"]
    pid = grp["participants"][0]
    found = client.get(
        "/v1/makeups/options",
        params={"participant": pid, "missed_session_id": grp["session_id"]},
        headers=director,
    ).json()
    option = found["options"][0]
    body = {"participant": pid, "missed_session_id": grp["session_id"], "option": option}
    made = client.post("/v1/makeups", json=body, headers=director)
    assert made.status_code == 201
    again = _problem(client.post("/v1/makeups", json=body, headers=director), 409)
    assert pid in again["detail"]
    makeup = made.json()["makeup_id"]
    assert client.delete(f"/v1/makeups/{makeup}", headers=director).status_code == 200
    _problem(client.delete(f"/v1/makeups/{makeup}", headers=director), 409)


def test_a_marks_minutes_are_an_input_error_of_that_mark(
    api: Any, director: dict[str, str], published: Any
) -> None:
    """'late' without its minutes, or more minutes than the session lasts, is a 422 naming the
    mark's field (it was a 409 'refused by the ledger' with no path); nothing is written."""
    client = api[1]
    session = client.get("/v1/sessions", params={"from": "2027-01-04"}, headers=director).json()
    grp = next(s for s in session if s["participants"])
    first, *_ = grp["participants"]
    url = f"/v1/sessions/{grp['session_id']}/attendance"
    for late in (
        {"status": "late"},
        {"status": "late", "minutes": 500},
        {"status": "late", "minutes": True},  # read as 1 minute before
    ):
        marks = {
            "marks": [{"participant": first, "status": "present"}, {"participant": first, **late}]
        }
        body = _problem(client.post(url, json=marks, headers=director), 422)
        assert body["path"] == "marks[1].minutes"
        assert any(w in body["detail"] for w in ("late", "500 minutes", "integer")), body
    assert client.get(url, headers=director).json() == [], "all marks or none"


def test_a_body_that_is_not_json_is_a_400(api: Any, director: dict[str, str]) -> None:
    headers = {**director, "Content-Type": "application/json"}
    answer = api[1].post("/v1/terms", content=b'{"format": "otgroups.term/1"', headers=headers)
    body = _problem(answer, 400)
    assert body["detail"].startswith("the body is not JSON: ") and "path" not in body


def test_an_offer_nobody_fits_creates_nothing_and_says_200(
    api: Any, director: dict[str, str], published: Any
) -> None:
    """Nobody waits in the tiny term: no offer is made, so the answer is not '201 Created'."""
    body = {"target": "grp-1", "from_date": "2027-01-11"}
    answer = api[1].post("/v1/offers", json=body, headers=director)
    assert answer.status_code == 200, answer.text
    assert answer.json()["offer"] is None
    documented = api[1].get("/openapi.json").json()["paths"]["/v1/offers"]["post"]["responses"]
    assert {"200", "201"} <= set(documented)


def test_attendance_ahead_of_a_session_is_only_excused(tmp_path: Any) -> None:
    """A mark recorded months ahead read as a held, billable session. Before a session starts
    only 'excused' (a call-in) is recorded; the clinic's time is OTGROUPS_NOW here."""
    with served(tmp_path, now="2027-01-04T08:30") as (app, client):
        director = bearer(app, "director")
        publish_tiny(client, director)
        listed = client.get("/v1/sessions", params={"from": "2027-01-04"}, headers=director)
        first = min(listed.json(), key=lambda d: d["start"])
        pid, url = first["participants"][0], f"/v1/sessions/{first['session_id']}/attendance"
        assert first["start"] > "08:30"
        for status in ("present", "absent"):
            marks = {"marks": [{"participant": pid, "status": status}]}
            refused = _problem(client.post(url, json=marks, headers=director), 409)
            assert "only excused can be recorded before a session is held" in refused["detail"]
            assert "it is 2027-01-04 08:30 at the clinic" in refused["detail"]
        excused = {"marks": [{"participant": pid, "status": "excused"}]}
        assert client.post(url, json=excused, headers=director).status_code == 201


def test_rosters_as_they_stood_on_a_date(tmp_path: Any) -> None:
    """A discharge from a later date leaves the latest schedule at once; a VA printing the
    rosters of an earlier week asks for that date (the latest is the default)."""
    with served(tmp_path) as (app, client):
        director = bearer(app, "director")
        publish_tiny(client, director)
        gone = {"participant": "P1", "from_date": "2027-01-18", "reason": "completed"}
        assert client.post("/v1/discharges", json=gone, headers=director).status_code == 200

        def members(**params: str) -> set[str]:
            listed = client.get("/v1/sections", params=params, headers=director).json()
            return {pid for sec in listed for pid in sec["participants"]}

        assert "P1" not in members() and "P1" not in members(date="2027-01-18")
        assert "P1" in members(date="2027-01-11")
        early = client.get(
            "/v1/exports/schedule.csv", params={"date": "2027-01-11"}, headers=director
        )
        assert "P1" in early.text
        assert "P1" not in client.get("/v1/exports/schedule.csv", headers=director).text
        body = _problem(
            client.get("/v1/sections", params={"date": "2026-06-01"}, headers=director), 422
        )
        assert body["path"] == "date" and "outside the term" in body["detail"]


def test_an_infeasible_term_is_explained(api: Any, director: dict[str, str]) -> None:
    client = api[1]
    doc = tiny_term()
    doc["staff"][0]["role"] = "PEER"
    term_id = client.post("/v1/terms", json=doc, headers=director).json()["id"]
    body = _problem(client.post(f"/v1/terms/{term_id}/solves", headers=director), 422)
    assert body["type"].endswith("infeasible-term")
    assert any("leader(s) of role OT, OTA" in line for line in body["explanation"])


def test_request_size_is_capped(api: Any, director: dict[str, str]) -> None:
    big = tiny_term(n_participants=200)
    response = api[1].post("/v1/terms", json=big, headers=director)
    body = _problem(response, 413)
    assert "20000 bytes" in body["detail"]


def test_concurrent_solves_are_capped(api: Any, director: dict[str, str]) -> None:
    client = api[1]
    term_id = client.post("/v1/terms", json=tiny_term(), headers=director).json()["id"]
    first = client.post(
        f"/v1/terms/{term_id}/solves", json={"time_limit": 600}, headers=director
    ).json()
    assert first["options"]["time_limit"] == 30  # capped by max_solve_seconds
    try:
        second = client.post(f"/v1/terms/{term_id}/solves", headers=director)
        assert "Retry-After" in second.headers
        _problem(second, 429)
    finally:
        cancelled = client.delete(f"/v1/solves/{first['id']}", headers=director).json()
    assert cancelled["state"] == "cancelled"
    _problem(client.get(f"/v1/solves/{first['id']}/result", headers=director), 409)
    for _ in range(50):  # the slot is free again
        started = client.post(
            f"/v1/terms/{term_id}/solves", json={"time_limit": 1}, headers=director
        )
        if started.status_code == 202:
            break
        time.sleep(0.1)
    assert started.status_code == 202
    client.delete(f"/v1/solves/{started.json()['id']}", headers=director)


def test_an_unexpected_error_is_a_bare_500(tmp_path: Any, monkeypatch: Any) -> None:
    import api.http.routers.sessions as sessions

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("P0042 secret detail")

    monkeypatch.setattr(sessions, "dated_sessions", boom)
    app = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'x.sqlite'}"))
    with TestClient(app, raise_server_exceptions=False) as client:
        director = bearer(app, "director")
        publish_tiny(client, director)
        response = client.get("/v1/sessions", params={"from": "2027-01-04"}, headers=director)
    body = _problem(response, 500)
    assert "P0042" not in response.text and "Traceback" not in response.text
    assert body["title"] == "Internal error"


def test_a_payers_wrong_rules_are_named_before_the_audit_runs(
    api: Any, director: dict[str, str], published: dict[str, Any]
) -> None:
    rules = {"profile": "medicare-part-b", "overrides": {"cert_within_days": "soon"}}
    payer = {"id": "MCR", "name": "Medicare", "kind": "medicare", "rules": rules}
    records = {"format": "otgroups.records/1", "payers": [payer]}
    before = api[1].get("/v1/audits", headers=director).json()
    sent = {"records": records, "as_of": "2027-10-24"}
    body = _problem(api[1].post("/v1/audits", json=sent, headers=director), 422)
    assert body["path"] == "payers[0].rules.overrides.cert_within_days"
    assert body["detail"].startswith("records: ")
    assert api[1].get("/v1/audits", headers=director).json() == before  # no run was stored
    payer["rules"] = "medicare-part-b"
    assert api[1].post("/v1/audits", json=sent, headers=director).status_code == 201
