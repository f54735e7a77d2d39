"""A seeded simulation of a running term in the ledger, for notebooks and tests.

:func:`mark_days` marks everyone on each session's roster (enrolled that date, or booked in as
a makeup) present, late, left early, absent or excused, drawn from one ``random.Random``; the
same seed and ledger give the same marks. :func:`book_makeups` books the best makeup option
(:func:`ledger.makeups.makeup_options`, best first) for missed sessions that have none yet.
Everything goes through the ledger's own API, so every hard rule is checked as in real use.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select

from ledger.attendance import MISSED, current_marks, record_in
from ledger.makeups import MakeupError, book, makeup_options
from ledger.schema import DatedSession, Makeup, MakeupCancellation
from ledger.state import closed_days, enrolled, makeups_on, published, sessions_on
from ledger.store import Ledger


@dataclass(frozen=True)
class Rates:
    """Chances of each mark besides ``present`` (they must add up to at most 1)."""

    absent: float = 0.08
    excused: float = 0.05
    late: float = 0.05
    left_early: float = 0.03

    def draw(self, rng: random.Random) -> str:
        x = rng.random()
        for status, chance in (
            ("absent", self.absent),
            ("excused", self.excused),
            ("late", self.late),
            ("left-early", self.left_early),
        ):
            if x < chance:
                return status
            x -= chance
        return "present"


def mark_days(
    ledger: Ledger,
    first: dt.date,
    last: dt.date,
    rng: random.Random,
    rates: Rates | None = None,
    recorded_by: str = "simulation",
) -> int:
    """Mark every roster place of the standing sessions from ``first`` to ``last`` (closure
    days skipped), one write transaction per date; the number of marks written."""
    rates = rates or Rates()
    written = 0
    day = first
    while day <= last:
        with ledger.write() as s:
            pub = published(s)
            if day not in closed_days(s, pub):
                members = enrolled(s, day)
                booked: dict[int, list[str]] = {}
                for m in makeups_on(s, day):
                    booked.setdefault(m.session_id, []).append(m.participant)
                for session in sorted(sessions_on(s, day), key=lambda r: r.id):
                    roster = (
                        list(members.get(session.section, [])) if session.kind == "regular" else []
                    )
                    roster += booked.get(session.id, [])
                    length = session.end - session.start
                    for pid in sorted(set(roster)):
                        status = rates.draw(rng)
                        minutes = None
                        if status in ("late", "left-early"):
                            minutes = max(0, length - rng.choice((10, 15, 20, 30)))
                        record_in(s, session.id, pid, status, minutes, recorded_by)
                        written += 1
        day += dt.timedelta(days=1)
    return written


def book_makeups(
    ledger: Ledger,
    now: dt.datetime,
    within_days: int = 14,
    limit: int | None = None,
    booked_by: str = "simulation",
) -> pd.DataFrame:
    """For each missed (absent or excused) session of the last ``within_days`` days without a
    standing makeup, oldest first, book the best option from ``now`` (the clinic's local time);
    at most ``limit`` bookings. One row
    per missed session tried: participant, missed session, outcome (``booked``, ``no option``
    or ``refused``) and the option booked."""
    with ledger.read() as s:
        marks = current_marks(s)
        dates = {r.id: r.date for r in s.execute(select(DatedSession.id, DatedSession.date))}
        covered = set(
            s.execute(
                select(Makeup.participant, Makeup.missed_session_id)
                .outerjoin(MakeupCancellation, MakeupCancellation.makeup_id == Makeup.id)
                .where(MakeupCancellation.id.is_(None))
            ).all()
        )
    oldest = now.date() - dt.timedelta(days=within_days)
    missed = sorted(
        (dates[sid], sid, pid)
        for (sid, pid), mark in marks.items()
        if mark.status in MISSED and (pid, sid) not in covered and dates[sid] >= oldest
    )
    rows = []
    booked = 0
    for _, sid, pid in missed:
        if limit is not None and booked >= limit:
            break
        row = {"participant": pid, "missed_session_id": sid, "outcome": "no option", "option": ""}
        options = makeup_options(ledger, pid, sid, within_days, now)
        if options:
            try:
                book(ledger, pid, sid, options[0], booked_by)
            except MakeupError as exc:
                row.update(outcome="refused", option=str(exc))
            else:
                row.update(outcome="booked", option=options[0].label(seats=False))
                booked += 1
        rows.append(row)
    return pd.DataFrame(rows, columns=["participant", "missed_session_id", "outcome", "option"])
