"""The ledger's schema: Alembic's migrations build exactly what ``ledger/schema.py`` declares, and
re-publishing keeps history in rows that share a slot."""

from __future__ import annotations

import datetime as dt
from importlib.resources import files
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select

from ledger.publish import publish
from ledger.schema import Base, DatedSession, SessionCancellation
from ledger.store import MIGRATIONS, open_ledger
from models import load_schedule, load_term

EXAMPLES = files("models") / "examples"


def test_migrations_match_the_schema(tmp_path: Path) -> None:
    """Every migration up to the head builds exactly the tables and columns schema.py declares."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    ledger = open_ledger(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    try:
        with ledger.write_engine.connect() as connection:
            context = MigrationContext.configure(connection)
            assert context.get_current_revision() == head
            assert compare_metadata(context, Base.metadata) == []
            tables = set(inspect(connection).get_table_names())
        assert {"sessions", "makeups", "contacts", "outbox", "stock_counts"} <= tables
    finally:
        ledger.dispose()


def test_republishing_a_section_in_a_new_room_keeps_the_cancelled_rows(tmp_path: Path) -> None:
    """A section moved to another room at the same time: its standing dated sessions are
    cancelled and replaced at the same (section, date, start), both rows kept."""
    term = load_term(str(EXAMPLES / "demo_clinic.json"))
    schedule = load_schedule(str(EXAMPLES / "demo_schedule.json"), term)
    ledger = open_ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    try:
        publish(ledger, term, schedule)
        moved, room = _movable(term, schedule)
        sections = [
            sec.model_copy(update={"room": room}) if sec.id == moved else sec
            for sec in schedule.sections
        ]
        from_date = term.term.start + dt.timedelta(days=14)
        assert (
            publish(
                ledger,
                term,
                schedule.model_copy(update={"sections": sections}),
                effective_from=from_date,
            )
            == 2
        )
        with ledger.read() as s:
            rows = s.scalars(
                select(DatedSession).where(
                    DatedSession.section == moved, DatedSession.date >= from_date
                )
            ).all()
            cancelled = set(s.scalars(select(SessionCancellation.session_id)).all())
        standing = [r for r in rows if r.id not in cancelled]
        assert standing and all(r.room == room for r in standing)
        assert {(r.date, r.start) for r in standing} == {
            (r.date, r.start) for r in rows if r.id in cancelled
        }
    finally:
        ledger.dispose()


def _movable(term, schedule) -> tuple[str, str]:
    """A section and another room it could meet in at the same times (same features, free)."""
    from models.validation import validate_schedule

    for sec in schedule.sections:
        if sec.room is None:
            continue
        for room in term.rooms:
            if room.id == sec.room:
                continue
            trial = [
                s.model_copy(update={"room": room.id}) if s.id == sec.id else s
                for s in schedule.sections
            ]
            if not validate_schedule(term, schedule.model_copy(update={"sections": trial})):
                return sec.id, room.id
    raise AssertionError("no section of the demo can move room")
