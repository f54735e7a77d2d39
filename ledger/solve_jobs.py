"""Solve jobs in the ledger, so that every worker process of the service sees every job.

The worker that starts a job writes its progress and a heartbeat (:func:`record_progress`) and its
end (:func:`record_end`); any worker reads it (:func:`find_job`, :func:`recent_jobs`) or asks it
to stop (:func:`request_cancel`). A running job whose heartbeat is older than ``lost_after``
seconds is reported failed (its worker stopped without saying so). At most ``limit`` jobs run at
once across all workers: :func:`insert_running` counts them in the same write transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session, defer

from ledger.schema import SolveJob, as_utc, now
from ledger.store import Ledger
from models.schedule import relative_gap

State = Literal["running", "done", "failed", "cancelled"]

LOST_AFTER = 30.0
"""Seconds without a heartbeat after which a running job counts as lost."""

LOST_REASON = "the service process running this solve stopped; start it again"


class TooManySolvesError(RuntimeError):
    """Every solve slot is busy."""


@dataclass(frozen=True)
class Job:
    """A solve job as the ledger holds it (``schedule`` only when asked for)."""

    id: str
    term_id: int
    options: dict[str, Any]
    state: State
    phase: str
    score: int | None
    bound: int | None
    started: float
    elapsed: float
    reason: str | None
    schedule: dict[str, Any] | None = None

    @property
    def gap(self) -> float | None:
        return relative_gap(self.score, self.bound)

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


def _job(row: SolveJob, schedule: bool) -> Job:
    started = as_utc(row.started_at)
    elapsed = row.elapsed
    if row.state == "running":
        elapsed = max(elapsed, (now() - started).total_seconds())
    return Job(
        id=row.id,
        term_id=row.term_id,
        options=dict(row.options),
        state=row.state,  # type: ignore[arg-type]
        phase=row.phase,
        score=row.score,
        bound=row.bound,
        started=started.timestamp(),
        elapsed=elapsed,
        reason=row.reason,
        schedule=json.loads(row.schedule) if schedule and row.schedule else None,
    )


def _lost(row: SolveJob, lost_after: float) -> bool:
    """A running job whose worker has not beaten for ``lost_after`` seconds."""
    stale = now() - dt.timedelta(seconds=lost_after)
    return row.state == "running" and as_utc(row.heartbeat_at) < stale


def _expire_lost(s: Session, lost_after: float) -> None:
    """Mark failed every running job whose heartbeat is older than ``lost_after`` seconds."""
    running = s.scalars(
        select(SolveJob).where(SolveJob.state == "running").options(defer(SolveJob.schedule))
    ).all()
    for row in running:
        if _lost(row, lost_after):
            row.state, row.reason, row.finished_at = "failed", LOST_REASON, now()
            row.elapsed = (row.finished_at - as_utc(row.started_at)).total_seconds()


def _read_jobs(
    ledger: Ledger, query: Select[SolveJob], schedule: bool, lost_after: float
) -> list[Job]:
    """The jobs ``query`` selects; when one of them was lost, every lost job is first marked
    failed (one write, only then) and the query read again."""
    with ledger.read() as s:
        rows = s.scalars(query).all()
        if not any(_lost(row, lost_after) for row in rows):
            return [_job(row, schedule) for row in rows]
    with ledger.write() as s:
        _expire_lost(s, lost_after)
    with ledger.read() as s:
        return [_job(row, schedule) for row in s.scalars(query).all()]


def insert_running(
    ledger: Ledger,
    job_id: str,
    term_id: int,
    options: dict[str, Any],
    owner: str,
    limit: int,
    lost_after: float = LOST_AFTER,
) -> Job:
    """A new running job, unless ``limit`` jobs already run (:class:`TooManySolvesError`)."""
    with ledger.write() as s:
        ledger.lock(s, "solve-slots")
        _expire_lost(s, lost_after)
        running = s.scalar(
            select(func.count()).select_from(SolveJob).where(SolveJob.state == "running")
        )
        if (running or 0) >= limit:
            raise TooManySolvesError(
                f"{limit} solve(s) already running; try again when one finishes"
            )
        row = SolveJob(
            id=job_id,
            term_id=term_id,
            options=options,
            state="running",
            phase="starting",
            elapsed=0.0,
            cancel_requested=False,
            owner=owner[:100],
        )
        s.add(row)
        s.flush()
        return _job(row, schedule=False)


def record_progress(
    ledger: Ledger, job_id: str, phase: str, score: int | None, bound: int | None, elapsed: float
) -> bool:
    """Write a running job's progress and heartbeat; True when it has been asked to stop."""
    with ledger.write() as s:
        s.execute(
            update(SolveJob)
            .where(SolveJob.id == job_id, SolveJob.state == "running")
            .values(phase=phase, score=score, bound=bound, elapsed=elapsed, heartbeat_at=now())
        )
        asked = s.scalar(select(SolveJob.cancel_requested).where(SolveJob.id == job_id))
    return bool(asked)


def record_end(
    ledger: Ledger,
    job_id: str,
    state: State,
    elapsed: float,
    reason: str | None = None,
    schedule: dict[str, Any] | None = None,
) -> bool:
    """End a running job (a finished one stays as it is); True when this call ended it. A
    schedule's score and bound become the job's."""
    values: dict[str, Any] = {
        "state": state,
        "reason": reason,
        "elapsed": elapsed,
        "finished_at": now(),
    }
    if schedule is not None:
        values |= {
            "schedule": json.dumps(schedule),
            "score": schedule["score"],
            "bound": schedule.get("bound"),
            "phase": "done",
        }
    with ledger.write() as s:
        ended = s.execute(
            update(SolveJob)
            .where(SolveJob.id == job_id, SolveJob.state == "running")
            .values(**values)
        )
    return bool(getattr(ended, "rowcount", 0))


def request_cancel(ledger: Ledger, job_id: str) -> None:
    """Ask the worker running ``job_id`` to stop it (it looks at its next heartbeat)."""
    with ledger.write() as s:
        s.execute(
            update(SolveJob)
            .where(SolveJob.id == job_id, SolveJob.state == "running")
            .values(cancel_requested=True)
        )


def find_job(
    ledger: Ledger, job_id: str, schedule: bool = False, lost_after: float = LOST_AFTER
) -> Job | None:
    """The job ``job_id`` (with its schedule document when ``schedule``), or None."""
    query = select(SolveJob).where(SolveJob.id == job_id)
    if not schedule:
        query = query.options(defer(SolveJob.schedule))
    found = _read_jobs(ledger, query, schedule, lost_after)
    return found[0] if found else None


def recent_jobs(
    ledger: Ledger, limit: int = 10, lost_after: float = LOST_AFTER, term_id: int | None = None
) -> list[Job]:
    """The latest ``limit`` jobs (of uploaded term ``term_id`` when given), newest first,
    without their schedules."""
    query = select(SolveJob).options(defer(SolveJob.schedule))
    if term_id is not None:
        query = query.where(SolveJob.term_id == term_id)
    query = query.order_by(SolveJob.started_at.desc()).limit(limit)
    return _read_jobs(ledger, query, False, lost_after)
