"""``/v1/closures``: close a day and recover its sessions with makeups chosen jointly."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request

from api.http.access import audited, touch_doc
from api.http.auth import Principal, require
from api.http.deps import V1, LedgerDep, SettingsDep
from api.http.examples import one
from api.http.schemas import CloseDayRequest
from ledger.closures import close_day

router = APIRouter(prefix=V1, tags=["closures"], dependencies=[Depends(audited)])
Director = Annotated[Principal, Depends(require("closures:write"))]

EXAMPLE = {"date": "2027-10-12", "reason": "snow", "dry_run": True, "within_days": 14}


@router.post("/closures", response_model=dict[str, Any])
def close(
    request: Request,
    body: Annotated[CloseDayRequest, Body(openapi_examples=one("A snow day", EXAMPLE))],
    ledger: LedgerDep,
    settings: SettingsDep,
    who: Director,
) -> dict[str, Any]:
    """Close a date: its sessions and the makeups into them are cancelled, and makeups for
    everyone who lost a session are chosen jointly and booked (``dry_run``: proposed, nothing
    written). The report lists what was recovered and what was not, with reasons."""
    limit = min(body.time_limit, settings.max_solve_seconds)
    report = close_day(
        ledger,
        body.date,
        body.reason,
        not body.dry_run,
        body.within_days,
        None,
        limit,
        booked_by=f"closure (token {who.token_id})",
    )
    return touch_doc(request, report.to_json())
