"""``/v1/terms/{id}/solves`` and ``/v1/solves``: solves as jobs in worker processes.

Starting one caps its time limit by the service's setting and refuses (429) when the service
already runs its most solves at once; a term no request of which can be placed is a 422 with the
reasons. Status gives live progress (best score, proven bound, gap, elapsed); the result is the
contract's schedule document. The list and every job's status, result and cancel answer from
any worker process of the service (the jobs live in the ledger).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from api.http.access import audited, touch
from api.http.auth import Principal, require
from api.http.deps import MAX_ID, V1, IdPath, JobsDep, LedgerDep, SettingsDep
from api.http.jobs import InfeasibleTermError, Job, SolveJobs, start_solve, version_to_keep
from api.http.problems import ApiProblem, not_found
from api.http.routers.terms import uploaded_or_404
from api.http.schemas import JobDoc, SolveRequest, SolveResultDoc
from models import Schedule

router = APIRouter(prefix=V1, tags=["solves"], dependencies=[Depends(audited)])
Solver = Annotated[Principal, Depends(require("solve"))]


def find_job(jobs: SolveJobs, job_id: str, schedule: bool = False) -> Job:
    job = jobs.find(job_id, schedule)
    if job is None:
        raise not_found(f"no solve job {job_id}")
    return job


def _doc(job: Job) -> JobDoc:
    return JobDoc(**job.summary())


@router.post("/terms/{term_id}/solves", status_code=202, response_model=JobDoc)
def start(
    request: Request,
    term_id: IdPath,
    ledger: LedgerDep,
    jobs: JobsDep,
    settings: SettingsDep,
    _: Solver,
    body: SolveRequest | None = None,
) -> JobDoc:
    """Start a solve of an uploaded term; poll ``GET /v1/solves/{job}``. With
    ``previous_version``, people of that published version stay in their sections where the
    score allows (a mid-term re-solve). What that version names and the term no longer has (a
    participant who left, a room given up) is not kept; the job's options say what
    (``previous_not_in_term``)."""
    body = body or SolveRequest()
    term, doc = uploaded_or_404(ledger, term_id)
    touch(request, [p.id for p in term.participants])
    keep = None
    if body.previous_version is not None:
        try:
            keep = version_to_keep(ledger, term, body.previous_version)
        except LookupError as exc:  # a field of the request that names nothing: bad input
            detail = f"previous_version: {exc}"
            raise ApiProblem(422, "invalid-input", "Invalid input", detail) from None
    try:
        job = start_solve(jobs, settings, term_id, term, doc, body.time_limit, body.seed, keep)
    except InfeasibleTermError as exc:
        raise ApiProblem(
            422, "infeasible-term", "Infeasible term", str(exc), explanation=exc.reasons
        ) from None
    return _doc(job)


@router.get("/solves", response_model=list[JobDoc])
def listed(
    jobs: JobsDep,
    _: Solver,
    term: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only this term's")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[JobDoc]:
    """The service's latest solves, newest first, from every worker (optionally one term's)."""
    return [_doc(job) for job in jobs.recent(limit, term)]


@router.get("/solves/{job_id}", response_model=JobDoc)
def status(job_id: str, jobs: JobsDep, _: Solver) -> JobDoc:
    """A job's state and live progress: best score, proven bound, gap, seconds elapsed."""
    return _doc(find_job(jobs, job_id))


@router.get("/solves/{job_id}/result", response_model=SolveResultDoc)
def result(request: Request, job_id: str, jobs: JobsDep, _: Solver) -> SolveResultDoc:
    """The schedule of a finished job (409 while it runs or when it failed)."""
    job = find_job(jobs, job_id, schedule=True)
    if job.state != "done" or job.schedule is None:
        detail = f"solve {job_id} is {job.state}" + (f": {job.reason}" if job.reason else "")
        raise ApiProblem(409, "not-done", "No result", detail)
    schedule = Schedule.model_validate(job.schedule)
    touch(request, [pid for s in schedule.sections for pid in s.participants])
    return SolveResultDoc(job=job.id, score=schedule.score, bound=schedule.bound, schedule=schedule)


@router.delete("/solves/{job_id}", response_model=JobDoc)
def cancel(job_id: str, jobs: JobsDep, _: Solver) -> JobDoc:
    """Stop a running job, whichever worker runs it (a finished one is left as it is)."""
    find_job(jobs, job_id)
    return _doc(jobs.cancel(job_id) or find_job(jobs, job_id))
