"""Closing a day: :func:`close_day` and the transaction it runs (see :mod:`ledger.closures`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.closures.booking import book_choice, left_out, own_option
from ledger.closures.candidates import plan_recovery
from ledger.closures.choice import choose
from ledger.closures.lost import lost_sessions
from ledger.closures.report import ClosureError, ClosureReport, Recovered, Unrecovered
from ledger.makeups import MakeupPlanner, as_booked
from ledger.schema import Closure, MakeupCancellation, SessionCancellation
from ledger.state import enrolled, makeups_on, published_cached, sessions_on
from ledger.store import Ledger
from models.dated import monday_of


class _DryRun(Exception):  # noqa: N818 - control flow, never escapes
    def __init__(self, report: ClosureReport) -> None:
        super().__init__("dry run")
        self.report = report


def close_day(
    ledger: Ledger,
    date: dt.date,
    reason: str = "",
    book: bool = True,
    within_days: int = 14,
    now: dt.datetime | None = None,
    time_limit: float = 2.0,
    booked_by: str = "closure",
) -> ClosureReport:
    """Close ``date`` and recover its sessions (see :mod:`ledger.closures`). ``now`` (the clinic's
    local time when naive; default the clock) rules out makeups in the past. ``time_limit``
    bounds each joint choice (CP-SAT keeps the best choice found by then; on the
    800-participant benchmark it has it within a second)."""
    if within_days < 0:
        raise ClosureError(f"within_days must be 0 or more, not {within_days}")
    try:
        with ledger.write() as s:
            report = close_day_in(
                ledger, s, date, reason, book, within_days, now, time_limit, booked_by
            )
            if not book:
                raise _DryRun(report)
            return report
    except _DryRun as dry:
        return dry.report


def close_day_in(
    ledger: Ledger,
    s: Session,
    date: dt.date,
    reason: str = "",
    book: bool = True,
    within_days: int = 14,
    now: dt.datetime | None = None,
    time_limit: float = 2.0,
    booked_by: str = "closure",
) -> ClosureReport:
    """:func:`close_day` inside the caller's write transaction (never rolled back here, except
    the bookings' savepoint)."""
    pub = published_cached(s)
    term = pub.term
    if not term.term.start <= date <= term.term.end:
        raise ClosureError(f"{date} is outside the term {term.term.start} to {term.term.end}")
    if date in term.term.closures:
        raise ClosureError(f"{date} is already a closure day of the term")
    if s.scalar(select(Closure.id).where(Closure.date == date)) is not None:
        raise ClosureError(f"{date} was already closed")
    report = ClosureReport(date, reason, booked=book)
    dated = sessions_on(s, date)
    members = enrolled(s, date)
    into = makeups_on(s, date)
    lost, already = lost_sessions(s, term, dated, members, into)
    last = date + dt.timedelta(days=within_days)
    for pid in sorted({x.participant for x in lost}):
        ledger.lock(s, f"participant:{pid}")
    monday = monday_of(date)
    while monday <= last:
        ledger.lock(s, f"week:{monday}")
        monday += dt.timedelta(days=7)
    day = date
    while day <= last:
        ledger.lock(s, f"date:{day}")
        day += dt.timedelta(days=1)
    closure = Closure(date=date, reason=reason)
    s.add(closure)
    for m in into:
        s.add(MakeupCancellation(makeup_id=m.id, reason=f"{date} closed"))
        report.cancelled_makeups.append(m.id)
    for row in dated:
        s.add(SessionCancellation(session_id=row.id, reason=f"closure: {reason}"[:200]))
        report.cancelled_sessions.append(row.id)
    s.flush()
    report.closure_id = closure.id
    report.lost = lost
    report.unrecovered += [Unrecovered(x, (why,)) for x, why in already]
    planner = MakeupPlanner(s, pub)
    plan = plan_recovery(planner, lost, date, within_days, now, {row.id: row for row in dated})
    report.unrecovered += [Unrecovered(x, why) for x, why in plan.impossible]
    choice = choose(plan, planner, time_limit)
    if book:
        chosen = book_choice(ledger, s, plan, planner, choice, time_limit, booked_by, report)
    else:
        chosen = {key: (oid, None) for key, oid in choice.items()}
    report.recovered = [
        Recovered(plan.lost[key], as_booked(s, own_option(plan, key, oid), made), made)
        for key, (oid, made) in sorted(chosen.items())
    ]
    for key, x in sorted(plan.lost.items()):
        if key in chosen or key in plan.impossible_keys:
            continue
        report.unrecovered.append(Unrecovered(x, left_out(plan, key, report.booking_error)))
    report.unrecovered.sort(key=lambda u: (u.lost.participant, u.lost.session_id))
    return report
