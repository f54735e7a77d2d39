"""Desk sessions: an API token exchanged for a signed cookie, role checks and CSRF.

The cookie (HttpOnly, SameSite=Strict, Secure when configured) carries the token's *id*, a
random session id and the session's CSRF token, signed with itsdangerous and valid for
``session_hours``; the token itself never leaves the login form. Every request looks the token
up again (:func:`api.http.auth.principal_by_id`), so revoking it ends its sessions; signing out
ends the session id in the ledger, for every worker process of the service. Roles are checked
against the API's :data:`~api.http.auth.PERMISSIONS`; every POST must carry the session's CSRF
token.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from api.http.auth import PERMISSIONS, Principal, allowed, principal_by_id
from api.web.settings import WebSettings
from ledger.schema import EndedDeskSession
from ledger.store import Ledger

COOKIE = "otg_desk"
LOGIN_COOKIE = "otg_login"
FLASH_COOKIE = "otg_flash"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


class LoginRequiredError(Exception):
    """No valid desk session: the browser is sent to the login page."""


class DeskForbiddenError(Exception):
    """The session's role lacks a permission, or a POST lacks its CSRF token (403)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass
class WebState:
    """The desk's per-process state: settings, the cookie signer, session ids this process has
    seen ended (the ledger holds them all)."""

    settings: WebSettings
    signer: URLSafeTimedSerializer = field(init=False)
    ended: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.signer = URLSafeTimedSerializer(self.settings.secret_key, salt="otgroups-desk")

    @property
    def max_age(self) -> int:
        return int(self.settings.session_hours * 3600)


@dataclass(frozen=True)
class Desk:
    """A request's desk session: who, their CSRF token, and the ledger."""

    principal: Principal
    csrf: str
    sid: str
    ledger: Ledger

    def can(self, permission: str) -> bool:
        return allowed(self.principal, permission)


def web_state(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


def _set_cookie(response: Response, state: WebState, name: str, value: str, age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=age,
        httponly=True,
        samesite="strict",
        secure=state.settings.cookie_secure,
        path="/",
    )


def start_session(request: Request, response: Response, principal: Principal) -> None:
    """Set the session cookie for ``principal`` (a fresh session id and CSRF token)."""
    state = web_state(request)
    payload = {"t": principal.token_id, "s": secrets.token_urlsafe(16)}
    payload["c"] = secrets.token_urlsafe(24)
    _set_cookie(response, state, COOKIE, state.signer.dumps(payload), state.max_age)


def end_session(request: Request, response: Response) -> None:
    """End the session in the ledger (every worker refuses its cookie) and clear the cookie."""
    payload = _payload(request, COOKIE, web_state(request).max_age)
    if payload is not None:
        sid = str(payload.get("s"))[:64]
        ledger: Ledger = request.app.state.ledger
        with ledger.write() as s:
            if s.get(EndedDeskSession, sid) is None:
                s.add(EndedDeskSession(sid=sid))
        web_state(request).ended.add(sid)
    response.delete_cookie(COOKIE, path="/")


def _ended(request: Request, sid: str) -> bool:
    state = web_state(request)
    if sid in state.ended:
        return True
    ledger: Ledger = request.app.state.ledger
    with ledger.read() as s:
        found = s.get(EndedDeskSession, sid[:64]) is not None
    if found:
        state.ended.add(sid)
    return found


def _payload(request: Request, name: str, max_age: int) -> dict[str, Any] | None:
    raw = request.cookies.get(name)
    if not raw:
        return None
    try:
        value = web_state(request).signer.loads(raw, max_age=max_age)
    except BadSignature:
        return None
    return value if isinstance(value, dict) else None


def current(request: Request) -> Desk | None:
    """The request's desk session, if its cookie is valid and its token unrevoked."""
    state = web_state(request)
    payload = _payload(request, COOKIE, state.max_age)
    if payload is None or _ended(request, str(payload.get("s"))):
        return None
    ledger: Ledger = request.app.state.ledger
    principal = principal_by_id(ledger, int(payload.get("t", 0)))
    if principal is None:
        return None
    return Desk(principal, str(payload["c"]), str(payload["s"]), ledger)


def set_login_csrf(request: Request, response: Response) -> str:
    """A new CSRF token for the login form; a short-lived signed cookie holds its twin."""
    token = secrets.token_urlsafe(24)
    state = web_state(request)
    _set_cookie(response, state, LOGIN_COOKIE, state.signer.dumps(token), 1800)
    return token


def login_csrf_ok(request: Request, submitted: str) -> bool:
    raw = request.cookies.get(LOGIN_COOKIE)
    if not raw or not submitted:
        return False
    try:
        expected = web_state(request).signer.loads(raw, max_age=1800)
    except BadSignature:
        return False
    return isinstance(expected, str) and hmac.compare_digest(expected, submitted)


async def _csrf_checked(request: Request, desk: Desk) -> None:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    submitted = request.headers.get(CSRF_HEADER, "")
    if not submitted:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else ""
    if not submitted or not hmac.compare_digest(submitted, desk.csrf):
        raise DeskForbiddenError("the form's security token is missing or stale; reload the page")


def page(*permissions: str) -> Callable[[Request], Awaitable[Desk]]:
    """A route dependency: the :class:`Desk` of a session whose role holds every one of
    ``permissions`` (else 403; no session: the login page), with the CSRF token checked on
    POST. The permissions are kept on the dependency for the route table's tests."""
    unknown = [p for p in permissions if p not in PERMISSIONS]
    if unknown or not permissions:
        raise KeyError(f"unknown permission(s) {unknown}")

    async def dependency(request: Request) -> Desk:
        desk = current(request)
        if desk is None:
            raise LoginRequiredError
        request.state.principal = desk.principal
        missing = [p for p in permissions if not desk.can(p)]
        if missing:
            raise DeskForbiddenError(
                f"the {desk.principal.role} role may not open this page ({', '.join(missing)})"
            )
        await _csrf_checked(request, desk)
        return desk

    dependency.permissions = permissions  # type: ignore[attr-defined]
    return dependency


FLASH_BYTES = 3500
"""Browsers drop a cookie over 4 KB (name and attributes included): a longer message is cut."""


def flash(request: Request, response: Response, message: str, kind: str = "ok") -> None:
    """A message shown once on the next page (a signed cookie, cut to fit: 1,500 characters
    of another script can sign to more than a browser keeps)."""
    state = web_state(request)
    shown = message[:1500]
    value = state.signer.dumps([kind, shown])
    while len(value) > FLASH_BYTES:
        shown = shown[: len(shown) * 3 // 4]
        value = state.signer.dumps([kind, shown + "…"])
    _set_cookie(response, state, FLASH_COOKIE, value, 120)


def take_flash(request: Request) -> tuple[str, str] | None:
    """The pending message (kind, text), if any; the page clears the cookie."""
    value = _payload_any(request, FLASH_COOKIE, 120)
    if isinstance(value, list) and len(value) == 2:
        return str(value[0]), str(value[1])
    return None


def _payload_any(request: Request, name: str, max_age: int) -> Any:
    raw = request.cookies.get(name)
    if not raw:
        return None
    try:
        return web_state(request).signer.loads(raw, max_age=max_age)
    except BadSignature:
        return None
