"""``/v1/admissions``, ``/v1/discharges``, ``/v1/merges``: changing who is in the term mid-way,
each one schedule version in one transaction."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request

from api.http import examples
from api.http.access import audited, touch, touch_doc
from api.http.auth import Principal, require
from api.http.deps import V1, LedgerDep, SettingsDep
from api.http.schemas import AdmitRequest, DischargeRequest, MergeRequest
from ledger.admissions import admit, discharge, merge
from models import document

router = APIRouter(prefix=V1, tags=["admissions and discharges"], dependencies=[Depends(audited)])
Office = Annotated[Principal, Depends(require("admissions:write"))]

ADMIT_EXAMPLE = {"participant": examples.participant(), "from_date": "2027-10-04"}
DISCHARGE_EXAMPLE = {"participant": "P0006", "from_date": "2027-10-04", "reason": "completed"}


@router.post("/admissions", status_code=201, response_model=dict[str, Any])
def admit_participant(
    request: Request,
    body: Annotated[AdmitRequest, Body(openapi_examples=examples.one("A newcomer", ADMIT_EXAMPLE))],
    ledger: LedgerDep,
    settings: SettingsDep,
    _: Office,
) -> dict[str, Any]:
    """Admit a participant (contract ``participants[]`` shape) from a date: placed with
    everyone else pinned, or waitlisted with the reasons."""
    touch(request, body.participant.id)
    limit = min(body.time_limit, settings.max_solve_seconds)
    done = admit(ledger, document(body.participant), body.from_date, limit)
    return touch_doc(request, done.to_json())


@router.post("/discharges", response_model=dict[str, Any])
def discharge_participant(
    request: Request,
    body: Annotated[
        DischargeRequest, Body(openapi_examples=examples.one("Completed", DISCHARGE_EXAMPLE))
    ],
    ledger: LedgerDep,
    _: Office,
) -> dict[str, Any]:
    """Discharge a participant: their places are freed and offered on; sections left under
    their minimum come back with merge proposals (``under_min``)."""
    touch(request, body.participant)
    done = discharge(ledger, body.participant, body.from_date, body.reason)
    return touch_doc(request, done.to_json())


@router.post("/merges", response_model=dict[str, Any])
def merge_sections(
    request: Request, body: MergeRequest, ledger: LedgerDep, _: Office
) -> dict[str, Any]:
    """Move every member of a section into another of its type from a date, and drop it."""
    done = merge(ledger, body.section, body.into, body.from_date)
    return touch_doc(request, done.to_json())
