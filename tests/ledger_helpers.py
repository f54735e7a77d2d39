"""Ledger lookups the ledger, logistics and desk tests share."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ledger.schema import DatedSession
from ledger.store import Ledger


def session_id(ledger: Ledger, section: str, day: dt.date) -> int:
    """The dated session of ``section`` on ``day`` (it must exist)."""
    with ledger.read() as s:
        found = s.scalar(
            select(DatedSession.id).where(DatedSession.section == section, DatedSession.date == day)
        )
    assert found is not None, (section, day)
    return found
