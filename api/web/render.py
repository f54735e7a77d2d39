"""Rendering desk pages: Jinja2 templates, the navigation a role sees, the flash message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.web.common import log_access
from api.web.session import FLASH_COOKIE, Desk, take_flash
from models import format_time

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))
TEMPLATES.env.filters["hhmm"] = format_time
TEMPLATES.env.autoescape = True  # .html.j2 is not on select_autoescape()'s list
TEMPLATES.env.trim_blocks = True
TEMPLATES.env.lstrip_blocks = True

NAV: tuple[tuple[str, str, str], ...] = (
    ("/desk/today", "Today", "desk:va"),
    ("/desk/makeups", "Makeups", "makeups:read"),
    ("/desk/waitlists", "Waitlists", "waitlists:read"),
    ("/desk/participants", "Participant week", "desk:va"),
    ("/desk/admissions", "Admissions", "admissions:write"),
    ("/director", "Terms and solves", "desk:director"),
    ("/director/timetable", "Timetable", "desk:director"),
    ("/director/versions", "Versions", "desk:director"),
    ("/director/audit", "Audit", "desk:director"),
)
"""(path, label, permission): the desk's menu; a role sees the entries it may open."""


def page(
    request: Request,
    desk: Desk | None,
    template: str,
    title: str,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """The page ``template`` with the menu, the session's CSRF token and any flash message."""
    path = request.url.path
    nav = []
    if desk is not None:
        shown = [(href, label) for href, label, permission in NAV if desk.can(permission)]
        matches = [h for h, _ in shown if path == h or path.startswith(h + "/")]
        active = max(matches, key=len, default=None)
        nav = [(href, label, href == active) for href, label in shown]
    message = take_flash(request)
    if message is not None and desk is not None:  # a message can name people: log the read
        log_access(request, None)
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "title": title,
            "desk": desk,
            "nav": nav,
            "csrf": desk.csrf if desk else "",
            "flash": message,
            **context,
        },
        status_code=status,
    )
    if message is not None:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response
