"""Shared pieces of the HTTP API tests: an app on a fresh SQLite ledger, tokens per role, and
a tiny published term."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.http.app import api_routes, create_app
from api.http.auth import PERMISSIONS, ROLES, new_token
from api.http.settings import Settings
from models import document, parse_term
from optimizer import solve_greedy
from tests.helpers import participant, tiny_term

DOC_ROUTES = {"/healthz", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


REHEARSAL_NOW = "2028-01-01T00:00"
"""The clinic's time the test services run at (``OTGROUPS_NOW``): after every session of the
tiny and demo terms, so their attendance can be marked (it is refused before a session starts)."""


@contextmanager
def served(tmp_path: Path, **settings: Any) -> Iterator[tuple[FastAPI, TestClient]]:
    """The app on a new SQLite ledger under ``tmp_path``, its lifespan running."""
    settings.setdefault("now", REHEARSAL_NOW)
    config = Settings(db_url=f"sqlite:///{tmp_path / 'api.sqlite'}", **settings)
    app = create_app(config)
    with TestClient(app) as client:
        yield app, client


def bearer(app: FastAPI, role: str, staff_id: str | None = None) -> dict[str, str]:
    """Authorization headers of a new token for ``role``."""
    _, token = new_token(app.state.ledger, role, f"test {role}", staff_id)
    return {"Authorization": f"Bearer {token}"}


def permission_of(route: APIRoute) -> str | None:
    """The permission a route's ``require`` dependency checks (None: it has none)."""
    pending = list(route.dependant.dependencies)
    while pending:
        dep = pending.pop()
        if getattr(dep.call, "permission", None):
            return dep.call.permission  # type: ignore[union-attr]
        pending.extend(dep.dependencies)
    return None


def is_audited(route: APIRoute) -> bool:
    from api.http.access import audited

    pending = list(route.dependant.dependencies)
    while pending:
        dep = pending.pop()
        if dep.call is audited:
            return True
        pending.extend(dep.dependencies)
    return False


def guarded_routes(app: FastAPI) -> list[tuple[str, str, APIRoute]]:
    """(method, path, route) for every API route but the health check and the docs."""
    return [
        (method, route.path, route)
        for route in api_routes(app)
        if route.path not in DOC_ROUTES
        for method in sorted(route.methods or ())
    ]


def filled(path: str) -> str:
    """The path with every parameter filled (ints where the name says id or number)."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return "1" if (name.endswith("_id") and name != "staff_id") or name == "number" else "x"

    return re.sub(r"\{(\w+)\}", value, path)


def roles_without(permission: str) -> list[str]:
    return [r for r in ROLES if r not in PERMISSIONS[permission]]


def tiny_doc() -> dict[str, Any]:
    """A tiny term of two group types, two sections each week, six participants."""
    people = [
        participant(
            f"P{i}",
            requests=[
                {"group_type": "grp", "priority": "required"},
                {"group_type": "art", "priority": "recommended"},
            ],
        )
        for i in range(1, 7)
    ]
    doc = tiny_term(
        participants=people,
        group_types=[],
    )
    from tests.helpers import group_type

    doc["group_types"] = [
        group_type("grp", max_sections=2, max_size=4),
        group_type("art", max_sections=1, max_size=6, category="creative"),
    ]
    doc["staff"][0]["max_sessions_per_day"] = 6
    return doc


def publish_tiny(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    """Upload the tiny term, schedule it greedily and publish it; the term's id and version."""
    doc = tiny_doc()
    term_id = client.post("/v1/terms", json=doc, headers=headers).json()["id"]
    schedule = document(solve_greedy(parse_term(doc)).schedule)
    body = {"term": term_id, "schedule": schedule}
    published = client.post("/v1/schedules", json=body, headers=headers)
    assert published.status_code == 201, published.text
    return {"term": term_id, **published.json(), "schedule": schedule}
