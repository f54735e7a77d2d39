"""``/v1/audits``: run the billing and documentation audit on a records document against the
published schedule, keep its findings, and list them filtered by code, payer or participant."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Request
from sqlalchemy import select

from api.http import examples
from api.http.access import audited, touch
from api.http.auth import Principal, require
from api.http.deps import V1, IdPath, LedgerDep
from api.http.problems import ApiProblem, not_found
from api.http.schemas import AuditRequest, AuditRunDoc, AuditRunSummary
from api.http.scope import own_participants
from audit import Finding
from audit.findings import CODES
from ledger.audit_runs import UnknownProfileError, run_audit
from ledger.schema import AuditRun
from ledger.state import check_known, published_cached
from ledger.store import Ledger
from models import parse_records

router = APIRouter(prefix=V1 + "/audits", tags=["audits"], dependencies=[Depends(audited)])
Runner = Annotated[Principal, Depends(require("records:write"))]
Reader = Annotated[Principal, Depends(require("audit:read"))]

EXAMPLE = {"records": examples.records(), "as_of": "2027-10-24"}


def _scoped(ledger: Ledger, who: Principal, findings: list[Finding]) -> list[Finding]:
    """A clinician's findings: only about members of the sections they lead."""
    with ledger.read() as s:
        mine = own_participants(who, published_cached(s).schedule)
    return findings if mine is None else [f for f in findings if f.participant in mine]


def _findings(row: AuditRun) -> list[Finding]:
    return [Finding.model_validate(f) for f in json.loads(row.findings)]


def _doc(row: AuditRun, findings: list[Finding]) -> AuditRunDoc:
    return AuditRunDoc(
        id=row.id,
        as_of=row.as_of,
        schedule_version=row.schedule_version,
        profile=row.profile,
        created_at=row.created_at,
        counts=dict(sorted(Counter(f.code for f in findings).items())),
        findings=findings,
    )


@router.post("", status_code=201, response_model=AuditRunDoc)
def run(
    request: Request,
    body: Annotated[AuditRequest, Body(openapi_examples=examples.one("Demo records", EXAMPLE))],
    ledger: LedgerDep,
    who: Runner,
) -> AuditRunDoc:
    """Audit the published schedule and the records (``otgroups.records/1``): sessions held up
    to ``as_of`` and the schedule's sessions after it, against each payer's rule profile."""
    with ledger.read() as s:
        pub = published_cached(s)
    records = parse_records(body.records, pub.term)
    as_of = body.as_of or dt.date.today()
    try:
        row, findings = run_audit(ledger, pub, records, as_of, who.token_id, body.profile)
    except UnknownProfileError as exc:
        raise ApiProblem(422, "invalid-input", "Invalid input", f"profile: {exc}") from None
    shown = _scoped(ledger, who, findings)
    touch(request, [f.participant for f in shown])
    return _doc(row, shown)


@router.get("", response_model=list[AuditRunSummary])
def runs(ledger: LedgerDep, _: Reader) -> list[AuditRunSummary]:
    """Audit runs, oldest first (counts only)."""
    with ledger.read() as s:
        rows = list(s.scalars(select(AuditRun).order_by(AuditRun.id)))
    return [
        AuditRunSummary(
            id=r.id,
            as_of=r.as_of,
            schedule_version=r.schedule_version,
            profile=r.profile,
            created_at=r.created_at,
            findings=len(json.loads(r.findings)),
        )
        for r in rows
    ]


@router.get("/{run_id}/findings", response_model=list[Finding])
def findings(
    request: Request,
    run_id: IdPath,
    ledger: LedgerDep,
    who: Reader,
    code: Annotated[str | None, Query(min_length=1)] = None,
    payer: Annotated[str | None, Query(min_length=1)] = None,
    participant: Annotated[str | None, Query(min_length=1)] = None,
) -> list[Finding]:
    """A run's findings in the contract's order, filtered by code, payer and participant."""
    if code is not None and code not in CODES:
        raise not_found(f"no finding code {code!r}")
    with ledger.read() as s:
        row = s.get(AuditRun, run_id)
        if row is None:
            raise not_found(f"no audit run {run_id}")
        check_known(s, published_cached(s), participant=participant)
        found = _findings(row)
    found = [
        f
        for f in _scoped(ledger, who, found)
        if (code is None or f.code == code)
        and (payer is None or f.payer == payer)
        and (participant is None or f.participant == participant)
    ]
    touch(request, [f.participant for f in found])
    return found
