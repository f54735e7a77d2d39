"""Bearer tokens and roles: every route refuses a missing token (401) and a wrong role (403),
generated from the route table so a new route cannot escape; tokens are stored hashed and
revocation is final; a clinician reads only the sections they lead."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from api.cli import app as cli
from api.http.app import create_app
from api.http.auth import PERMISSIONS, ROLES, authenticate, list_tokens, new_token, revoke_token
from api.http.settings import Settings
from ledger.schema import ApiToken
from tests.http_support import (
    bearer,
    filled,
    guarded_routes,
    permission_of,
    publish_tiny,
    roles_without,
    served,
)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, TestClient]]:
    with served(tmp_path_factory.mktemp("auth")) as pair:
        yield pair


def test_every_route_needs_a_token_and_the_right_role(api: tuple[FastAPI, TestClient]) -> None:
    app, client = api
    routes = guarded_routes(app)
    assert len(routes) >= 40
    wrong = {role: bearer(app, role, "ot1" if role == "clinician" else None) for role in ROLES}
    for method, path, route in routes:
        permission = permission_of(route)
        assert permission in PERMISSIONS, f"{method} {path} has no require(permission)"
        url = filled(path)
        missing = client.request(method, url)
        assert missing.status_code == 401, (method, path, missing.text)
        assert missing.headers["www-authenticate"].startswith("Bearer")
        assert missing.headers["content-type"] == "application/problem+json"
        bad = client.request(method, url, headers={"Authorization": "Bearer otg_not-a-token"})
        assert bad.status_code == 401, (method, path)
        outsiders = roles_without(permission)
        assert outsiders, f"{permission} is held by every role"
        for role in outsiders:
            refused = client.request(method, url, headers=wrong[role])
            assert refused.status_code == 403, (method, path, role, refused.text)
            assert refused.json()["title"] == "Forbidden"


def test_health_needs_no_token_and_says_nothing(api: tuple[FastAPI, TestClient]) -> None:
    _, client = api
    assert client.get("/healthz").json() == {"status": "ok"}


def test_roles_follow_the_issue() -> None:
    """Director: everything the scheduler and clinician may, plus solve and publish; analyst:
    de-identified exports only; admin: tokens only."""
    held = {r: {p for p, roles in PERMISSIONS.items() if r in roles} for r in ROLES}
    assert held["scheduler"] | held["clinician"] <= held["director"]
    assert {"solve", "publish"} <= held["director"] - held["scheduler"]
    assert held["analyst"] == {"export:deidentified"}
    assert held["admin"] == {"tokens:admin"}
    assert "records:write" in held["clinician"] and "records:write" not in held["scheduler"]


def test_tokens_are_hashed_and_revocation_is_final(api: tuple[FastAPI, TestClient]) -> None:
    app, client = api
    ledger = app.state.ledger
    token_id, token = new_token(ledger, "scheduler", "front desk")
    assert token.startswith("otg_") and len(token) > 40
    with ledger.read() as s:
        stored = s.get(ApiToken, token_id)
        assert stored is not None and token not in stored.token_hash
        assert s.scalars(select(ApiToken).where(ApiToken.token_hash == token)).first() is None
    assert authenticate(ledger, token) is not None
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/v1/waitlist", headers=headers).status_code != 401
    revoke_token(ledger, token_id)
    assert authenticate(ledger, token) is None
    assert client.get("/v1/waitlist", headers=headers).status_code == 401
    assert next(t for t in list_tokens(ledger) if t.id == token_id).revoked_at is not None
    with pytest.raises(ValueError, match="staff id"):
        new_token(ledger, "clinician")


def test_tokens_over_http_admin_only(api: tuple[FastAPI, TestClient]) -> None:
    app, client = api
    admin = bearer(app, "admin")
    made = client.post("/v1/tokens", json={"role": "analyst", "label": "uni"}, headers=admin)
    assert made.status_code == 201
    token = made.json()["token"]
    listed = client.get("/v1/tokens", headers=admin).json()
    assert all("token" not in t for t in listed)
    assert client.delete(f"/v1/tokens/{made.json()['id']}", headers=admin).json()["revoked_at"]
    assert authenticate(app.state.ledger, token) is None
    assert client.delete("/v1/tokens/99999", headers=admin).status_code == 404
    bad = client.post("/v1/tokens", json={"role": "clinician"}, headers=admin)
    assert bad.status_code == 422


def test_a_clinician_reads_only_their_sections(api: tuple[FastAPI, TestClient]) -> None:
    app, client = api
    director = bearer(app, "director")
    published = publish_tiny(client, director)
    sections = client.get("/v1/sections", headers=director).json()
    assert {s["id"] for s in sections} == {s["id"] for s in published["schedule"]["sections"]}
    mine = bearer(app, "clinician", "ot1")
    other = bearer(app, "clinician", "ot-nobody")
    assert len(client.get("/v1/sections", headers=mine).json()) == len(sections)
    assert client.get("/v1/sections", headers=other).json() == []
    schedule = client.get(f"/v1/schedules/{published['version']}", headers=other).json()
    assert schedule["sections"] == [] and schedule["waitlist"] == []
    day = "2027-01-04"
    assert client.get("/v1/sessions", params={"from": day}, headers=other).json() == []
    session = client.get("/v1/sessions", params={"from": day}, headers=mine).json()[0]
    marks = {"marks": [{"participant": session["participants"][0], "status": "present"}]}
    url = f"/v1/sessions/{session['session_id']}/attendance"
    assert client.post(url, json=marks, headers=other).status_code == 403
    assert client.post(url, json=marks, headers=mine).status_code == 201
    assert client.get("/v1/exports/calendars/staff/ot1.ics", headers=other).status_code == 403
    assert client.get("/v1/exports/calendars/staff/ot1.ics", headers=mine).status_code == 200


def test_token_command_line(tmp_path: Path) -> None:
    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    made = runner.invoke(cli, ["token", "create", "--role", "director", "--label", "D", "--db", db])
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("otg_")
    listed = runner.invoke(cli, ["token", "list", "--db", db, "--json"])
    assert '"role": "director"' in listed.stdout and token not in listed.stdout
    assert runner.invoke(cli, ["token", "revoke", "1", "--db", db]).exit_code == 0
    assert "revoked" in runner.invoke(cli, ["token", "list", "--db", db]).stdout
    assert runner.invoke(cli, ["token", "revoke", "9", "--db", db]).exit_code == 2
    bad = runner.invoke(cli, ["token", "create", "--role", "wizard", "--db", db])
    assert bad.exit_code == 2


def test_a_token_made_with_the_servers_variable_opens_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``OTGROUPS_DB_URL`` names the ledger for ``serve`` (its settings) and for ``token`` and
    ``term`` alike: a token made with the variable set is one the server knows."""
    url = f"sqlite:///{tmp_path / 'env.sqlite'}"
    monkeypatch.setenv("OTGROUPS_DB_URL", url)
    monkeypatch.chdir(tmp_path)
    made = CliRunner().invoke(cli, ["token", "create", "--role", "director"])
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[-1]
    assert not (tmp_path / "otgroups-ledger.sqlite").exists()
    assert (
        "nothing is published yet"
        in CliRunner().invoke(cli, ["term", "sessions", "2027-01-04"]).output
    )
    assert not (tmp_path / "otgroups-ledger.sqlite").exists()
    with TestClient(create_app(Settings())) as client:
        answer = client.get("/v1/schedules", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text


def test_a_variable_set_wrong_is_named_at_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A mistyped OTGROUPS_NOW stopped `serve` with an internal error (exit 70)."""
    monkeypatch.setenv("OTGROUPS_NOW", "13/09/2027 18:00")
    bad = CliRunner().invoke(cli, ["serve", "--db", f"sqlite:///{tmp_path / 'x.sqlite'}"])
    assert bad.exit_code == 2, bad.output
    assert bad.output.startswith("Input error: OTGROUPS_NOW='13/09/2027 18:00': ")
    assert "Traceback" not in bad.output


@pytest.mark.parametrize("args", [["token", "list"], ["serve", "--port", "1"]])
def test_a_bad_database_url_is_one_plain_line(args: list[str]) -> None:
    """``token`` and ``serve`` name a bad --db in one line (exit 2), never with a traceback."""
    bad = CliRunner().invoke(cli, [*args, "--db", "nonsense://x"])
    assert bad.exit_code == 2, bad.output
    assert "--db (or OTGROUPS_DB_URL) nonsense://x is not a" in bad.output
    assert "database URL" in bad.output
    assert "Traceback" not in bad.output
    assert len(bad.output.strip().splitlines()) == 1


def test_a_port_in_use_is_one_plain_line_not_a_startup_failure(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        db = f"sqlite:///{tmp_path / 'l.db'}"
        result = CliRunner().invoke(cli, ["serve", "--port", str(port), "--db", db])
    assert result.exit_code == 2, result.output
    assert f"cannot listen on 127.0.0.1:{port}" in " ".join(result.output.split())


def test_token_list_on_a_mistyped_ledger_path_creates_nothing(tmp_path: Path) -> None:
    typo = tmp_path / "ledgr.db"
    result = CliRunner().invoke(cli, ["token", "list", "--db", f"sqlite:///{typo}"])
    assert result.exit_code == 2 and "no ledger at" in result.output
    assert not typo.exists()
