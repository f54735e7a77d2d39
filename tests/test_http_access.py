"""Every route that touches participant data writes an access-log row, whatever its answer,
checked route by route from the route table."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from api.http.access import participant_ids
from api.http.auth import PERMISSIONS, ROLES
from ledger.schema import AccessLog
from tests.http_support import (
    bearer,
    filled,
    guarded_routes,
    is_audited,
    permission_of,
    publish_tiny,
    served,
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
            checked += 1
        assert checked >= 35


def test_participant_ids_are_found_at_any_depth() -> None:
    doc = {"participant": "P1", "offers": [{"offer": {"participant": "P2"}}], "moved": ["P3"]}
    assert participant_ids(doc) == {"P1", "P2", "P3"}
    assert participant_ids([{"participants": ["P4", "P5"]}, "P6"]) == {"P4", "P5"}
