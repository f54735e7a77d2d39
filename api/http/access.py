"""The access log: every request that reads or writes participant data leaves one row.

A row names the token (and its role), the method, the route's template (``/v1/sessions/{id}``,
never the filled-in URL or a query string), read or write, the participant ids involved and the
status code. Request and response bodies and names never reach it.

Routes join the log through :func:`audited` (a router-level dependency): it opens an
:class:`AccessNote` on the request, the handler adds the participant ids it touched
(:func:`touch`), and :class:`AccessLogMiddleware` makes the row once the status is known, even
when the handler failed. The middleware also keeps the response's text, and the row adds every
participant of the term in force that the text names (:func:`ids_in_text`): a reason ("P07 is
outside the age band"), a version's note ("discharge P08") or a session id ("P0001-…") is a
read of that participant too, whether or not its handler thought to touch it.
:class:`AccessLogWriter` looks those up and writes rows in batches from a thread, within 50 ms,
so no request waits on the ledger for its log row.
"""

from __future__ import annotations

import html
import json
import logging
import queue
import re
import threading
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http.auth import Principal
from ledger.schema import AccessLog, now
from ledger.state import NothingPublishedError, published_cached
from ledger.store import Ledger

log = logging.getLogger("otgroups.http")


def access_row(
    principal: Principal,
    method: str,
    route: str,
    action: str,
    participants: Iterable[str],
    status: int,
) -> AccessLog:
    """One access-log row (participant ids only, sorted and unique), not yet written."""
    return AccessLog(
        at=now(),
        token_id=principal.token_id,
        role=principal.role,
        method=method,
        route=route[:200],
        action=action,
        participants=sorted(set(participants)),
        status=status,
    )


def record_access(
    ledger: Ledger,
    principal: Principal,
    method: str,
    route: str,
    action: str,
    participants: Iterable[str],
    status: int,
) -> None:
    """Write one access-log row now, in its own transaction."""
    with ledger.write() as s:
        s.add(access_row(principal, method, route, action, participants, status))


_WORD = re.compile(r"[\w.\-]+")
_PART_END = re.compile(r"[-.]")
TEXT_TYPES = ("application/json", "application/problem+json", "text/")
"""Responses whose text is searched for participant ids (workbooks are touched by their
handlers)."""
MAX_TEXT_BYTES = 50_000_000


def ids_in_text(text: str, known: Collection[str]) -> set[str]:
    """The ``known`` participant ids that ``text`` names: as a whole word (letters, digits,
    ``_``, ``-``, ``.``), or as the start of one up to a ``-`` or ``.``
    (``P0001-stress-1-2027-09-13``, ``P07.``). Each distinct word is looked at once."""
    if not known:
        return set()
    words = set(_WORD.findall(text))
    found = {w for w in words if w in known}
    for word in words:
        if "-" in word or "." in word:
            found.update(
                word[: end.start()]
                for end in _PART_END.finditer(word)
                if word[: end.start()] in known
            )
    return found


_IN_FORCE: dict[tuple[int, str, int, str], frozenset[str]] = {}


def term_participants(ledger: Ledger) -> frozenset[str]:
    """Participant ids of the term in force (none before anything is published), kept per
    published version so a batch of rows costs one small query."""
    try:
        with ledger.read() as s:
            pub = published_cached(s)
    except NothingPublishedError:
        return frozenset()
    key = (id(ledger), ledger.url, pub.version.id, str(pub.version.created_at))
    ids = _IN_FORCE.get(key)
    if ids is None:
        ids = frozenset(p.id for p in pub.term.participants)
        _IN_FORCE.clear()  # one ledger per server process: keep the newest version's only
        _IN_FORCE[key] = ids
    return ids


@dataclass
class PendingRow:
    """An access-log row and the response text still to search for participant ids (those of
    the term in force, and ``known``: the ids of an uploaded term the response is about)."""

    row: AccessLog
    text: str = ""
    known: frozenset[str] = frozenset()


def response_strings(text: str) -> list[str]:
    """What a response says, as text a person reads: a JSON document's strings (keys and
    values, escapes undone; not its numbers), or an HTML or plain text with entities undone."""
    if text[:1] in "{[":
        try:
            doc = json.loads(text)
        except ValueError:
            return [html.unescape(text)]
        found: list[str] = []
        stack = [doc]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                found.append(item)
            elif isinstance(item, dict):
                found.extend(str(k) for k in item)
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
        return found
    return [html.unescape(text)]


def complete(rows: list[PendingRow], ledger: Ledger) -> list[AccessLog]:
    """The rows, each with the participants its response text names added."""
    texts = [r for r in rows if r.text]
    in_force = term_participants(ledger) if texts else frozenset()
    for pending in texts:
        known = in_force | pending.known if pending.known else in_force
        named = ids_in_text("\n".join(response_strings(pending.text)), known)
        if not named <= set(pending.row.participants):
            pending.row.participants = sorted(set(pending.row.participants) | named)
    return [r.row for r in rows]


class AccessLogWriter:
    """Writes access-log rows from a thread, a batch per transaction, so a request does not
    wait on the ledger's write lock for its row. Rows are written within ``interval`` seconds;
    :meth:`flush` waits until every queued row is written, :meth:`close` flushes and stops."""

    def __init__(self, ledger: Ledger, interval: float = 0.05) -> None:
        self.ledger = ledger
        self.interval = interval
        self.rows: queue.Queue[PendingRow | None] = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="access-log", daemon=True)
        self.thread.start()

    def put(self, row: PendingRow) -> None:
        self.rows.put(row)

    def flush(self) -> None:
        self.rows.join()

    def close(self) -> None:
        self.rows.put(None)
        self.thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            first = self.rows.get()
            batch = [first]
            time.sleep(self.interval)
            while True:
                try:
                    batch.append(self.rows.get_nowait())
                except queue.Empty:
                    break
            rows = [r for r in batch if r is not None]
            try:
                if rows:
                    self._write(rows)
            finally:
                for _ in batch:
                    self.rows.task_done()
            if None in batch:
                return

    def _write(self, pending: list[PendingRow]) -> None:
        try:
            rows = complete(pending, self.ledger)
        except Exception:  # the ledger unreadable: keep the handlers' ids rather than no row
            log.error("could not search %d responses for participant ids", len(pending))
            rows = [r.row for r in pending]
        for attempt in range(3):
            try:
                with self.ledger.write() as s:
                    s.add_all(rows)
                return
            except Exception:  # the ledger busy: try again, then say so (ids only)
                if attempt == 2:
                    log.error("could not write %d access-log rows", len(rows))
                time.sleep(0.2)


@dataclass
class AccessNote:
    """What a request touched, filled in by its handler."""

    action: str
    participants: set[str] = field(default_factory=set)
    may_name: set[str] = field(default_factory=set)
    """Ids outside the term in force that the response may name (an uploaded term's)."""


def audited(request: Request) -> AccessNote:
    """Router dependency: this route reads (GET) or writes (anything else) participant data."""
    note = AccessNote("read" if request.method in ("GET", "HEAD") else "write")
    request.state.access = note
    return note


def touch(request: Request, participants: Iterable[str] | str | None) -> None:
    """Record participant ids the request reads or writes (for its access-log row)."""
    note: AccessNote | None = getattr(request.state, "access", None)
    if note is None or participants is None:
        return
    if isinstance(participants, str):
        note.participants.add(participants)
    else:
        note.participants.update(p for p in participants if p)


class AccessLogMiddleware:
    """Writes the access-log row of an audited request after its handler is done."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = {"code": 500}
        body: list[bytes] | None = None
        size = 0

        async def sending(message: Message) -> None:
            nonlocal body, size
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                if _audited(scope) and _is_text(message.get("headers", [])):
                    body = []
            elif message["type"] == "http.response.body" and body is not None:
                chunk = message.get("body", b"")
                size += len(chunk)
                if size <= MAX_TEXT_BYTES:
                    body.append(chunk)
                else:
                    log.warning("response over %d bytes: not searched for ids", MAX_TEXT_BYTES)
                    body = None
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            text = b"".join(body).decode("utf-8", "replace") if body else ""
            self._log(scope, status["code"], text)

    def _log(self, scope: Scope, status: int, text: str = "") -> None:
        state: dict[str, Any] = scope.get("state") or {}
        note: AccessNote | None = state.get("access")
        principal: Principal | None = state.get("principal")
        if note is None or principal is None:
            return
        route = scope.get("route")
        template = getattr(route, "path", None) or scope.get("path", "")
        row = access_row(
            principal, scope["method"], template, note.action, note.participants, status
        )
        writer: AccessLogWriter | None = getattr(scope["app"].state, "access_log", None)
        if writer is not None:
            writer.put(PendingRow(row, text, frozenset(note.may_name)))
        else:
            ledger: Ledger = scope["app"].state.ledger
            (row,) = complete([PendingRow(row, text, frozenset(note.may_name))], ledger)
            with ledger.write() as s:
                s.add(row)


def _audited(scope: Scope) -> bool:
    state: dict[str, Any] = scope.get("state") or {}
    return state.get("access") is not None


def _is_text(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name.lower() == b"content-type":
            kind = value.decode("latin-1").lower()
            return kind.startswith(TEXT_TYPES)
    return False


PARTICIPANT_KEYS = ("participant", "participants", "moved")


def participant_ids(doc: Any) -> set[str]:
    """Every participant id a response document names (under ``participant``,
    ``participants`` or ``moved``, at any depth)."""
    found: set[str] = set()
    if isinstance(doc, dict):
        for key, value in doc.items():
            if key in PARTICIPANT_KEYS and isinstance(value, str):
                found.add(value)
            elif key in PARTICIPANT_KEYS and isinstance(value, list):
                found.update(v for v in value if isinstance(v, str))
            found |= participant_ids(value)
    elif isinstance(doc, list):
        for item in doc:
            found |= participant_ids(item)
    return found


def may_name(request: Request, participants: Iterable[str]) -> None:
    """The response may name these participants in its text (an uploaded term's, which the
    term in force does not have): its row lists those it does name."""
    note: AccessNote | None = getattr(request.state, "access", None)
    if note is not None:
        note.may_name.update(participants)


def touch_doc(request: Request, doc: Any) -> Any:
    """:func:`touch` every participant id ``doc`` names; ``doc`` back."""
    touch(request, participant_ids(doc))
    return doc
