"""Opening the ledger: SQLite by default, PostgreSQL by URL, migrated to the latest schema.

Every change runs in one transaction (:meth:`Ledger.write`). On SQLite a write transaction starts
with ``BEGIN IMMEDIATE``, so writers queue and a booking's check-then-insert cannot interleave
with another's; on PostgreSQL a writer takes a transaction-level advisory lock on what it
changes (:meth:`Ledger.lock`, e.g. the date of a booking) before checking. Reads use ordinary
transactions and never block on each other.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"
DEFAULT_URL = "sqlite:///otgroups-ledger.sqlite"
"""The ledger when none is named: a SQLite file in the current directory."""
URL_VARIABLE = "OTGROUPS_DB_URL"
"""The environment variable naming the ledger for every command and the server."""


def in_memory_url(url: str) -> bool:
    """True for an in-memory SQLite database (each connection has its own)."""
    return url.startswith("sqlite") and make_url(url).database in (None, "", ":memory:")


def _sqlite_engine(url: str, immediate: bool) -> Engine:
    # A service answers many requests at once from a thread pool: keep enough connections to
    # a database file (an in-memory database has one connection and no pool to size).
    pooled: dict[str, Any] = {} if in_memory_url(url) else {"pool_size": 16, "max_overflow": 32}
    engine = create_engine(url, connect_args={"timeout": 30}, **pooled)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy, not pysqlite, begins transactions
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


_WRITER_LOCKS: dict[str, threading.RLock] = {}
_WRITER_LOCKS_GUARD = threading.Lock()


def _writer_lock(url: str) -> threading.RLock:
    """The lock this process's writers of the SQLite database at ``url`` queue on (re-entrant:
    a write opened inside another on the same thread fails on SQLite's lock as it always did,
    rather than hanging here)."""
    with _WRITER_LOCKS_GUARD:
        return _WRITER_LOCKS.setdefault(url, threading.RLock())


class LedgerUrlError(ValueError):
    """A ``--db`` URL that names no database the ledger can use."""


def _shown(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return repr(url)


class Ledger:
    """A handle on one ledger database."""

    def __init__(self, url: str = DEFAULT_URL) -> None:
        try:
            backend = make_url(url).get_backend_name()
        except ArgumentError as exc:
            raise LedgerUrlError(f"{_shown(url)} is not a database URL ({exc})") from None
        if backend not in ("sqlite", "postgresql"):
            raise LedgerUrlError(f"{_shown(url)} is not a SQLite or PostgreSQL database URL")
        self.url = url
        self.sqlite = url.startswith("sqlite")
        self.in_memory = in_memory_url(url)
        if self.sqlite:
            self.write_engine = _sqlite_engine(url, immediate=True)
            self.read_engine = _sqlite_engine(url, immediate=False)
        else:
            self.write_engine = self.read_engine = create_engine(url, pool_pre_ping=True)
        self._write = sessionmaker(self.write_engine, expire_on_commit=False)
        self._read = sessionmaker(self.read_engine, expire_on_commit=False)

    def migrate(self) -> None:
        """Bring the schema to the latest migration (Alembic)."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.write_engine.connect() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One change: committed whole at the end, rolled back whole on any error.

        On SQLite, writers of this process queue on a lock before ``BEGIN IMMEDIATE``: SQLite
        itself makes a waiting writer poll with growing sleeps (up to 100 ms each), which under
        a busy service costs more than the writes. Other processes still wait on SQLite's lock.
        """
        if self.sqlite:
            with _writer_lock(self.url), self._write() as session, session.begin():
                yield session
        else:
            with self._write() as session, session.begin():
                yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session, session.begin():
            yield session

    def lock(self, session: Session, key: str) -> None:
        """Serialise writers on ``key`` until the transaction ends (PostgreSQL; SQLite writers
        are already serialised by BEGIN IMMEDIATE)."""
        if not self.sqlite:
            digest = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": digest})

    def dispose(self) -> None:
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()


class NoLedgerError(LookupError):
    """No SQLite ledger file where ``--db`` points (a mistyped path would make a new one)."""


def open_ledger(url: str = DEFAULT_URL, create: bool = True) -> Ledger:
    """A migrated ledger at ``url``; a missing SQLite file is created only with ``create``
    (else :class:`NoLedgerError`)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        parsed = None  # Ledger() says what is wrong with it
    if not create and parsed is not None and parsed.get_backend_name() == "sqlite":
        path = parsed.database
        if path and path != ":memory:" and not Path(path).exists():
            raise NoLedgerError(f"no ledger at {path}")
    ledger = Ledger(url)
    ledger.migrate()
    return ledger
