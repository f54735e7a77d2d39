"""The web desk: server-rendered pages for the VA (scheduler) and the program director.

:func:`mount_web` adds the desk to the service's FastAPI app at ``/`` — the same ledger, solve
jobs, tokens, roles (:data:`api.http.auth.PERMISSIONS`) and access log as the API under ``/v1``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from api.http.access import AccessLogMiddleware
from api.web import render
from api.web.common import desk_url
from api.web.errors import problem_page
from api.web.headers import DeskHeadersMiddleware
from api.web.routes_director import router as director_router
from api.web.routes_login import router as login_router
from api.web.routes_makeups import router as makeups_router
from api.web.routes_review import router as review_router
from api.web.routes_today import router as today_router
from api.web.routes_waitlists import router as waitlists_router
from api.web.session import DeskForbiddenError, LoginRequiredError, WebState, current
from api.web.settings import WebSettings
from api.web.views import plotly_js_path

STATIC = Path(__file__).parent / "static"
ROUTERS = (
    login_router,
    today_router,
    makeups_router,
    waitlists_router,
    director_router,
    review_router,
)


def _login_redirect(request: Request, _exc: Exception) -> Response:
    target = request.url.path if request.method == "GET" and request.url.path != "/" else ""
    return RedirectResponse(desk_url("login", next=target), status_code=303)


def _forbidden(request: Request, exc: Exception) -> Response:
    detail = exc.detail if isinstance(exc, DeskForbiddenError) else "forbidden"
    return render.page(
        request, current(request), "problem.html.j2", "Not allowed", 403, detail=detail
    )


def mount_web(app: FastAPI, settings: WebSettings | None = None) -> None:
    """Serve the desk from ``app`` (which keeps ``state.ledger``, ``state.jobs`` and
    ``state.settings`` as :func:`api.http.app.create_app` does)."""
    app.state.web = WebState(settings or WebSettings())
    app.state.problem_page = problem_page
    for router in ROUTERS:
        app.include_router(router)

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(
            plotly_js_path(),
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    app.mount("/static", StaticFiles(directory=str(STATIC)), name="desk-static")
    app.add_exception_handler(LoginRequiredError, _login_redirect)
    app.add_exception_handler(DeskForbiddenError, _forbidden)

    app.add_middleware(DeskHeadersMiddleware)
    if not any(m.cls is AccessLogMiddleware for m in app.user_middleware):
        app.add_middleware(AccessLogMiddleware)
