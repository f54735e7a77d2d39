"""Uploaded terms: read from JSON or a workbook at the edge, kept in the ledger's
``uploaded_terms`` table, read back for a solve or a publish."""

from __future__ import annotations

import json
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from api.http.jobs import Job
from ledger.schema import UploadedTerm
from ledger.store import Ledger
from models import Schedule, Term, document, parse_schedule, parse_term
from models.errors import ContractError, Problem
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
            return read_term_workbook(path)
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ContractError(filename or "term", [Problem("", f"not JSON ({exc})")]) from None
    return parse_term(data, source=filename or "term")


def store(ledger: Ledger, term: Term, name: str, token_id: int) -> int:
    """Keep a checked term; its id."""
    with ledger.write() as s:
        row = UploadedTerm(
            document=json.dumps(document(term)),
            name=name[:200],
            participants=len(term.participants),
            token_id=token_id,
        )
        s.add(row)
        s.flush()
        return row.id


def listed(ledger: Ledger, limit: int = 20) -> list[TermRow]:
    """The latest uploaded terms, newest first."""
    with ledger.read() as s:
        rows = s.execute(
            select(
                UploadedTerm.id,
                UploadedTerm.name,
                UploadedTerm.participants,
                UploadedTerm.created_at,
            )
            .order_by(UploadedTerm.id.desc())
            .limit(limit)
        )
        return [TermRow(i, n, p, f"{c:%Y-%m-%d %H:%M}") for i, n, p, c in rows]


_LOADED: OrderedDict[tuple[str, int], tuple[Term, dict[str, Any]]] = OrderedDict()
_LOCK = threading.Lock()


def load(ledger: Ledger, term_id: int) -> tuple[Term, dict[str, Any]] | None:
    """An uploaded term and its document, or None for an unknown id (an uploaded term never
    changes: the last few read are kept parsed)."""
    key = (ledger.url, term_id)
    with _LOCK:
        hit = _LOADED.get(key)
    if hit is not None:
        return hit
    with ledger.read() as s:
        row = s.get(UploadedTerm, term_id)
        if row is None:
            return None
        doc = json.loads(row.document)
    found = parse_term(doc, source=f"uploaded term {term_id}"), doc
    with _LOCK:
        _LOADED[key] = found
        while len(_LOADED) > 4:
            _LOADED.popitem(last=False)
    return found


_RESULTS: OrderedDict[str, Schedule] = OrderedDict()


def job_schedule(job: Job, term: Term) -> Schedule:
    """A finished solve's schedule, checked against its term once."""
    with _LOCK:
        hit = _RESULTS.get(job.id)
    if hit is not None:
        return hit
    assert job.schedule is not None
    schedule = parse_schedule(job.schedule, term, f"solve {job.id}")
    with _LOCK:
        _RESULTS[job.id] = schedule
        while len(_RESULTS) > 4:
            _RESULTS.popitem(last=False)
    return schedule
