"""``/v1/schedules``: publish a solve (or an uploaded schedule) as a ledger version, list the
versions, read one and its term, and diff two (who moved where)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Request
from sqlalchemy import select

from api.http import examples
from api.http.access import audited, touch
from api.http.auth import Principal, require
from api.http.deps import MAX_ID, V1, IdPath, JobsDep, LedgerDep
from api.http.problems import ApiProblem, not_found
from api.http.routers.solves import find_job
from api.http.routers.terms import load_uploaded
from api.http.schemas import DiffDoc, PublishDoc, PublishRequest, VersionDoc
from api.http.scope import own_participants, visible
from api.ledger_views import publish_summary
from ledger.marks import as_requested
from ledger.schema import ScheduleVersion
from ledger.state import version_documents
from ledger.store import Ledger
from models import Schedule, Term, document, parse_schedule
from models.diff import schedule_diff

router = APIRouter(prefix=V1 + "/schedules", tags=["schedules"], dependencies=[Depends(audited)])
Publisher = Annotated[Principal, Depends(require("publish"))]
Reader = Annotated[Principal, Depends(require("schedule:read"))]
TermReader = Annotated[Principal, Depends(require("terms:read"))]

PUBLISH_EXAMPLE = {"solve": "3f2a9c0d5b6e4f718293a4b5c6d7e8f9", "effective_from": "2027-09-13"}


def _what(body: PublishRequest, ledger: Ledger, jobs: JobsDep) -> tuple[Term, Schedule]:
    if (body.solve is None) == (body.schedule is None):
        raise ApiProblem(
            422, "invalid-input", "Invalid input", "send either solve, or term with schedule"
        )
    if body.solve is not None:
        job = find_job(jobs, body.solve, schedule=True)
        if job.state != "done" or job.schedule is None:
            raise ApiProblem(409, "not-done", "No result", f"solve {body.solve} is {job.state}")
        term = load_uploaded(ledger, job.term_id)
        return term, parse_schedule(job.schedule, term, f"solve {job.id}")
    if body.term is None:
        raise ApiProblem(422, "invalid-input", "Invalid input", "term: required with schedule")
    term = load_uploaded(ledger, body.term)
    assert body.schedule is not None
    return term, parse_schedule(document(body.schedule), term)


@router.post("", status_code=201, response_model=PublishDoc)
def publish(
    request: Request,
    body: Annotated[
        PublishRequest, Body(openapi_examples=examples.one("A solve", PUBLISH_EXAMPLE))
    ],
    ledger: LedgerDep,
    jobs: JobsDep,
    _: Publisher,
) -> PublishDoc:
    """Publish a schedule into the ledger: enrollments, dated sessions over the term and the
    waitlist. A schedule that breaks a hard rule is a 422 and nothing is written."""
    term, schedule = _what(body, ledger, jobs)
    touch(request, [pid for s in schedule.sections for pid in s.participants])
    touch(request, [w.participant for w in schedule.waitlist])
    done = publish_summary(
        ledger, term, schedule, body.effective_from, body.note, body.undo_changes
    )
    return PublishDoc(**done)


def _versions(ledger: Ledger) -> list[ScheduleVersion]:
    with ledger.read() as s:
        return list(s.scalars(select(ScheduleVersion).order_by(ScheduleVersion.number)))


def _schedule(ledger: Ledger, number: IdPath) -> Schedule:
    with ledger.read() as s:
        row = s.scalars(select(ScheduleVersion).where(ScheduleVersion.number == number)).first()
        if row is None:
            raise not_found(f"no schedule version {number}")
        return Schedule.model_validate(json.loads(row.document))


@router.get("", response_model=list[VersionDoc])
def versions(ledger: LedgerDep, _: Reader) -> list[VersionDoc]:
    """Every published version, oldest first."""
    out = []
    for row in _versions(ledger):
        doc = json.loads(row.document)
        out.append(
            VersionDoc(
                number=row.number,
                effective_from=row.effective_from,
                note=row.note,
                created_at=row.created_at,
                sections=len(doc["sections"]),
                waitlisted=len(doc["waitlist"]),
            )
        )
    return out


@router.get("/diff", response_model=DiffDoc)
def diff(
    request: Request,
    ledger: LedgerDep,
    who: Reader,
    from_version: Annotated[int, Query(alias="from", ge=1, le=MAX_ID)],
    to_version: Annotated[int, Query(alias="to", ge=1, le=MAX_ID)],
) -> DiffDoc:
    """Who moved where from one version to another, and which sections changed."""
    old, new = _schedule(ledger, from_version), _schedule(ledger, to_version)
    old, new = visible(who, old), visible(who, new)
    found = schedule_diff(old, new)
    touch(request, [m["participant"] for key in ("moved", "joined", "left") for m in found[key]])
    return DiffDoc.model_validate(found)


@router.get("/{number}", response_model=Schedule)
def read(request: Request, number: IdPath, ledger: LedgerDep, who: Reader) -> Schedule:
    """A published version's schedule (a clinician's own sections only)."""
    schedule = visible(who, _schedule(ledger, number))
    touch(request, own_participants(who, schedule) or _members(schedule))
    return schedule


@router.get("/{number}/term", response_model=Term)
def term_of(request: Request, number: IdPath, ledger: LedgerDep, _: TermReader) -> Term:
    """The term a published version was checked against, with the ledger's changes in it
    (admissions; discharged participants marked and requesting nothing): the term to re-solve
    from, with that version's schedule as ``previous``."""
    with ledger.read() as s:
        term, _schedule = version_documents(s, number)
    touch(request, [p.id for p in term.participants])
    return as_requested(term)


def _members(schedule: Schedule) -> list[str]:
    return [pid for s in schedule.sections for pid in s.participants] + [
        w.participant for w in schedule.waitlist
    ]
