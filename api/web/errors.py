"""Errors on the desk's routes as pages, never JSON: a form that cannot be done goes back to
the page it was sent from with the reason as a flash message; a page that cannot be shown
says why in the desk's layout. The API's routes keep problem+json
(:func:`api.http.problems.install` asks :func:`problem_page` first)."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import Response

from api.http.problems import ApiProblem
from api.web import render
from api.web.common import done
from api.web.headers import NOT_DESK
from api.web.session import current

SERVER_ERROR = (
    "Something went wrong on the server (it has been logged). Check whether the change was made "
    "before trying again."
)


def problem_page(request: Request, problem: ApiProblem) -> Response | None:
    """The desk's answer to ``problem`` on a desk route; None for the API's routes."""
    if request.url.path.startswith(NOT_DESK):
        return None
    detail = SERVER_ERROR if problem.status >= 500 else problem.detail
    if request.method == "POST":
        return done(request, came_from(request), f"Not done: {detail}", "error")
    title = "Not found" if problem.status == 404 else "Cannot show this page"
    return render.page(
        request, current(request), "problem.html.j2", title, problem.status, detail=detail
    )


def came_from(request: Request) -> str:
    """The desk page a form was posted from (its Referer's path: only a path on this service is
    ever followed, so a proxy's host name cannot matter), else the start page."""
    referer = urlsplit(request.headers.get("referer", ""))
    if not referer.path.startswith("/") or referer.path.startswith(NOT_DESK):
        return "/"
    return referer.path + (f"?{referer.query}" if referer.query else "")
