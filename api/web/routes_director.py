"""The director's desk: upload a term, solve it as a job and watch it, publish the result."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse, Response

from api.http import jobs as solving
from api.http.jobs import InfeasibleTermError, SolveJobs, TooManySolvesError
from api.ledger_views import publish_summary
from api.web import render, terms, views
from api.web.common import (
    desk_url,
    done,
    form_date,
    log_access,
    not_a_date,
    parse_day,
    published_or_none,
)
from api.web.session import Desk, page, web_state
from ledger.publish import PublishError
from ledger.schema import MAX_ID
from ledger.state import RefusedError
from ledger.uploads import store_term, uploaded_term
from models.diff import schedule_diff
from models.errors import ContractError
from optimizer.diagnose import term_warnings
from optimizer.prepare import prepare

router = APIRouter(include_in_schema=False)

DIRECTOR = "desk:director"
MAX_TERM_BYTES = 5_000_000


def _jobs(request: Request) -> SolveJobs:
    jobs: SolveJobs = request.app.state.jobs
    return jobs


@router.get("/director")
def director_home(
    request: Request,
    desk: Desk = Depends(page(DIRECTOR, "terms:write")),  # noqa: B008
) -> Response:
    jobs = _jobs(request).recent(10)
    pub = published_or_none(desk.ledger)
    if pub is not None:
        views.warm_timetable(desk.ledger, pub.version.number)
    return render.page(
        request,
        desk,
        "director.html.j2",
        "Terms and solves",
        terms=terms.listed(desk.ledger),
        jobs=jobs,
        pub=pub,
        solve_seconds=web_state(request).settings.solve_seconds,
        max_seconds=request.app.state.settings.max_solve_seconds,
    )


@router.post("/director/terms")
async def upload_term(
    request: Request,
    term_file: UploadFile = File(...),  # noqa: B008
    desk: Desk = Depends(page(DIRECTOR, "terms:write")),  # noqa: B008
) -> Response:
    raw = await term_file.read(MAX_TERM_BYTES + 1)
    name = term_file.filename or "term"
    if len(raw) > MAX_TERM_BYTES:
        return done(request, "/director", f"{name} is larger than {MAX_TERM_BYTES} bytes.", "error")
    try:
        term = terms.read_upload(name, raw)
    except ContractError as exc:
        return done(request, "/director", f"{name} was not accepted: {exc}", "error")
    term_id = store_term(desk.ledger, term, name, desk.principal.token_id).id
    log_access(request, [p.id for p in term.participants])
    found = [w.message for w in term_warnings(prepare(term))]
    more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
    before = f" Before solving: {'; '.join(found[:3])}{more}." if found else ""
    return done(
        request,
        "/director",
        f"Term {term_id} ({name}): {len(term.participants)} participants, "
        f"{len(term.group_types)} group types.{before} Start a solve below.",
        "warning" if found else "ok",
    )


@router.post("/director/solves")
def start_solve(
    request: Request,
    term_id: int = Form(..., ge=1, le=MAX_ID),
    time_limit: float = Form(30.0),
    keep: bool = Form(False),
    desk: Desk = Depends(page(DIRECTOR, "solve")),  # noqa: B008
) -> Response:
    found = uploaded_term(desk.ledger, term_id)
    if found is None:
        return done(request, "/director", f"No uploaded term {term_id}.", "error")
    term, doc = found
    settings = request.app.state.settings
    try:
        kept = solving.version_to_keep(desk.ledger, term, None) if keep else None
    except (ContractError, LookupError) as exc:
        return done(request, "/director", f"Cannot keep people where they are: {exc}", "error")
    try:
        job = solving.start_solve(
            _jobs(request), settings, term_id, term, doc, time_limit, keep=kept
        )
    except InfeasibleTermError as exc:
        why = "; ".join(exc.reasons[:3])
        more = f" (and {len(exc.reasons) - 3} more)" if len(exc.reasons) > 3 else ""
        message = f"Term {term_id} cannot be solved: {why}{more}."
        return done(request, "/director", message, "error")
    except TooManySolvesError as exc:
        return done(request, "/director", str(exc), "error")
    page_url = f"/director/solves/{job.id}"
    if kept is not None and kept.note:
        return done(request, page_url, f"Solving; {kept.note}.", "warning")
    return RedirectResponse(page_url, status_code=303)


@router.get("/director/solves/{job_id}")
def solve_page(
    request: Request,
    job_id: str,
    desk: Desk = Depends(page(DIRECTOR, "solve")),  # noqa: B008
) -> Response:
    job = _jobs(request).find(job_id)
    if job is None:
        return render.page(request, desk, "missing.html.j2", "No such solve", 404, what="solve")
    pub = published_or_none(desk.ledger)
    diff, schedule = None, None
    found = uploaded_term(desk.ledger, job.term_id) if job.state == "done" else None
    if found is not None:
        schedule = terms.job_schedule(_jobs(request), job, found[0])
        if schedule is not None:
            if pub is not None:
                diff = schedule_diff(pub.schedule, schedule)
            log_access(request, [p for sec in schedule.sections for p in sec.participants])
    return render.page(
        request,
        desk,
        "solve.html.j2",
        f"Solve of term {job.term_id}",
        job=job,
        pub=pub,
        schedule=schedule,
        diff=diff,
        start=parse_day("", pub) if pub else None,
    )


@router.get("/director/solves/{job_id}/progress")
def solve_progress(
    request: Request,
    job_id: str,
    desk: Desk = Depends(page(DIRECTOR, "solve")),  # noqa: B008
) -> Response:
    job = _jobs(request).find(job_id)
    if job is None:
        return JSONResponse({"detail": f"no solve {job_id}"}, status_code=404)
    return JSONResponse(job.summary(), headers={"Cache-Control": "no-store"})


@router.post("/director/solves/{job_id}/publish")
def publish(
    request: Request,
    job_id: str,
    from_date: str = Form(""),
    note: str = Form(""),
    undo_changes: bool = Form(False),
    desk: Desk = Depends(page(DIRECTOR, "publish")),  # noqa: B008
) -> Response:
    back = desk_url("director", "solves", job_id)
    job = _jobs(request).find(job_id)
    found = uploaded_term(desk.ledger, job.term_id) if job is not None else None
    schedule = terms.job_schedule(_jobs(request), job, found[0]) if job and found else None
    if job is None or found is None or schedule is None:
        return done(request, back, "That solve has no schedule to publish.", "error")
    term = found[0]
    start = form_date(from_date) if from_date else None
    if from_date and start is None:
        return done(request, back, f"Not published: {not_a_date(from_date)}", "error")
    try:
        summary = publish_summary(
            desk.ledger, term, schedule, start, note[:200] or f"solve {job.id}", undo_changes
        )
    except (PublishError, RefusedError) as exc:  # a broken rule, a date outside the term
        return done(request, back, f"Not published: {exc}", "error")
    log_access(request, [p for sec in schedule.sections for p in sec.participants])
    views.warm_timetable(desk.ledger, summary["version"])
    return done(
        request,
        "/director/timetable",
        f"Published schedule v{summary['version']} from {summary['effective_from']}: "
        f"{summary['sections']} sections, {summary['waitlisted']} waitlisted.",
    )
