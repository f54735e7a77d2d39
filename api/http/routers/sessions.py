"""``/v1/sections`` and ``/v1/sessions``: the published sections, and dated sessions by date
range with each date's roster (a clinician's own only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from api.http.access import audited, touch
from api.http.auth import Principal, require
from api.http.deps import V1, LedgerDep
from api.http.problems import ApiProblem
from api.http.schemas import SessionDoc
from api.http.scope import limited, visible
from api.ledger_views import MAX_RANGE_DAYS, dated_sessions, schedule_on
from models import Section
from models.common import IsoDate

router = APIRouter(prefix=V1, tags=["sections and sessions"], dependencies=[Depends(audited)])
Reader = Annotated[Principal, Depends(require("schedule:read"))]


@router.get("/sections", response_model=list[Section])
def sections(
    request: Request,
    ledger: LedgerDep,
    who: Reader,
    date: Annotated[
        IsoDate | None, Query(description="As they stood on this date (default: the latest)")
    ] = None,
) -> list[Section]:
    """The sections of the schedule in force (latest version), or as they stood on ``date``:
    the members enrolled that date (a discharge or admission from a later date not yet)."""
    with ledger.read() as s:
        schedule = visible(who, schedule_on(s, date))
    touch(request, [pid for sec in schedule.sections for pid in sec.participants])
    return list(schedule.sections)


@router.get("/sessions", response_model=list[SessionDoc])
def sessions(
    request: Request,
    ledger: LedgerDep,
    who: Reader,
    first: Annotated[IsoDate, Query(alias="from", description="First date")],
    last: Annotated[
        IsoDate | None, Query(alias="to", description="Last date (default: from)")
    ] = None,
    section: Annotated[str | None, Query(min_length=1)] = None,
    participant: Annotated[str | None, Query(min_length=1)] = None,
) -> list[SessionDoc]:
    """Dated sessions from ``from`` to ``to`` (at most 62 days) with ids and rosters."""
    staff = who.staff_id if limited(who) else None
    try:
        with ledger.read() as s:
            listed = dated_sessions(s, first, last, participant, staff, section)
    except ValueError as exc:
        problem = ApiProblem(422, "invalid-input", "Invalid input", f"to: {exc}")
        raise problem from None
    touch(request, participant)
    touch(request, [pid for d in listed for pid in d["participants"]])
    return [SessionDoc.model_validate(d) for d in listed]


assert MAX_RANGE_DAYS == 62
