"""The makeup finder: a participant's missed sessions, ranked options with seats left, booking."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response

from api.http.schemas import MakeupOptionDoc
from api.web import render
from api.web.common import desk_url, done, log_access, published_or_none
from api.web.session import Desk, page
from ledger import attendance
from ledger.makeups import book, booked_option, search
from ledger.schema import MAX_ID
from ledger.state import RefusedError
from models.files import loads

router = APIRouter(include_in_schema=False)

WITHIN_DAYS = 14


@router.get("/desk/makeups")
def finder(
    request: Request,
    participant: str = "",
    missed: int | None = Query(None, ge=1, le=MAX_ID),
    desk: Desk = Depends(page("desk:va", "makeups:read")),  # noqa: B008
) -> Response:
    pid = participant.strip()
    pub = published_or_none(desk.ledger)
    context: dict = {"pid": pid, "missed_id": missed, "found": None, "error": "", "missed": []}
    if pid and pub is not None:
        log_access(request, pid)
        if not any(p.id == pid for p in pub.term.participants):
            context["error"] = f"No participant {pid} in the published term."
        else:
            context["missed"] = attendance.missed(desk.ledger, pid)
            if missed is not None:
                try:
                    context["found"] = search(desk.ledger, pid, missed, WITHIN_DAYS)
                except RefusedError as exc:
                    context["error"] = str(exc)
    return render.page(
        request,
        desk,
        "makeups.html.j2",
        "Makeup finder",
        pub=pub,
        within=WITHIN_DAYS,
        can_book=desk.can("makeups:write"),
        json=json,
        **context,
    )


@router.post("/desk/makeups/book")
def book_option(
    request: Request,
    participant: str = Form(...),
    missed: int = Form(..., ge=1, le=MAX_ID),
    option: str = Form(...),
    desk: Desk = Depends(page("desk:va", "makeups:write")),  # noqa: B008
) -> Response:
    log_access(request, participant)
    back = desk_url("desk", "makeups", participant=participant)
    try:
        chosen = MakeupOptionDoc.model_validate(loads(option, "option")).to_option()
    except ValueError:  # not JSON, not an option (a ValidationError), not clock times
        return done(request, back, "That option could not be read; search again.", "error")
    try:
        makeup = book(desk.ledger, participant, missed, chosen, booked_by=desk.principal.label)
        chosen = booked_option(desk.ledger, chosen, makeup.id)
    except RefusedError as exc:
        again = desk_url("desk", "makeups", participant=participant, missed=missed)
        return done(request, again, f"Not booked: {exc}", "error")
    return done(
        request,
        back,
        f"Booked makeup {makeup.id}: {participant} into {chosen.label(seats=False)}.",
    )
