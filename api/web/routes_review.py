"""The director's review pages: the weekly timetable, what changed between versions, the audit."""

from __future__ import annotations

import json
from collections import Counter

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy import select

from analysis import frames
from api.web import render, views
from api.web.common import done, form_date, log_access, not_a_date, parse_day, published_or_none
from api.web.session import Desk, page
from audit.findings import Finding
from ledger import audit_runs
from ledger.schema import MAX_ID, AuditRun
from models import ContractError, parse_records
from models.diff import schedule_diff
from models.files import loads

router = APIRouter(include_in_schema=False)

DIRECTOR = "desk:director"
MAX_RECORDS_BYTES = 20_000_000
FINDINGS_SHOWN = 200


@router.get("/director/timetable")
def timetable(
    request: Request,
    version: int | None = Query(None, ge=1, le=MAX_ID),
    desk: Desk = Depends(page(DIRECTOR, "schedule:read")),  # noqa: B008
) -> Response:
    numbers = views.version_numbers(desk.ledger)
    number = version if version in numbers else (numbers[-1] if numbers else None)
    figure = views.timetable_json(desk.ledger, number) if number is not None else None
    return render.page(
        request,
        desk,
        "timetable.html.j2",
        "Weekly timetable",
        numbers=numbers,
        number=number,
        figure=figure,
    )


@router.get("/director/versions")
def versions(
    request: Request,
    a: int | None = Query(None, ge=1, le=MAX_ID),
    b: int | None = Query(None, ge=1, le=MAX_ID),
    desk: Desk = Depends(page(DIRECTOR, "schedule:read")),  # noqa: B008
) -> Response:
    listed = views.versions(desk.ledger)
    numbers = [v.number for v in listed]
    diff = None
    if len(numbers) >= 2:
        a = a if a in numbers else numbers[-2]
        b = b if b in numbers else numbers[-1]
        diff = schedule_diff(views.schedule_of(desk.ledger, a), views.schedule_of(desk.ledger, b))
        log_access(
            request,
            {row["participant"] for part in ("moved", "joined", "left") for row in diff[part]},
        )
    return render.page(
        request, desk, "versions.html.j2", "Schedule versions", listed=listed, a=a, b=b, diff=diff
    )


def _findings(desk: Desk, run_id: int | None) -> tuple[AuditRun | None, list[Finding]]:
    with desk.ledger.read() as s:
        query = select(AuditRun).order_by(AuditRun.id.desc()).limit(1)
        if run_id is not None:
            query = select(AuditRun).where(AuditRun.id == run_id)
        run = s.scalars(query).first()
        if run is None:
            return None, []
        s.expunge(run)
    return run, [Finding.model_validate(f) for f in json.loads(run.findings)]


@router.get("/director/audit")
def audit_page(
    request: Request,
    run: int | None = Query(None, ge=1, le=MAX_ID),
    desk: Desk = Depends(page(DIRECTOR, "audit:read")),  # noqa: B008
) -> Response:
    pub = published_or_none(desk.ledger)
    row, found = _findings(desk, run)
    fix = frames.fix_first(frames.findings(found)) if found else None
    log_access(request, {f.participant for f in found})
    return render.page(
        request,
        desk,
        "audit.html.j2",
        "Audit summary",
        pub=pub,
        run=row,
        findings=found[:FINDINGS_SHOWN],
        total=len(found),
        severities=Counter(f.severity for f in found),
        fix=fix.to_dict("records") if fix is not None else [],
        day=parse_day("", pub),
    )


@router.post("/director/audit")
async def run_audit(
    request: Request,
    as_of: str = Form(...),
    records_file: UploadFile = File(...),  # noqa: B008
    desk: Desk = Depends(page(DIRECTOR, "audit:read", "records:write")),  # noqa: B008
) -> Response:
    pub = published_or_none(desk.ledger)
    if pub is None:
        return done(request, "/director/audit", "Publish a schedule before auditing it.", "error")
    raw = await records_file.read(MAX_RECORDS_BYTES + 1)
    day = form_date(as_of)
    if day is None:
        return done(request, "/director/audit", f"Not audited: {not_a_date(as_of)}", "error")
    if len(raw) > MAX_RECORDS_BYTES:
        too_big = f"Not audited: the records file is larger than {MAX_RECORDS_BYTES} bytes"
        return done(request, "/director/audit", too_big, "error")
    try:
        source = records_file.filename or "records"
        records = parse_records(loads(raw, source), pub.term, source)
        row, found = audit_runs.run_audit(
            desk.ledger, pub, records, day, desk.principal.token_id, source=source
        )
    except ContractError as exc:  # the records (bad JSON, a payer's rules); not our own errors
        return done(request, "/director/audit", f"Not audited: {exc}", "error")
    log_access(request, {f.participant for f in found})
    return done(request, f"/director/audit?run={row.id}", f"Audit {row.id}: {len(found)} findings.")
