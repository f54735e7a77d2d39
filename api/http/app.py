"""The FastAPI application: :func:`create_app` builds it from :class:`Settings`.

The lifespan opens the ledger (migrated to the latest schema) and the solve jobs, and closes
both. Requests pass the size limit, then the access log, then the routers under ``/v1``; every
error leaves as problem+json (:mod:`api.http.problems`).
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline

from api.http import problems
from api.http.access import AccessLogMiddleware, AccessLogWriter
from api.http.deps import V1
from api.http.jobs import SolveJobs
from api.http.limits import BodyLimitMiddleware
from api.http.routers import ROUTERS, health
from api.http.settings import Settings
from api.web import mount_web, views
from ledger.state import NothingPublishedError, published_cached
from ledger.store import Ledger, open_ledger

DOCS_ASSETS = "/docs-assets"
"""Where the documentation page's Swagger UI files are served from."""
DESCRIPTION = """\
The otgroups service: upload a contract term, solve it as a job, publish the schedule into the
term ledger, and run the term — attendance, makeups, waitlists and offers, admissions,
discharges, closures — with billing audits and exports (CSV, XLSX, iCalendar, de-identified CSV).

Every route but `/healthz` needs a bearer token (`otgroups token create --role ROLE`); what each
role may do is fixed by the service. Participants are opaque ids. Errors are
`application/problem+json`; bad input names the path of the bad field.
"""


def _settle_memory(ledger: Ledger) -> None:
    """Keep the collector's full passes rare and off what lives as long as the service.

    A published 800-participant term is a few hundred thousand objects; with CPython's default
    thresholds a full collection walks them every few requests and pauses one for 100-250 ms.
    The term in force is parsed now (and its timetable drawn for the desk, half a second of
    plotly work a director would otherwise wait for), everything loaded so far is frozen out of
    collection (``gc.freeze``), and collections start after 50,000 net allocations instead of
    700."""
    if not ledger.in_memory:  # (an in-memory ledger's reads see their own empty database)
        try:
            with ledger.read() as s:
                number = published_cached(s).version.number
            views.timetable_json(ledger, number)
        except NothingPublishedError:
            pass
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service, configured by ``settings`` (default: from ``OTGROUPS_…`` variables)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        config: Settings = app.state.settings
        anyio.to_thread.current_default_thread_limiter().total_tokens = config.http_threads
        app.state.ledger = open_ledger(config.db_url)
        _settle_memory(app.state.ledger)
        app.state.jobs = SolveJobs(app.state.ledger, config.max_concurrent_solves)
        app.state.access_log = AccessLogWriter(app.state.ledger)
        try:
            yield
        finally:
            app.state.jobs.shutdown()
            app.state.access_log.close()
            app.state.ledger.dispose()

    app = FastAPIOffline(  # /docs loads its scripts from here, not from a CDN
        title="otgroups",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        responses={},
        static_url=DOCS_ASSETS,
        redoc_url=None,  # ReDoc fetches its logo from its CDN; /docs has the whole API
    )
    app.state.settings = settings
    problems.install(app)
    app.include_router(health.router)
    for router in ROUTERS:
        app.include_router(router, responses=problems.PROBLEM_RESPONSES)
    plain_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = problems.problem_media_types(plain_openapi())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_middleware(AccessLogMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    mount_web(app)  # the web desk at /: same ledger, jobs, tokens and access log
    return app


def api_routes(app: FastAPI) -> list[APIRoute]:
    """Every API route of the app, included routers flattened (``/healthz`` and ``/v1/…``;
    not the documentation pages)."""
    found: list[APIRoute] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                if route.path == "/healthz" or route.path.startswith(V1):  # not the web desk
                    found.append(route)
            elif hasattr(route, "original_router"):  # an included router (FastAPI ≥ 0.16x)
                walk(route.original_router.routes)
            elif hasattr(route, "routes"):
                walk(route.routes)

    walk(list(app.routes))
    return found
