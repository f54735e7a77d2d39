"""What a closure takes away: each member of each cancelled regular session, and each holder of
a makeup booked into the closed day (their original missed session needs a new makeup)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.closures.report import LostSession
from ledger.schema import DatedSession, Makeup, MakeupCancellation
from models.term import Term


def _lost(
    term: Term, pid: str, row: DatedSession, cancelled_makeup: int | None = None
) -> LostSession:
    """``pid``'s session ``row`` as lost, weighted by their request's priority (optional when
    they no longer request the type)."""
    person = next((p for p in term.participants if p.id == pid), None)
    request = None
    if person is not None:
        request = next((r for r in person.requests if r.group_type == row.group_type), None)
    priority = request.priority if request is not None else "optional"
    return LostSession(
        pid,
        row.id,
        row.section,
        row.group_type,
        row.date,
        row.start,
        row.end,
        priority,
        term.weights.of(priority),
        cancelled_makeup=cancelled_makeup,
    )


def lost_sessions(
    s: Session,
    term: Term,
    dated: list[DatedSession],
    members: dict[str, list[str]],
    into: list[Makeup],
) -> tuple[list[LostSession], list[tuple[LostSession, str]]]:
    """The sessions lost (and those already made up elsewhere, with why)."""
    out: list[LostSession] = []
    already: list[tuple[LostSession, str]] = []
    ids = [row.id for row in dated]
    booked_for = {
        (m.participant, m.missed_session_id): m.id
        for m in s.scalars(
            select(Makeup)
            .outerjoin(MakeupCancellation, MakeupCancellation.makeup_id == Makeup.id)
            .where(Makeup.missed_session_id.in_(ids), MakeupCancellation.id.is_(None))
        )
    }
    for row in dated:
        if row.kind != "regular":
            continue
        for pid in sorted(members.get(row.section, [])):
            x = _lost(term, pid, row)
            made = booked_for.get((pid, row.id))
            if made is not None and made not in {m.id for m in into}:
                already.append((x, f"already made up elsewhere (makeup {made})"))
                continue
            out.append(x)
    for m in into:
        missed = s.get(DatedSession, m.missed_session_id)
        assert missed is not None
        out.append(_lost(term, m.participant, missed, cancelled_makeup=m.id))
    return out, already
