"""Waitlists and offers (offer next, accept, decline), admissions and discharges."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Path, Request, UploadFile
from fastapi.responses import Response

from api.web import render
from api.web.common import (
    done,
    form_date,
    log_access,
    not_a_date,
    parse_day,
    published_or_none,
)
from api.web.session import Desk, page
from ledger import admissions
from ledger.schema import MAX_ID
from ledger.state import RefusedError
from ledger.waitlists import accept, decline, offer_next, open_offers, waitlist
from models import ContractError
from models.files import loads

router = APIRouter(include_in_schema=False)

MAX_PARTICIPANT_BYTES = 200_000


@router.get("/desk/waitlists")
def waitlists(
    request: Request,
    desk: Desk = Depends(page("desk:va", "waitlists:read")),  # noqa: B008
) -> Response:
    pub = published_or_none(desk.ledger)
    waiting = waitlist(desk.ledger) if pub else []
    offers = open_offers(desk.ledger) if pub else []
    log_access(request, {w.participant for w in waiting} | {o.participant for o in offers})
    return render.page(
        request,
        desk,
        "waitlists.html.j2",
        "Waitlists and offers",
        pub=pub,
        waiting=waiting,
        offers=offers,
        day=parse_day("", pub),
        can_write=desk.can("waitlists:write"),
    )


@router.post("/desk/waitlists/offer")
def offer(
    request: Request,
    target: str = Form(...),
    from_date: str = Form(...),
    desk: Desk = Depends(page("desk:va", "waitlists:write")),  # noqa: B008
) -> Response:
    day = form_date(from_date)
    if day is None:
        return done(request, "/desk/waitlists", not_a_date(from_date), "error")
    try:
        result = offer_next(desk.ledger, target.strip(), day)
    except (RefusedError, LookupError) as exc:
        return done(request, "/desk/waitlists", str(exc), "error")
    log_access(request, result.offer.participant if result.offer else None)
    return done(request, "/desk/waitlists", result.label(), "ok" if result.offer else "error")


@router.post("/desk/waitlists/offers/{offer_id}/{answer}")
def answer_offer(
    request: Request,
    answer: str,
    offer_id: int = Path(..., ge=1, le=MAX_ID),
    desk: Desk = Depends(page("desk:va", "waitlists:write")),  # noqa: B008
) -> Response:
    try:
        if answer == "accept":
            accepted = accept(desk.ledger, offer_id)
            log_access(request, accepted.offer.participant)
            message = f"{accepted.offer.label()}; schedule v{accepted.version} published."
        elif answer == "decline":
            info, following = decline(desk.ledger, offer_id)
            nxt = following.offer
            log_access(request, [info.participant, *([nxt.participant] if nxt else [])])
            message = f"{info.label()}. Next: {following.label()}"
        else:
            return done(request, "/desk/waitlists", f"Unknown answer {answer!r}.", "error")
    except (RefusedError, LookupError) as exc:
        return done(request, "/desk/waitlists", str(exc), "error")
    return done(request, "/desk/waitlists", message)


@router.get("/desk/admissions")
def admissions_page(
    request: Request,
    desk: Desk = Depends(page("desk:va", "admissions:write")),  # noqa: B008
) -> Response:
    pub = published_or_none(desk.ledger)
    return render.page(
        request,
        desk,
        "admissions.html.j2",
        "Admissions and discharges",
        pub=pub,
        day=parse_day("", pub),
    )


@router.post("/desk/admissions/admit")
async def admit(
    request: Request,
    from_date: str = Form(...),
    participant_file: UploadFile = File(...),  # noqa: B008
    desk: Desk = Depends(page("desk:va", "admissions:write")),  # noqa: B008
) -> Response:
    day = form_date(from_date)
    raw = await participant_file.read(MAX_PARTICIPANT_BYTES + 1)
    if day is None:
        return done(request, "/desk/admissions", not_a_date(from_date), "error")
    if len(raw) > MAX_PARTICIPANT_BYTES:
        return done(
            request, "/desk/admissions", "That file is too large for one participant.", "error"
        )
    try:
        doc = loads(raw, "participant file")
    except ContractError as exc:
        return done(request, "/desk/admissions", f"Not JSON: {exc}", "error")
    pid = doc.get("id") if isinstance(doc, dict) else None
    log_access(request, pid if isinstance(pid, str) else None)
    try:
        result = admissions.admit(desk.ledger, doc, day)
    except (RefusedError, ContractError) as exc:
        return done(request, "/desk/admissions", f"Not admitted: {exc}", "error")
    placed = ", ".join(f"{t} in {sid}" for t, sid, _ in result.placed) or "no section"
    waiting = ", ".join(w.group_type for w in result.waitlisted)
    message = f"{result.participant} admitted from {day} (v{result.version}): {placed}"
    return done(
        request,
        "/desk/admissions",
        message + (f"; waitlisted for {waiting}" if waiting else "") + ".",
    )


@router.post("/desk/admissions/discharge")
def discharge(
    request: Request,
    participant: str = Form(...),
    from_date: str = Form(...),
    reason: str = Form(""),
    desk: Desk = Depends(page("desk:va", "admissions:write")),  # noqa: B008
) -> Response:
    day = form_date(from_date)
    pid = participant.strip()
    log_access(request, pid)
    if day is None:
        return done(request, "/desk/admissions", not_a_date(from_date), "error")
    try:
        report = admissions.discharge(desk.ledger, pid, day, reason[:200])
    except RefusedError as exc:
        return done(request, "/desk/admissions", f"Not discharged: {exc}", "error")
    offered = [o.label() for o in report.offers]
    short = [m.label() for m in report.under_min]
    left = ", ".join(report.left) or "no section"
    message = f"{pid} discharged from {day} (v{report.version}); left {left}."
    return done(request, "/desk/admissions", " ".join([message, *offered, *short]))
