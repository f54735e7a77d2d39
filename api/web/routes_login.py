"""Logging in (an API token for a session cookie), logging out, the home redirect."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.http.auth import allowed, authenticate
from api.web import render
from api.web.session import (
    LOGIN_COOKIE,
    Desk,
    current,
    end_session,
    login_csrf_ok,
    page,
    set_login_csrf,
    start_session,
)

router = APIRouter(include_in_schema=False)


def home_of(desk: Desk) -> str:
    return "/director" if desk.can("desk:director") else "/desk/today"


def _safe_next(target: str) -> str:
    local = target.startswith("/") and not target.startswith("//") and "\\" not in target
    return target if local else ""


@router.get("/")
def home(request: Request) -> Response:
    desk = current(request)
    return RedirectResponse(home_of(desk) if desk else "/login", status_code=303)


def _login_page(request: Request, error: str = "", status: int = 200, nxt: str = "") -> Response:
    holder = Response()
    token = set_login_csrf(request, holder)
    response = render.page(
        request, None, "login.html.j2", "Sign in", status, error=error, nxt=nxt, login_csrf=token
    )
    response.raw_headers.extend(h for h in holder.raw_headers if h[0] == b"set-cookie")
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "") -> Response:
    return _login_page(request, nxt=_safe_next(next))


@router.post("/login")
def login(
    request: Request,
    token: str = Form(""),
    csrf: str = Form(""),
    next: str = Form(""),
) -> Response:
    if not login_csrf_ok(request, csrf):
        return _login_page(request, "The form expired; please sign in again.", 403)
    principal = authenticate(request.app.state.ledger, token.strip())
    if principal is None:
        return _login_page(request, "That token is not valid (unknown or revoked).", 401)
    if not (allowed(principal, "desk:va") or allowed(principal, "desk:director")):
        return _login_page(request, f"The {principal.role} role has no desk; use the API.", 403)
    desk_home = "/director" if allowed(principal, "desk:director") else "/desk/today"
    response = RedirectResponse(_safe_next(next) or desk_home, status_code=303)
    start_session(request, response, principal)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, desk: Desk = Depends(page("desk:va"))) -> Response:  # noqa: B008
    response = RedirectResponse("/login", status_code=303)
    end_session(request, response)
    return response
