"""Uploaded terms at the desk's edge: read from JSON or a workbook, listed for the director, and
a finished solve's schedule checked once (storing and reading them is :mod:`ledger.uploads`)."""

from __future__ import annotations

import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from api.http.jobs import Job, SolveJobs
from ledger.store import Ledger
from ledger.uploads import uploaded_terms
from models import ContractError, Schedule, Term, parse_schedule, parse_term
from models.files import loads
from models.spreadsheet import read_term_workbook


@dataclass(frozen=True)
class TermRow:
    id: int
    name: str
    participants: int
    created_at: str


def read_upload(filename: str, raw: bytes) -> Term:
    """A checked term from an uploaded ``.json`` or ``.xlsx`` file (:class:`ContractError`
    names the bad path or cell)."""
    if filename.lower().endswith(".xlsx"):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "term.xlsx"
            path.write_bytes(raw)
            try:
                return read_term_workbook(path)
            except ContractError as exc:  # named by the upload, not the server's temporary file
                raise ContractError(filename, exc.problems) from None
    return parse_term(loads(raw, filename or "term"), source=filename or "term")


def listed(ledger: Ledger, limit: int = 20) -> list[TermRow]:
    """The latest uploaded terms, newest first (their documents are not read)."""
    rows = uploaded_terms(ledger, newest_first=True, limit=limit, documents=False)
    return [TermRow(r.id, r.name, r.participants, f"{r.created_at:%Y-%m-%d %H:%M}") for r in rows]


_LOCK = threading.Lock()
_RESULTS: OrderedDict[str, Schedule] = OrderedDict()


def job_schedule(jobs: SolveJobs, job: Job, term: Term) -> Schedule | None:
    """A finished solve's schedule, read from the ledger and checked against its term once;
    None while it has none."""
    with _LOCK:
        hit = _RESULTS.get(job.id)
    if hit is not None:
        return hit
    found = job if job.schedule is not None else jobs.find(job.id, schedule=True)
    if found is None or found.schedule is None:
        return None
    schedule = parse_schedule(found.schedule, term, f"solve {job.id}")
    with _LOCK:
        _RESULTS[job.id] = schedule
        while len(_RESULTS) > 4:
            _RESULTS.popitem(last=False)
    return schedule
