"""Uploaded terms: checked term documents kept in the ``uploaded_terms`` table, read back for a
solve, a publish or a schedule check. The HTTP API and the web desk both store and read them
here; each says "not found" in its own way when :func:`uploaded_term` answers None."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import defer

from ledger.schema import UploadedTerm
from ledger.store import Ledger
from models import Term, document, parse_term

KEPT = 4
"""How many parsed uploaded terms are kept (an uploaded term never changes)."""

_LOADED: OrderedDict[tuple[str, int], tuple[Term, dict[str, Any]]] = OrderedDict()
_LOCK = threading.Lock()


def store_term(ledger: Ledger, term: Term, name: str, token_id: int | None) -> UploadedTerm:
    """Keep a checked term under ``name`` (cut to the column's 200 characters); the flushed
    row (its id and created_at set)."""
    with ledger.write() as s:
        row = UploadedTerm(
            document=json.dumps(document(term)),
            name=name[:200],
            participants=len(term.participants),
            token_id=token_id,
        )
        s.add(row)
        s.flush()
        return row


def uploaded_term(ledger: Ledger, term_id: int) -> tuple[Term, dict[str, Any]] | None:
    """An uploaded term and its document, or None for an unknown id. Parsed once: the last
    few read are kept, keyed by (database, id)."""
    key = (ledger.url, term_id)
    with _LOCK:
        hit = _LOADED.get(key)
        if hit is not None:
            _LOADED.move_to_end(key)
            return hit
    with ledger.read() as s:
        text = s.scalar(select(UploadedTerm.document).where(UploadedTerm.id == term_id))
    if text is None:
        return None
    doc = json.loads(text)
    found = parse_term(doc, source=f"uploaded term {term_id}"), doc
    with _LOCK:
        _LOADED[key] = found
        while len(_LOADED) > KEPT:
            _LOADED.popitem(last=False)
    return found


def uploaded_terms(
    ledger: Ledger,
    *,
    newest_first: bool = False,
    limit: int | None = None,
    documents: bool = True,
) -> list[UploadedTerm]:
    """Uploaded term rows, oldest first (or newest first), at most ``limit`` of them; with
    ``documents=False`` the (large) documents are not read and must not be touched."""
    query = select(UploadedTerm).order_by(
        UploadedTerm.id.desc() if newest_first else UploadedTerm.id
    )
    if limit is not None:
        query = query.limit(limit)
    if not documents:
        query = query.options(defer(UploadedTerm.document, raiseload=True))
    with ledger.read() as s:
        return list(s.scalars(query))
