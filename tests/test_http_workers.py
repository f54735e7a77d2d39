"""Several worker processes of one service share solve jobs and desk sessions through the ledger.

Each worker is simulated by its own :class:`~ledger.store.Ledger` handle and
:class:`~api.http.jobs.SolveJobs` (or its own app) on one SQLite file, as ``otgroups serve
--workers N`` gives each process its own.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import queue as queues
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from helpers import tiny_term
from sqlalchemy import update
from typer.testing import CliRunner
from web_support import desk_client, login, token_for

from api.cli import app as cli
from api.http.auth import new_token
from api.http.jobs import BEAT, Job, SolveJobs, TooManySolvesError, _run
from benchmarks.server import serve_process
from ledger import solve_jobs
from ledger.schema import SolveJob
from ledger.store import Ledger, open_ledger
from ledger.uploads import store_term
from models import load_term

DEMO = Path(__file__).parents[1] / "models" / "examples" / "demo_clinic.json"
OPTIONS = {"time_limit": 2.0, "workers": 1, "seed": 0}


@pytest.fixture()
def two_workers(tmp_path: Path) -> Iterator[tuple[SolveJobs, SolveJobs, int]]:
    """Two workers' job tables on one ledger, and an uploaded demo term."""
    url = f"sqlite:///{tmp_path / 'service.sqlite'}"
    first, second = open_ledger(url), Ledger(url)
    term_id = store_term(first, load_term(str(DEMO)), "demo", None).id
    a, b = SolveJobs(first, limit=1), SolveJobs(second, limit=1)
    try:
        yield a, b, term_id
    finally:
        a.shutdown()
        b.shutdown()
        first.dispose()
        second.dispose()


def _until(jobs: SolveJobs, job_id: str, done: bool, seconds: float = 60.0) -> Job:
    """Poll ``jobs`` until the job has a score (or, with ``done``, has ended)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = jobs.find(job_id)
        assert job is not None
        if (job.state != "running") if done else (job.score is not None):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still {job.state} after {seconds} s")


def test_a_job_started_by_one_worker_is_followed_and_fetched_from_another(two_workers):
    a, b, term_id = two_workers
    job = a.start(term_id, json.loads(DEMO.read_text()), OPTIONS)
    seen = _until(b, job.id, done=False)
    assert seen.state == "running" and seen.bound is not None and seen.bound >= seen.score
    ended = _until(b, job.id, done=True)
    assert ended.state == "done"
    fetched = b.find(job.id, schedule=True)
    assert fetched is not None and fetched.schedule is not None
    assert fetched.schedule["score"] == fetched.score > 0
    assert [j.id for j in b.recent()] == [job.id]


def test_the_solve_limit_holds_across_workers_and_a_cancel_reaches_the_runner(two_workers):
    a, b, term_id = two_workers
    job = a.start(term_id, json.loads(DEMO.read_text()), {**OPTIONS, "time_limit": 120.0})
    with pytest.raises(TooManySolvesError):
        b.start(term_id, json.loads(DEMO.read_text()), OPTIONS)
    process, _ = a._running[job.id]
    cancelled = b.cancel(job.id)  # b does not run it: it asks a, through the ledger
    assert cancelled is not None and cancelled.state == "cancelled"
    assert cancelled.reason == "cancelled by request"
    process.join(timeout=10)
    assert not process.is_alive()
    again = b.start(term_id, json.loads(DEMO.read_text()), OPTIONS)  # the slot is free
    assert _until(a, again.id, done=True).state == "done"


def test_a_job_whose_worker_died_is_reported_lost_and_frees_its_slot(two_workers):
    a, b, term_id = two_workers
    orphan = solve_jobs.insert_running(a.ledger, "0" * 32, term_id, OPTIONS, "gone:1", limit=1)
    assert b.find(orphan.id).state == "running"  # its heartbeat is fresh
    with a.ledger.write() as s:  # the worker stopped beating a minute ago
        stale = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=60)
        s.execute(update(SolveJob).where(SolveJob.id == orphan.id).values(heartbeat_at=stale))
    lost = b.find(orphan.id)
    assert lost is not None and lost.state == "failed"
    assert lost.reason == solve_jobs.LOST_REASON
    job = b.start(term_id, json.loads(DEMO.read_text()), OPTIONS)
    assert job.state == "running"


def test_a_fresh_job_from_another_worker_is_not_reported_lost(two_workers):
    a, b, term_id = two_workers
    job = a.start(term_id, json.loads(DEMO.read_text()), {**OPTIONS, "time_limit": 10.0})
    impatient = SolveJobs(b.ledger, limit=1, lost_after=2.5 * BEAT)
    time.sleep(6 * BEAT)  # long past lost_after, but the runner beats every BEAT seconds
    seen = impatient.find(job.id)
    assert seen is not None and seen.state == "running"


def test_signing_out_on_one_worker_ends_the_session_on_every_worker(tmp_path, monkeypatch):
    monkeypatch.setenv("OTGROUPS_WEB_SECRET_KEY", "one key for every worker")
    db = tmp_path / "service.sqlite"
    with desk_client(db) as (app_a, client_a), desk_client(db) as (_, client_b):
        csrf = login(client_a, token_for(app_a, "scheduler"))
        client_b.cookies.update(dict(client_a.cookies))
        assert client_b.get("/desk/today", follow_redirects=False).status_code == 200
        out = client_a.post("/logout", data={"csrf": csrf}, follow_redirects=False)
        assert out.status_code == 303
        refused = client_b.get("/desk/today", follow_redirects=False)
        assert refused.status_code == 303 and refused.headers["location"].startswith("/login")


def test_serve_refuses_several_workers_on_an_in_memory_ledger(monkeypatch) -> None:
    monkeypatch.delenv("OTGROUPS_DB_URL", raising=False)
    result = CliRunner().invoke(cli, ["serve", "--workers", "2", "--db", "sqlite://"])
    assert result.exit_code == 2
    assert "--workers above 1 needs a ledger file" in result.output
    assert "Traceback" not in result.output
    assert "OTGROUPS_DB_URL" not in os.environ  # a refused start leaves the settings alone


def test_two_served_workers_run_one_solve_from_start_to_result(tmp_path: Path) -> None:
    """``otgroups serve --workers 2``: a solve started through one worker is polled, fetched
    and its twin cancelled through whichever worker answers each request."""
    url = f"sqlite:///{tmp_path / 'served.sqlite'}"
    ledger = open_ledger(url)
    _, token = new_token(ledger, "director", "test director")
    ledger.dispose()
    headers = {"Authorization": f"Bearer {token}"}
    with (
        serve_process(url, workers=2) as served,
        httpx.Client(base_url=served.base, timeout=30) as client,
    ):
        uploaded = client.post("/v1/terms", json=json.loads(DEMO.read_text()), headers=headers)
        tid = uploaded.raise_for_status().json()["id"]
        solves = f"/v1/terms/{tid}/solves"
        started = client.post(solves, json={"time_limit": 3}, headers=headers)
        assert started.status_code == 202, started.text
        job_id = started.json()["id"]
        states = []
        for _ in range(120):
            states.append(client.get(f"/v1/solves/{job_id}", headers=headers).json())
            if states[-1]["state"] != "running":
                break
            time.sleep(0.25)
        assert states[-1]["state"] == "done", states[-1]
        result = client.get(f"/v1/solves/{job_id}/result", headers=headers)
        assert result.status_code == 200 and result.json()["score"] > 0
        longer = client.post(solves, json={"time_limit": 120}, headers=headers).json()
        stopped = client.delete(f"/v1/solves/{longer['id']}", headers=headers).json()
        assert stopped["state"] == "cancelled", stopped
        listed = client.get("/v1/solves", params={"term": tid}, headers=headers).json()
        assert [(j["id"], j["state"]) for j in listed] == [
            (longer["id"], "cancelled"),
            (job_id, "done"),
        ]
        other = client.get("/v1/solves", params={"term": tid + 1}, headers=headers)
        assert other.status_code == 200 and other.json() == []
    assert "Traceback" not in served.errors


def test_a_failed_solve_says_why_in_words_not_python() -> None:
    """The worker's reasons: a document's own path-named message, else a plain sentence (the
    exception's place goes to the service's log only)."""

    def reason(*args: object) -> str:
        out: queues.Queue = queues.Queue()
        _run(*args[:2], out, *args[2:])  # type: ignore[arg-type]
        messages = [out.get_nowait() for _ in range(out.qsize())]
        assert messages[-1][0] == "failed", messages
        return messages[-1][1]

    bad_previous = {"format": "otgroups.schedule/1", "sections": "x"}
    said = reason(tiny_term(3), {"time_limit": 1}, bad_previous)
    assert said.startswith("schedule: ") and "sections" in said
    said = reason(tiny_term(3), {"time_limit": 1, "no_such_option": 1})
    assert said == "the solve failed unexpectedly (TypeError); it is logged"
