"""``/v1/sessions/{id}/attendance``: record marks (all or none) and read the current ones."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request

from api.http.access import audited, touch
from api.http.auth import Principal, require
from api.http.deps import V1, IdPath, LedgerDep, SettingsDep
from api.http.examples import one
from api.http.problems import ApiProblem
from api.http.schemas import AttendanceRequest, MarkDoc
from api.http.scope import check_staff
from ledger.attendance import Mark, MinutesError, attendance_of, record_in, session_row
from ledger.store import Ledger
from models.errors import Problem

router = APIRouter(prefix=V1, tags=["attendance"], dependencies=[Depends(audited)])
Writer = Annotated[Principal, Depends(require("attendance:write"))]
Reader = Annotated[Principal, Depends(require("attendance:read"))]

EXAMPLE = {
    "marks": [
        {"participant": "P0006", "status": "present"},
        {"participant": "P0014", "status": "late", "minutes": 45},
        {"participant": "P0021", "status": "absent"},
    ],
    "by": "ota-kowalski",
}


def _check(ledger: Ledger, who: Principal, session_id: IdPath) -> None:
    with ledger.read() as s:
        row = session_row(s, session_id)
        check_staff(who, row.staff, f"session {session_id}")


def _doc(mark: Mark) -> MarkDoc:
    return MarkDoc(
        attendance_id=mark.attendance_id,
        session_id=mark.session_id,
        participant=mark.participant,
        status=mark.status,
        minutes=mark.minutes,
        recorded_by=mark.recorded_by,
        recorded_at=mark.recorded_at,
    )


@router.post("/sessions/{session_id}/attendance", status_code=201, response_model=list[MarkDoc])
def mark(
    request: Request,
    session_id: IdPath,
    body: Annotated[AttendanceRequest, Body(openapi_examples=one("Three marks", EXAMPLE))],
    ledger: LedgerDep,
    settings: SettingsDep,
    who: Writer,
) -> list[MarkDoc]:
    """Record marks at a dated session, in one transaction: all are written or none (a person
    not on that date's roster, a cancelled session, a closed day or a session not yet started
    is a 409; only ``excused`` can be recorded ahead)."""
    touch(request, [m.participant for m in body.marks])
    _check(ledger, who, session_id)
    by = body.by or f"token {who.token_id}"
    with ledger.write() as s:
        rows = []
        for i, m in enumerate(body.marks):
            try:
                rows.append(
                    record_in(
                        s, session_id, m.participant, m.status, m.minutes, by, settings.clock()
                    )
                )
            except MinutesError as exc:
                problem = Problem(f"marks[{i}].minutes", str(exc))
                raise ApiProblem(
                    422, "invalid-input", "Invalid input", str(problem), errors=[problem]
                ) from None
        return [
            MarkDoc(
                attendance_id=r.id,
                session_id=r.session_id,
                participant=r.participant,
                status=r.status,
                minutes=r.minutes,
                recorded_by=r.recorded_by,
                recorded_at=r.created_at,
            )
            for r in rows
        ]


@router.get("/sessions/{session_id}/attendance", response_model=list[MarkDoc])
def marks(request: Request, session_id: IdPath, ledger: LedgerDep, who: Reader) -> list[MarkDoc]:
    """The current mark of each participant marked at the session."""
    _check(ledger, who, session_id)
    found = attendance_of(ledger, session_id)
    touch(request, list(found))
    return [_doc(m) for m in found.values()]
