"""``/v1/terms``: upload a contract term, list and read them, check a schedule against one."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request

from api.http import examples
from api.http.access import audited, may_name, touch
from api.http.auth import Principal, require
from api.http.deps import V1, IdPath, LedgerDep
from api.http.problems import not_found
from api.http.schemas import ScheduleCheck, TermSummary, TermWarnings, ViolationDoc
from ledger.schema import UploadedTerm
from ledger.store import Ledger
from ledger.uploads import store_term, uploaded_term, uploaded_terms
from models import Schedule, Term, document, parse_schedule, parse_term
from models.validation import recompute_score, validate_schedule
from optimizer.diagnose import term_warnings
from optimizer.prepare import prepare

router = APIRouter(prefix=V1 + "/terms", tags=["terms"], dependencies=[Depends(audited)])
Reader = Annotated[Principal, Depends(require("terms:read"))]
Writer = Annotated[Principal, Depends(require("terms:write"))]


def load_uploaded(ledger: Ledger, term_id: IdPath) -> Term:
    """An uploaded term (404 when there is none with that id)."""
    return uploaded_or_404(ledger, term_id)[0]


def uploaded_or_404(ledger: Ledger, term_id: int) -> tuple[Term, dict[str, Any]]:
    """An uploaded term and its document (404 when there is none with that id)."""
    found = uploaded_term(ledger, term_id)
    if found is None:
        raise not_found(f"no uploaded term {term_id}")
    return found


def _summary(row: UploadedTerm) -> TermSummary:
    doc = json.loads(row.document)
    return TermSummary(
        id=row.id,
        name=row.name,
        clinic=doc["clinic"]["id"],
        participants=row.participants,
        created_at=row.created_at,
    )


@router.post("", status_code=201, response_model=TermSummary)
def upload(
    request: Request,
    term: Annotated[Term, Body(openapi_examples=examples.one("Demo clinic", examples.term()))],
    ledger: LedgerDep,
    who: Writer,
) -> TermSummary:
    """Upload a term (``otgroups.term/1``), checked whole: a bad field, a dangling or duplicate
    id is a 422 naming its path, and nothing is stored."""
    checked = parse_term(document(term), source="term")
    touch(request, [p.id for p in checked.participants])
    return _summary(store_term(ledger, checked, checked.term.name, who.token_id))


@router.get("", response_model=list[TermSummary])
def listing(ledger: LedgerDep, _: Reader) -> list[TermSummary]:
    """Uploaded terms, oldest first."""
    return [_summary(r) for r in uploaded_terms(ledger)]


@router.get("/{term_id}", response_model=Term)
def read(request: Request, term_id: IdPath, ledger: LedgerDep, _: Reader) -> Term:
    """An uploaded term document."""
    term = load_uploaded(ledger, term_id)
    touch(request, [p.id for p in term.participants])
    return term


@router.get("/{term_id}/warnings", response_model=TermWarnings)
def warnings(request: Request, term_id: IdPath, ledger: LedgerDep, _: Reader) -> TermWarnings:
    """What stands in the way before a solve: group types that cannot run, requesters who are
    never free with enough others who may share a section, and participants whose week cannot
    hold all their groups (the same lines the command line prints before solving)."""
    term = load_uploaded(ledger, term_id)
    may_name(request, [p.id for p in term.participants])
    found = term_warnings(prepare(term))
    touch(request, sorted({pid for w in found for pid in w.participants}))
    return TermWarnings(warnings=[w.message for w in found])


@router.post("/{term_id}/validate-schedule", response_model=ScheduleCheck)
def check_schedule(
    request: Request,
    term_id: IdPath,
    schedule: Annotated[
        Schedule, Body(openapi_examples=examples.one("Two demo sections", examples.schedule()))
    ],
    ledger: LedgerDep,
    _: Reader,
) -> ScheduleCheck:
    """Re-check every hard rule, the score and the waitlist of a schedule for this term (ids
    that are not the term's are a 422 naming the path)."""
    term = load_uploaded(ledger, term_id)
    may_name(request, [p.id for p in term.participants])
    checked = parse_schedule(document(schedule), term)
    touch(request, [pid for s in checked.sections for pid in s.participants])
    violations = validate_schedule(term, checked)
    return ScheduleCheck(
        valid=not violations,
        score=checked.score,
        recomputed_score=recompute_score(term, checked),
        violations=[
            ViolationDoc(rule=v.rule, subject=v.subject, message=v.message) for v in violations
        ],
    )
