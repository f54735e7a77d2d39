"""Helpers the desk's routes share: the published term, dates, redirects with a message."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse

from api.http.access import audited, touch
from api.web.session import flash
from ledger.state import NothingPublishedError, Published, published_cached
from ledger.store import Ledger
from models.dated import clinic_time


def published_or_none(ledger: Ledger) -> Published | None:
    """The schedule in force (cached per version by the ledger), or None before a publish."""
    with ledger.read() as s:
        try:
            return published_cached(s)
        except NothingPublishedError:
            return None


def form_date(value: str) -> dt.date | None:
    """A form's ``YYYY-MM-DD`` date, or None (the caller says ``'x' is not a date``)."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def not_a_date(value: str) -> str:
    """The message for a form date that is not one."""
    return f"{value[:40]!r} is not a date (YYYY-MM-DD)."


def clinic_today(pub: Published | None) -> dt.date:
    """Today at the clinic (its zone, not the server's), or the server's date before a publish."""
    return clinic_time(pub.term).date() if pub is not None else dt.date.today()


def parse_day(value: str | None, pub: Published | None) -> dt.date:
    """``value`` (YYYY-MM-DD) or the clinic's today, kept inside the published term's dates."""
    day = (form_date(value) if value else None) or clinic_today(pub)
    if pub is not None:
        day = min(max(day, pub.term.term.start), pub.term.term.end)
    return day


def day_notice(value: str | None, pub: Published | None) -> str | None:
    """Why :func:`parse_day` does not show ``value`` itself (not a date, or outside the term),
    so a page can say so instead of showing another day without a word; None when it does."""
    if not value:
        return None
    day = form_date(value)
    if day is None:
        return f"{not_a_date(value)[:-1]}: showing {parse_day('', pub):%a %d %b %Y} instead."
    shown = parse_day(value, pub)
    if shown != day and pub is not None:
        term = pub.term.term
        return f"{day} is outside the term ({term.start} to {term.end}): showing {shown} instead."
    return None


MAX_QUERY_VALUE = 200
"""Longer values are not carried into a redirect (a 100 KB Location header helps no one)."""


def desk_url(*segments: object, fragment: str = "", **query: object) -> str:
    """``/desk/participants/P%2F1?date=…#…``: each path segment and query value encoded, so
    what a form carried can never change where the redirect goes."""
    path = "/" + "/".join(quote(str(s), safe="") for s in segments)
    kept = {k: str(v) for k, v in query.items() if v not in (None, "")}
    kept = {k: v for k, v in kept.items() if len(v) <= MAX_QUERY_VALUE}
    return (
        path
        + (f"?{urlencode(kept)}" if kept else "")
        + (f"#{quote(fragment, safe='')}" if fragment else "")
    )


def done(request: Request, url: str, message: str, kind: str = "ok") -> RedirectResponse:
    """Post/redirect/get: back to ``url`` (a desk path) with ``message`` shown once."""
    if not url.startswith("/") or url.startswith("//"):
        url = "/"
    response = RedirectResponse(url, status_code=303)
    flash(request, response, message, kind)
    return response


def log_access(request: Request, participants: list[str] | set[str] | str | None) -> None:
    """This request reads (GET) or writes participant data: its access-log row names them
    (written by :class:`api.http.access.AccessLogMiddleware` once the status is known)."""
    if getattr(request.state, "access", None) is None:
        audited(request)
    touch(request, participants)
