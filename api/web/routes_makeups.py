"""The makeup finder: a participant's missed sessions, ranked options with seats left, booking."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from api.web import render
from api.web.common import done, log_access, published_or_none
from api.web.session import Desk, page
from ledger import attendance
from ledger.makeups import MakeupOption, book, search
from ledger.state import RefusedError

router = APIRouter(include_in_schema=False)

WITHIN_DAYS = 14


@router.get("/desk/makeups")
def finder(
    request: Request,
    participant: str = "",
    missed: int | None = None,
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
    missed: int = Form(...),
    option: str = Form(...),
    desk: Desk = Depends(page("desk:va", "makeups:write")),  # noqa: B008
) -> Response:
    log_access(request, participant)
    back = f"/desk/makeups?participant={participant}"
    try:
        chosen = MakeupOption.from_json(json.loads(option))
    except (ValueError, KeyError, TypeError):
        return done(request, back, "That option could not be read; search again.", "error")
    try:
        makeup = book(desk.ledger, participant, missed, chosen, booked_by=desk.principal.label)
    except RefusedError as exc:
        return done(request, f"{back}&missed={missed}", f"Not booked: {exc}", "error")
    return done(
        request,
        back,
        f"Booked makeup {makeup.id}: {participant} into {chosen.label(seats=False)}.",
    )
