"""Solves as jobs: each runs in its own process, outside any request handler.

A job is started with a term document and options, reports progress (best score, proven bound,
elapsed) through a queue that a watcher thread reads, and ends ``done`` with a schedule
document, ``failed`` with a plain reason, or ``cancelled`` when its process is stopped. At most
``limit`` jobs run at once; asking for more is refused, so a client cannot exhaust the machine.
:func:`start_solve` is how the HTTP API and the web desk start one: an infeasible term is
refused with its reasons, and the time limit is capped by the service's settings.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from api.http.settings import Settings
from models import Term
from optimizer.diagnose import infeasibility
from optimizer.prepare import prepare

State = Literal["running", "done", "failed", "cancelled"]


class TooManySolvesError(RuntimeError):
    """Every solve slot is busy."""


class InfeasibleTermError(ValueError):
    """No request of the term can be placed: nothing to solve. ``reasons`` says why."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("no request of this term can be placed: " + "; ".join(reasons[:3]))
        self.reasons = reasons


@dataclass
class Job:
    id: str
    term_id: int
    options: dict[str, Any]
    started: float = field(default_factory=time.time)
    state: State = "running"
    score: int | None = None
    bound: int | None = None
    phase: str = "starting"
    elapsed: float = 0.0
    schedule: dict[str, Any] | None = None
    reason: str | None = None
    finished: float | None = None
    process: Any = field(default=None, repr=False)

    @property
    def gap(self) -> float | None:
        if self.score is None or not self.bound:
            return None
        return max(0.0, (self.bound - self.score) / abs(self.bound))

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "term": self.term_id,
            "state": self.state,
            "phase": self.phase,
            "score": self.score,
            "bound": self.bound,
            "gap": self.gap,
            "elapsed": round(self.elapsed, 2),
            "options": self.options,
            "reason": self.reason,
        }


def _run(term_doc: dict[str, Any], options: dict[str, Any], queue: Any) -> None:
    """The child process: solve and send progress, then the result or the failure."""
    try:
        from models import document, parse_term
        from optimizer import SolveOptions, solve

        term = parse_term(term_doc)

        def progress(phase: str, score: int | None, bound: int | None, elapsed: float) -> None:
            queue.put(("progress", phase, score, bound, elapsed))

        result = solve(term, SolveOptions(**options), progress=progress)
        if result.violations:
            queue.put(("failed", f"the solver broke {len(result.violations)} hard rule(s)"))
            return
        queue.put(("done", document(result.schedule)))
    except Exception as exc:  # reported to the client as a plain reason
        queue.put(("failed", f"{type(exc).__name__}: {exc}"))


class SolveJobs:
    """The running and finished solve jobs of one service process."""

    def __init__(self, limit: int, on_finish: Callable[[Job], None] | None = None) -> None:
        self.limit = limit
        self.on_finish = on_finish
        self.jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._context = mp.get_context("spawn")

    def running(self) -> int:
        return sum(1 for job in self.jobs.values() if job.state == "running")

    def start(self, term_id: int, term_doc: dict[str, Any], options: dict[str, Any]) -> Job:
        with self._lock:
            if self.running() >= self.limit:
                raise TooManySolvesError(
                    f"{self.limit} solve(s) already running; try again when one finishes"
                )
            job = Job(id=uuid.uuid4().hex, term_id=term_id, options=options)
            queue = self._context.Queue()
            job.process = self._context.Process(
                target=_run, args=(term_doc, options, queue), daemon=True
            )
            job.process.start()
            self.jobs[job.id] = job
        threading.Thread(target=self._watch, args=(job, queue), daemon=True).start()
        return job

    def _watch(self, job: Job, queue: Any) -> None:
        while job.state == "running":
            try:
                message = queue.get(timeout=0.5)
            except Exception:
                if not job.process.is_alive() and job.state == "running":
                    self._finish(job, "failed", reason="the solve process ended unexpectedly")
                continue
            kind = message[0]
            if kind == "progress":
                _, job.phase, score, bound, _child_elapsed = message
                if job.phase == "score":
                    job.score, job.bound = score, bound
                job.elapsed = time.time() - job.started
            elif kind == "done":
                job.schedule = message[1]
                job.score = job.schedule["score"]
                job.bound = job.schedule.get("bound")
                self._finish(job, "done")
            elif kind == "failed":
                self._finish(job, "failed", reason=message[1])

    def _finish(self, job: Job, state: State, reason: str | None = None) -> None:
        with self._lock:
            if job.state != "running":
                return
            job.state, job.reason = state, reason
            job.finished = time.time()
            job.elapsed = job.finished - job.started
        if job.process is not None:
            job.process.join(timeout=5)
        if self.on_finish is not None:
            self.on_finish(job)

    def cancel(self, job_id: str) -> Job:
        job = self.jobs[job_id]
        if job.state == "running":
            job.process.terminate()
            self._finish(job, "cancelled", reason="cancelled by request")
        return job

    def shutdown(self) -> None:
        for job in list(self.jobs.values()):
            if job.state == "running":
                self.cancel(job.id)


def start_solve(
    jobs: SolveJobs,
    settings: Settings,
    term_id: int,
    term: Term,
    term_doc: dict[str, Any],
    time_limit: float | None,
    seed: int = 0,
) -> Job:
    """Start a solve of an uploaded term (``term`` and its document ``term_doc``).

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
    options = {"time_limit": limit, "workers": settings.solve_workers, "seed": seed}
    return jobs.start(term_id, term_doc, options)
