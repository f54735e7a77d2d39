"""Bearer tokens, roles and permissions of the HTTP API.

A token is ``otg_`` + 43 URL-safe characters (``secrets.token_urlsafe(32)``), shown once when it
is made; the ledger keeps only its SHA-256 (:class:`~ledger.schema.ApiToken`), so a stolen
database gives no working token. A request is authenticated by looking the hash up, then
comparing in constant time; a revoked token (an :class:`~ledger.schema.ApiTokenRevocation`
row) fails like an unknown one.

What each role may do is :data:`PERMISSIONS`, the one table the routes and the web desk consult
(:func:`allowed`, :func:`require`). A clinician's token names their staff id: they read only the
sections they lead. An analyst sees de-identified exports only, never a participant id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from ledger.schema import ApiToken, ApiTokenRevocation
from ledger.store import Ledger

ROLES = ("director", "scheduler", "clinician", "analyst", "admin")
TOKEN_PREFIX = "otg_"

_CLINICIAN = frozenset({"clinician"})
_STAFF = frozenset({"director", "scheduler", "clinician"})
_OFFICE = frozenset({"director", "scheduler"})
_DIRECTOR = frozenset({"director"})

PERMISSIONS: dict[str, frozenset[str]] = {
    # terms and solves: the director builds the term
    "terms:read": _OFFICE,
    "terms:write": _DIRECTOR,
    "solve": _DIRECTOR,
    "publish": _DIRECTOR,
    # the published schedule; a clinician reads only the sections they lead
    "schedule:read": _STAFF,
    # running the term
    "attendance:read": _STAFF,
    "attendance:write": _STAFF,
    "makeups:read": _OFFICE,
    "makeups:write": _OFFICE,
    "waitlists:read": _OFFICE,
    "waitlists:write": _OFFICE,
    # admissions and discharges are the VA's daily work (the VA desk), as are waitlists
    "admissions:write": _OFFICE,
    "closures:write": _DIRECTOR,
    # clinical records and the billing audit run on them
    "records:write": _DIRECTOR | _CLINICIAN,
    "audit:read": _DIRECTOR | _CLINICIAN,
    # exports
    "export:schedule": _OFFICE,
    "export:calendar": _STAFF,
    "export:deidentified": _DIRECTOR | frozenset({"analyst"}),
    # service administration
    "tokens:admin": frozenset({"admin"}),
    # the web desk's two halves: the office's (VA) desk and the director's
    "desk:va": _OFFICE,
    "desk:director": _DIRECTOR,
}
"""Permission → the roles that hold it. The director holds every permission the scheduler and
the clinician hold, and solves and publishes; the admin manages tokens only."""


class UnknownTokenError(LookupError):
    """No token with that id."""


class AuthError(Exception):
    """401 (no valid token) or 403 (the role lacks the permission)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's id, role, label and (clinicians) staff id."""

    token_id: int
    role: str
    label: str = ""
    staff_id: str | None = None


@dataclass(frozen=True)
class TokenInfo:
    """A token as listed: never the token itself, which only its holder has."""

    id: int
    role: str
    label: str
    staff_id: str | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "role": self.role,
            "label": self.label,
            "staff_id": self.staff_id,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(ledger: Ledger, role: str, label: str = "", staff_id: str | None = None) -> str:
    """A new token for ``role``: the plaintext, to be shown once (:func:`new_token` gives its
    id as well)."""
    return new_token(ledger, role, label, staff_id)[1]


def new_token(
    ledger: Ledger, role: str, label: str = "", staff_id: str | None = None
) -> tuple[int, str]:
    """(id, plaintext) of a new token for ``role``; a clinician's needs their ``staff_id``."""
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if role == "clinician" and not staff_id:
        raise ValueError("a clinician's token needs the staff id whose sections they read")
    if role != "clinician" and staff_id:
        raise ValueError(f"only a clinician's token names a staff id, not a {role}'s")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with ledger.write() as s:
        row = ApiToken(token_hash=token_hash(token), role=role, label=label, staff_id=staff_id)
        s.add(row)
        s.flush()
        return row.id, token


CACHE_SECONDS = 5.0
"""How long a valid token's principal is kept in memory: a revocation through this process
(:func:`revoke_token`) applies at once, one made by another process within this many seconds."""
_CACHE: dict[tuple[str, str], tuple[float, Principal]] = {}
_CACHE_LOCK = threading.Lock()


def authenticate(ledger: Ledger, token: str) -> Principal | None:
    """The principal of a valid, unrevoked token; None otherwise."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    digest = token_hash(token)
    key = (ledger.url, digest)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    principal = _lookup(ledger, digest)
    if principal is not None:
        with _CACHE_LOCK:
            _CACHE[key] = (time.monotonic() + CACHE_SECONDS, principal)
    return principal


def _lookup(ledger: Ledger, digest: str) -> Principal | None:
    with ledger.read() as s:
        row = s.scalars(select(ApiToken).where(ApiToken.token_hash == digest)).first()
        if row is None or not hmac.compare_digest(row.token_hash, digest):
            return None
        revoked = s.scalar(
            select(ApiTokenRevocation.id).where(ApiTokenRevocation.token_id == row.id)
        )
        if revoked is not None:
            return None
        return Principal(row.id, row.role, row.label, row.staff_id)


def principal_by_id(ledger: Ledger, token_id: int) -> Principal | None:
    """The principal of token ``token_id`` while it is unrevoked (a web desk session names its
    token by id); None otherwise."""
    with ledger.read() as s:
        row = s.get(ApiToken, token_id)
        if row is None:
            return None
        revoked = s.scalar(
            select(ApiTokenRevocation.id).where(ApiTokenRevocation.token_id == row.id)
        )
        return None if revoked is not None else Principal(row.id, row.role, row.label, row.staff_id)


def revoke_token(ledger: Ledger, token_id: int, reason: str = "") -> TokenInfo:
    """Revoke a token (again is harmless); :class:`UnknownTokenError` for an unknown id."""
    with ledger.write() as s:
        if s.get(ApiToken, token_id) is None:
            raise UnknownTokenError(f"no token {token_id}")
        done = select(ApiTokenRevocation.id).where(ApiTokenRevocation.token_id == token_id)
        if s.scalar(done) is None:
            s.add(ApiTokenRevocation(token_id=token_id, reason=reason))
    with _CACHE_LOCK:
        for key, (_, principal) in list(_CACHE.items()):
            if key[0] == ledger.url and principal.token_id == token_id:
                del _CACHE[key]
    return next(t for t in list_tokens(ledger) if t.id == token_id)


def list_tokens(ledger: Ledger) -> list[TokenInfo]:
    """Every token ever made, oldest first, with when it was revoked."""
    with ledger.read() as s:
        revoked = {r.token_id: r.created_at for r in s.scalars(select(ApiTokenRevocation))}
        return [
            TokenInfo(t.id, t.role, t.label, t.staff_id, t.created_at, revoked.get(t.id))
            for t in s.scalars(select(ApiToken).order_by(ApiToken.id))
        ]


def allowed(principal: Principal, permission: str) -> bool:
    """Whether the principal's role holds ``permission`` (an unknown permission: no one)."""
    return principal.role in PERMISSIONS.get(permission, frozenset())


_bearer = HTTPBearer(auto_error=False, description="A token from `otgroups token create`.")


def require(permission: str) -> Callable[..., Principal]:
    """A FastAPI dependency: the caller's :class:`Principal`, or 401 (no valid bearer token)
    or 403 (the role lacks ``permission``). The principal is kept on ``request.state`` for the
    access log."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")

    def dependency(
        request: Request,
        credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),  # noqa: B008
    ) -> Principal:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise AuthError(401, "a bearer token is required (Authorization: Bearer otg_…)")
        principal = authenticate(request.app.state.ledger, credentials.credentials)
        if principal is None:
            raise AuthError(401, "the bearer token is not valid (unknown or revoked)")
        request.state.principal = principal
        if not allowed(principal, permission):
            raise AuthError(403, f"the {principal.role} role may not do this ({permission})")
        return principal

    dependency.permission = permission  # type: ignore[attr-defined]
    return dependency
