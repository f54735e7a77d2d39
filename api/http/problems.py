"""Every error as ``application/problem+json`` (RFC 9457): type, title, status, detail.

Bad input names the path of the bad field (``path``, and ``errors`` with each one): a contract
error's own paths (``participants[3].requests[0].group_type``), or the request's field for a
body, query or path parameter FastAPI refuses. Unknown ids are 404, a lost race or a change the
ledger refuses is 409, an infeasible term 422 with the reasons in plain words, too many solves
429, and anything unexpected a 500 that says nothing about the request (the exception is logged
server-side by type and place only: no bodies, no participant data).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from api.http.auth import AuthError
from api.http.jobs import TooManySolvesError
from api.ledger_views import OutsideTermError
from ledger.attendance import NotOnRosterError, SessionCancelledError
from ledger.makeups import BookingRefused
from ledger.publish import PublishError
from ledger.state import RefusedError
from models.errors import ContractError, Problem, problems_from_errors

log = logging.getLogger("otgroups.http")

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://otgroups.dev/problems/"


class FieldError(BaseModel):
    path: str = Field(description="Where in the request, e.g. sections[3].room")
    message: str


class ProblemDoc(BaseModel):
    """An error (RFC 9457 problem details)."""

    type: str = Field(description="A URI naming the kind of problem")
    title: str
    status: int
    detail: str = ""
    path: str | None = Field(default=None, description="The first bad field, for input errors")
    errors: list[FieldError] | None = None
    explanation: list[str] | None = Field(
        default=None, description="Plain-language reasons, for an infeasible term"
    )


class ApiProblem(Exception):  # noqa: N818 - a problem document, not a bug
    """A problem a route raises on purpose."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str = "",
        *,
        errors: Sequence[Problem] | None = None,
        explanation: Sequence[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status, self.slug, self.title, self.detail = status, slug, title, detail
        self.errors = list(errors) if errors is not None else None
        self.explanation = list(explanation) if explanation is not None else None
        self.headers = headers


def not_found(what: str) -> ApiProblem:
    return ApiProblem(404, "not-found", "Not found", what)


def problem_response(problem: ApiProblem) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + problem.slug,
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
    }
    if problem.errors:
        body["path"] = problem.errors[0].path
        body["errors"] = [{"path": p.path, "message": p.message} for p in problem.errors]
    if problem.explanation is not None:
        body["explanation"] = problem.explanation
    return JSONResponse(body, problem.status, headers=problem.headers, media_type=MEDIA_TYPE)


def _validation(request: Request, exc: RequestValidationError) -> ApiProblem:
    """Body fields by their path in the document (``sections[3].room``, values quoted as the
    contract loader quotes them); query, path and header parameters by name."""
    problems = []
    for item in exc.errors():
        loc = tuple(item.get("loc", ()))
        if item.get("type") == "json_invalid":  # not a bad field: no JSON document at all
            reason = (item.get("ctx") or {}).get("error", "not JSON")
            detail = f"the body is not JSON: {reason} at character {loc[-1] if loc else 0}"
            return ApiProblem(400, "malformed-body", "Malformed request body", detail)
        if loc[:1] == ("body",):
            problems += problems_from_errors([item], skip=1)
        else:
            name = str(loc[-1]) if loc else "request"
            message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
            problems.append(Problem(name, message))
    first = problems[0] if problems else Problem("", "invalid request")
    return ApiProblem(422, "invalid-input", "Invalid input", str(first), errors=problems)


def classify(exc: Exception) -> ApiProblem | None:
    """The problem for a known exception; None for an unexpected one."""
    match exc:
        case ApiProblem():
            return exc
        case AuthError(status=401):
            headers = {"WWW-Authenticate": 'Bearer realm="otgroups"'}
            return ApiProblem(401, "unauthorized", "Unauthorized", exc.detail, headers=headers)
        case AuthError():
            return ApiProblem(403, "forbidden", "Forbidden", exc.detail)
        case ContractError():
            detail = f"{exc.source}: {exc.problems[0]}"
            return ApiProblem(422, "invalid-input", "Invalid input", detail, errors=exc.problems)
        case TooManySolvesError():
            return ApiProblem(
                429, "too-many-solves", "Too many solves", str(exc), headers={"Retry-After": "10"}
            )
        case PublishError():
            return ApiProblem(422, "schedule-refused", "Schedule refused", str(exc))
        case LookupError():
            return not_found(str(exc).strip("'\""))
        case BookingRefused() | NotOnRosterError() | SessionCancelledError():
            return ApiProblem(409, "conflict", "Conflict", str(exc))
        case RefusedError():
            return ApiProblem(409, "refused", "Refused by the ledger", str(exc))
        case IntegrityError() | OperationalError():
            detail = "the ledger changed at the same time or is busy; nothing was written: retry"
            return ApiProblem(409, "concurrent-change", "Concurrent change", detail)
        case OutsideTermError():
            problem = Problem("date", str(exc))
            return ApiProblem(422, "invalid-input", "Invalid input", str(problem), errors=[problem])
        case OverflowError():  # a date or number past what the calendar or the database holds
            detail = "a date or number in the request is out of range; nothing was written"
            return ApiProblem(422, "invalid-input", "Invalid input", detail)
    return None


ProblemPage = Callable[[Request, ApiProblem], Response | None]
"""Another rendering of a problem for some requests (the web desk's pages); None: JSON."""


def problem_for(request: Request, exc: Exception) -> ApiProblem:
    """The problem for any exception; an unexpected one is logged (type and place only) and
    becomes a 500 that says nothing about the request."""
    if isinstance(exc, RequestValidationError):
        return _validation(request, exc)
    if isinstance(exc, StarletteHTTPException):
        slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http")
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "Error")
        headers = dict(exc.headers or {})
        return ApiProblem(exc.status_code, slug, title, str(exc.detail), headers=headers)
    problem = classify(exc)
    if problem is None:
        frame = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
        where = f"{frame[0].filename}:{frame[0].lineno}" if frame else "?"
        log.error("unexpected %s at %s on %s", type(exc).__name__, where, request.url.path)
        detail = "something went wrong on the server; it has been logged"
        problem = ApiProblem(500, "internal", "Internal error", detail)
    return problem


def answer(request: Request, problem: ApiProblem) -> Response:
    """``problem`` as ``app.state.problem_page`` renders it for this request (the desk's pages),
    else as problem+json."""
    page: ProblemPage | None = getattr(request.app.state, "problem_page", None)
    shown = None
    if page is not None:
        try:
            shown = page(request, problem)
        except Exception as failed:  # the page needs the ledger; it may be what failed
            log.error("error page failed (%s) on %s", type(failed).__name__, request.url.path)
    return shown if shown is not None else problem_response(problem)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json, or into what
    ``app.state.problem_page`` (a :data:`ProblemPage`) renders for the requests it takes."""

    async def handle(request: Request, exc: Exception) -> Response:
        return answer(request, problem_for(request, exc))

    app.add_exception_handler(RequestValidationError, handle)
    app.add_exception_handler(StarletteHTTPException, handle)
    for known in KNOWN:
        app.add_exception_handler(known, handle)
    app.add_exception_handler(Exception, handle)


KNOWN: tuple[type[Exception], ...] = (
    ApiProblem,
    AuthError,
    ContractError,
    TooManySolvesError,
    PublishError,
    LookupError,
    RefusedError,
    IntegrityError,
    OperationalError,
    OverflowError,
    OutsideTermError,
)
"""Exceptions answered by the inner exception middleware (anything else is a 500)."""


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ProblemDoc, "description": text, "content": {MEDIA_TYPE: {}}}
    for status, text in (
        (400, "Malformed request body (not JSON)"),
        (401, "No valid bearer token"),
        (403, "The role may not do this"),
        (404, "Unknown id"),
        (409, "Lost race or refused by the ledger"),
        (413, "Request body too large"),
        (422, "Invalid input (with the path of the bad field)"),
        (429, "Too many solves running"),
        (500, "Internal error"),
        (503, "Not configured (e.g. no de-identification salt)"),
    )
}
"""Documented on every route (OpenAPI)."""


def problem_media_types(openapi: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with error responses under ``application/problem+json`` only
    (FastAPI documents a response model as ``application/json``)."""
    ref = {"$ref": "#/components/schemas/ProblemDoc"}
    for item in openapi.get("paths", {}).values():
        for operation in item.values():
            for response in operation.get("responses", {}).values():
                content = response.get("content", {})
                if content.get("application/json", {}).get("schema") == ref:
                    del content["application/json"]
                    content[MEDIA_TYPE] = {"schema": ref}
    return openapi
