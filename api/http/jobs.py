"""Solves as jobs: each runs in its own process, outside any request handler.

A job is started with a term document and options, reports progress (best score, proven bound,
elapsed) through a queue that a watcher thread reads, and ends ``done`` with a schedule
document, ``failed`` with a plain reason, or ``cancelled`` when its process is stopped. The
job's state lives in the ledger (:mod:`ledger.solve_jobs`): the watcher writes progress and a
heartbeat every :data:`BEAT` seconds, so any worker process of the service can report, list or
cancel any job, and a job whose worker died is reported lost instead of running for ever. At
most ``limit`` jobs run at once across the service; asking for more is refused, so a client
cannot exhaust the machine. :func:`start_solve` is how the HTTP API and the web desk start one:
an infeasible term is refused with its reasons, and the time limit is capped by the service's
settings.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import queue as queues
import socket
import threading
import time
import traceback
import uuid
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from api.http.settings import Settings
from ledger import solve_jobs
from ledger.schema import ScheduleVersion
from ledger.solve_jobs import Job, State, TooManySolvesError
from ledger.state import version_documents
from ledger.store import Ledger
from models import ContractError, Schedule, Term, document
from models.schedule_checks import carry_over
from optimizer.diagnose import infeasibility
from optimizer.prepare import prepare

__all__ = ["InfeasibleTermError", "Job", "SolveJobs", "TooManySolvesError", "start_solve"]

log = logging.getLogger(__name__)

BEAT = 1.0
"""Seconds between a running job's heartbeats (and its looks for a request to stop)."""


class Kept(NamedTuple):
    """A published version a solve keeps people of: its number, the part of its schedule the
    term still has, and what it names that the term no longer has (None: nothing)."""

    number: int
    schedule: Schedule
    note: str | None


class InfeasibleTermError(ValueError):
    """No request of the term can be placed: nothing to solve. ``reasons`` says why."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("no request of this term can be placed: " + "; ".join(reasons[:3]))
        self.reasons = reasons


KEEP = "previous_version"
"""The job option naming the published version whose people the solve keeps where they are."""
NOT_KEPT = "previous_not_in_term"
"""The job option saying what of that version the term no longer has (absent: nothing)."""


def _run(
    term_doc: dict[str, Any],
    options: dict[str, Any],
    queue: Any,
    previous_doc: dict[str, Any] | None = None,
) -> None:
    """The child process: solve and send progress, then the result or the failure."""
    try:
        from models import document, parse_schedule, parse_term
        from optimizer import SolveOptions, solve

        term = parse_term(term_doc)
        previous = parse_schedule(previous_doc, term) if previous_doc is not None else None

        def progress(phase: str, score: int | None, bound: int | None, elapsed: float) -> None:
            queue.put(("progress", phase, score, bound, elapsed))

        settings = {k: v for k, v in options.items() if k not in (KEEP, NOT_KEPT)}
        result = solve(term, SolveOptions(**settings), previous=previous, progress=progress)
        if result.violations:
            queue.put(("failed", f"the solver broke {len(result.violations)} hard rule(s)"))
            return
        queue.put(("done", document(result.schedule)))
    except ContractError as exc:  # the documents: their own path-named message
        queue.put(("failed", str(exc)))
    except MemoryError:
        queue.put(("failed", "the solve ran out of memory; try a shorter time limit"))
    except Exception as exc:  # a bug: the place goes to the service's log, not to the client
        where = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
        place = f"{where[0].filename}:{where[0].lineno}" if where else "?"
        log.error("solve process failed: %s at %s", type(exc).__name__, place)
        queue.put(("failed", f"the solve failed unexpectedly ({type(exc).__name__}); it is logged"))


class SolveJobs:
    """Solve jobs kept in ``ledger``; this worker process runs the ones it started."""

    def __init__(
        self, ledger: Ledger, limit: int, lost_after: float = solve_jobs.LOST_AFTER
    ) -> None:
        self.ledger = ledger
        self.limit = limit
        self.lost_after = lost_after
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self._running: dict[str, tuple[Any, float]] = {}
        """Jobs this process runs: their solve process and when they started (monotonic)."""
        self._lock = threading.Lock()
        self._context = mp.get_context("spawn")

    def find(self, job_id: str, schedule: bool = False) -> Job | None:
        """The job ``job_id`` (with its schedule document when ``schedule``), or None."""
        return solve_jobs.find_job(self.ledger, job_id, schedule, self.lost_after)

    def recent(self, limit: int = 10, term_id: int | None = None) -> list[Job]:
        """The service's latest jobs (of one uploaded term when ``term_id``), newest first."""
        return solve_jobs.recent_jobs(self.ledger, limit, self.lost_after, term_id)

    def start(
        self,
        term_id: int,
        term_doc: dict[str, Any],
        options: dict[str, Any],
        previous_doc: dict[str, Any] | None = None,
    ) -> Job:
        """Record a running job and start its process (:class:`TooManySolvesError` when every
        slot of the service is busy); ``previous_doc``: the schedule to keep people in."""
        job_id = uuid.uuid4().hex
        job = solve_jobs.insert_running(
            self.ledger, job_id, term_id, options, self.owner, self.limit, self.lost_after
        )
        queue = self._context.Queue()
        args = (term_doc, options, queue, previous_doc)
        process = self._context.Process(target=_run, args=args, daemon=True)
        started = time.monotonic()
        with self._lock:
            self._running[job_id] = (process, started)
        try:
            process.start()
        except Exception:
            self._end(job_id, "failed", reason="the solve process could not be started")
            raise
        watch = (job_id, process, queue, started)
        threading.Thread(target=self._watch, args=watch, daemon=True).start()
        return job

    def _watch(self, job_id: str, process: Any, queue: Any, started: float) -> None:
        phase, score, bound = "starting", None, None
        written, changed = 0.0, False
        while job_id in self._running:
            try:
                message = queue.get(timeout=0.25)
            except queues.Empty:
                message = None
            if message is None:
                if not process.is_alive():
                    self._end(job_id, "failed", reason="the solve process ended unexpectedly")
            elif message[0] == "progress":
                phase = message[1]
                if phase == "score":
                    score, bound = message[2], message[3]
                changed = True
            elif message[0] == "done":
                self._end(job_id, "done", schedule=message[1])
            elif message[0] == "failed":
                self._end(job_id, "failed", reason=message[1])
            due = time.monotonic() - written
            if job_id in self._running and (due >= BEAT or (changed and due >= BEAT / 4)):
                elapsed = time.monotonic() - started
                try:
                    stop = solve_jobs.record_progress(
                        self.ledger, job_id, phase, score, bound, elapsed
                    )
                except SQLAlchemyError:  # a busy ledger: the next beat tries again
                    log.warning("could not record the progress of solve %s", job_id)
                    continue
                written, changed = time.monotonic(), False
                if stop:
                    self._end(job_id, "cancelled", reason="cancelled by request")

    def _end(
        self,
        job_id: str,
        state: State,
        reason: str | None = None,
        schedule: dict[str, Any] | None = None,
    ) -> None:
        """Record the end of a job this process runs and stop its process."""
        with self._lock:
            running = self._running.pop(job_id, None)
        if running is None:
            return
        process, started = running
        elapsed = time.monotonic() - started
        if process.pid is not None:  # (started)
            if state != "done" and process.is_alive():
                process.terminate()
            process.join(timeout=5)
        for attempt in range(3):  # a busy ledger: try again rather than leave the job running
            try:
                solve_jobs.record_end(self.ledger, job_id, state, elapsed, reason, schedule)
                return
            except SQLAlchemyError:
                log.warning("could not record the end of solve %s (attempt %d)", job_id, attempt)
                time.sleep(1.0)

    def cancel(self, job_id: str, wait: float = 3 * BEAT) -> Job | None:
        """Stop a running job, whichever worker runs it (a finished one is left as it is); the
        job as it stands after up to ``wait`` seconds for another worker to stop it."""
        if job_id in self._running:
            self._end(job_id, "cancelled", reason="cancelled by request")
            return self.find(job_id)
        solve_jobs.request_cancel(self.ledger, job_id)
        deadline = time.monotonic() + wait
        job = self.find(job_id)
        while job is not None and job.state == "running" and time.monotonic() < deadline:
            time.sleep(0.1)
            job = self.find(job_id)
        return job

    def shutdown(self) -> None:
        """Stop the jobs this process runs (the service is stopping)."""
        for job_id in list(self._running):
            self._end(job_id, "cancelled", reason="the service stopped")


def version_to_keep(ledger: Ledger, term: Term, number: int | None) -> Kept:
    """Published version ``number`` (the latest when None) and the part of its schedule that
    ``term`` still has (:func:`~models.schedule_checks.carry_over`: people who left, a room
    given up are dropped and named in the note);
    :class:`~ledger.state.NothingPublishedError` or :class:`~ledger.state.UnknownVersionError`
    when there is no such version."""
    with ledger.read() as s:
        if number is None:  # the latest, named once so the schedule read is that version's
            number = s.scalar(select(func.max(ScheduleVersion.number)))
        _, schedule = version_documents(s, number)
    assert number is not None  # version_documents raised when nothing is published
    kept, note = carry_over(schedule, term, f"schedule v{number}")
    return Kept(number, kept, note)


def start_solve(
    jobs: SolveJobs,
    settings: Settings,
    term_id: int,
    term: Term,
    term_doc: dict[str, Any],
    time_limit: float | None,
    seed: int = 0,
    keep: Kept | None = None,
) -> Job:
    """Start a solve of an uploaded term (``term`` and its document ``term_doc``); ``keep``:
    a published version and the part of its schedule ``term`` still has, whose people the solve
    keeps in their sections where the score allows (as ``otgroups solve --previous``).

    A term no request of which can be placed is refused with :class:`InfeasibleTermError`
    (its reasons) before any process starts; the time limit is the service's default when
    missing or not positive, and capped by its maximum. :class:`TooManySolvesError` when
    every slot is busy.
    """
    reasons = infeasibility(prepare(term))
    if reasons:
        raise InfeasibleTermError(reasons)
    wanted = time_limit if time_limit is not None and time_limit > 0 else None
    limit = min(wanted or settings.default_solve_seconds, settings.max_solve_seconds)
    options: dict[str, Any] = {"time_limit": limit, "workers": settings.solve_workers, "seed": seed}
    if keep is None:
        return jobs.start(term_id, term_doc, options)
    options[KEEP] = keep.number
    if keep.note:
        options[NOT_KEPT] = keep.note
    return jobs.start(term_id, term_doc, options, document(keep.schedule))
