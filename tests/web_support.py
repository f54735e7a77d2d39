"""Web desk test support: the service on a temporary ledger, desk logins, the route table."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.http.app import create_app
from api.http.auth import new_token
from api.http.settings import Settings
from tests.http_support import REHEARSAL_NOW

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@contextmanager
def desk_client(db: Path, **settings: object) -> Iterator[tuple[FastAPI, TestClient]]:
    """The service (API and desk) on the SQLite ledger ``db``, its lifespan running."""
    settings.setdefault("now", REHEARSAL_NOW)
    app = create_app(Settings(db_url=f"sqlite:///{db}", **settings))  # type: ignore[arg-type]
    with TestClient(app) as client:
        yield app, client


def token_for(app: FastAPI, role: str, staff_id: str | None = None) -> str:
    return new_token(app.state.ledger, role, f"test {role}", staff_id)[1]


def login(client: TestClient, token: str) -> str:
    """Sign in with ``token``; the session's CSRF token."""
    form = client.get("/login")
    csrf = CSRF.search(form.text)
    assert csrf, form.text
    done = client.post(
        "/login", data={"token": token, "csrf": csrf.group(1)}, follow_redirects=False
    )
    assert done.status_code == 303, done.text
    return csrf_of(client)


def csrf_of(client: TestClient) -> str:
    page = client.get("/desk/participants")
    found = CSRF.search(page.text)
    assert found, page.text
    return found.group(1)


def permissions_of(route: APIRoute) -> tuple[str, ...]:
    """The permissions a desk route's ``page`` dependency checks (empty: none)."""
    for dep in route.dependant.dependencies:
        found = getattr(dep.call, "permissions", None)
        if found:
            return tuple(found)
    return ()


def _all_routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # an included router (FastAPI >= 0.16x)
            yield from _all_routes(route.original_router.routes)
        elif hasattr(route, "routes"):
            yield from _all_routes(route.routes)


def desk_routes(app: FastAPI) -> list[tuple[str, str, tuple[str, ...]]]:
    """(method, path, permissions) of every web desk route that needs a session."""
    out: list[tuple[str, str, tuple[str, ...]]] = []
    for route in _all_routes(list(app.routes)):
        if not route.path.startswith(("/v1", "/healthz")):
            perms = permissions_of(route)
            if perms:
                out.extend((m, route.path, perms) for m in sorted(route.methods or ()))
    return out


def filled(path: str) -> str:
    """``path`` with each parameter filled in (numbers for ids, else a word)."""
    return re.sub(
        r"\{(\w+)\}",
        lambda m: "1" if m.group(1).endswith("_id") and m.group(1) != "job_id" else "x",
        path,
    )


def text_of(page: str) -> str:
    """A page's text without tags (for asserting what a reader sees)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))
