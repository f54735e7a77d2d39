"""``/v1/waitlist`` and ``/v1/offers``: the waitlist in offer order, offering a free place to
the next request it fits, and accepting, declining or expiring offers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from api.http.access import audited, touch
from api.http.auth import Principal, require
from api.http.deps import V1, IdPath, LedgerDep, SettingsDep
from api.http.schemas import AcceptRequest, OfferRequest
from ledger.state import published_cached
from ledger.waitlists import (
    accept,
    decline,
    expire_offers,
    offer_next,
    offers_in,
    utc,
    waitlist,
)

router = APIRouter(prefix=V1, tags=["waitlists and offers"], dependencies=[Depends(audited)])
Reader = Annotated[Principal, Depends(require("waitlists:read"))]
Writer = Annotated[Principal, Depends(require("waitlists:write"))]


def _offered(request: Request, doc: dict[str, Any] | None) -> None:
    if doc:
        touch(request, doc.get("participant"))


@router.get("/waitlist", response_model=list[dict[str, Any]])
def listing(
    request: Request,
    ledger: LedgerDep,
    _: Reader,
    group_type: Annotated[str | None, Query(min_length=1)] = None,
) -> list[dict[str, Any]]:
    """Standing waitlist entries: priority, then date requested, then entry."""
    found = [w.to_json() for w in waitlist(ledger, group_type)]
    touch(request, [w["participant"] for w in found])
    return found


@router.get("/offers", response_model=list[dict[str, Any]])
def offers(
    request: Request,
    ledger: LedgerDep,
    _: Reader,
    every: Annotated[bool, Query(alias="all", description="Answered and expired too")] = False,
) -> list[dict[str, Any]]:
    """Open offers (or every offer)."""
    with ledger.read() as s:
        published_cached(s)
        found = [o.to_json() for o in offers_in(s, utc(None), open_only=not every)]
    touch(request, [o["participant"] for o in found])
    return found


@router.post(
    "/offers",
    status_code=201,
    response_model=dict[str, Any],
    responses={200: {"description": "No offer made: no waiting request fits (offer is null)"}},
)
def offer(
    request: Request,
    response: Response,
    body: OfferRequest,
    ledger: LedgerDep,
    settings: SettingsDep,
    _: Writer,
) -> dict[str, Any]:
    """Offer a free place of a section (or of any section of a type) to the first waiting
    request it fits (201, the offer made); those passed over are listed with the reason. When
    none fits, nothing is created: 200 with ``offer`` null."""
    hours = body.hours or settings.offer_hours
    result = offer_next(ledger, body.target, body.from_date, dt.timedelta(hours=hours)).to_json()
    _offered(request, result["offer"])
    if result["offer"] is None:
        response.status_code = 200
    return result


@router.post("/offers/{offer_id}/accept", response_model=dict[str, Any])
def accept_offer(
    request: Request,
    offer_id: IdPath,
    ledger: LedgerDep,
    _: Writer,
    body: AcceptRequest | None = None,
) -> dict[str, Any]:
    """Accept an offer: enrolled from its date in a new schedule version (409 if a rule no
    longer holds, or the offer is answered or expired)."""
    done = accept(ledger, offer_id, body.from_date if body else None)
    doc = done.offer.to_json()
    _offered(request, doc)
    return {"offer": doc, "version": done.version, "from_date": done.from_date.isoformat()}


@router.post("/offers/{offer_id}/decline", response_model=dict[str, Any])
def decline_offer(
    request: Request, offer_id: IdPath, ledger: LedgerDep, _: Writer
) -> dict[str, Any]:
    """Decline an offer: the place goes to the next waiting request it fits."""
    info, nxt = decline(ledger, offer_id)
    doc = {"declined": info.to_json(), "next": nxt.to_json()}
    _offered(request, doc["declined"])
    _offered(request, doc["next"]["offer"])
    return doc


@router.post("/offers/expire", response_model=list[dict[str, Any]])
def expire(request: Request, ledger: LedgerDep, _: Writer) -> list[dict[str, Any]]:
    """Record offers past their expiry and offer each place to the next request."""
    done = [
        {"expired": i.to_json(), "next": n.to_json()} for i, n in expire_offers(ledger, utc(None))
    ]
    for d in done:
        _offered(request, d["expired"])
        _offered(request, d["next"]["offer"])
    return done
