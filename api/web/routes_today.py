"""The VA desk's day: a date's sessions with rosters and one-click attendance, and one
participant's week."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from api.ledger_views import dated_sessions
from api.web import render
from api.web.common import (
    MAX_QUERY_VALUE,
    day_notice,
    desk_url,
    done,
    log_access,
    parse_day,
    published_or_none,
)
from api.web.session import Desk, page
from ledger import attendance
from ledger.schema import MAX_ID
from ledger.state import Published, RefusedError, days_cached, published_cached
from ledger.waitlists import waitlist
from models import format_time
from models.dated import monday_of

router = APIRouter(include_in_schema=False)

MARKS = (("present", "Present"), ("absent", "Absent"), ("excused", "Excused"))


def _labels(pub: Published) -> dict[str, str]:
    return {gt.id: gt.label for gt in pub.term.group_types}


def _marked(s: Session, listed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each listed session with its roster's current attendance marks."""
    marks = attendance.current_marks(s, [row["session_id"] for row in listed])
    for row in listed:
        row["marks"] = {
            p: marks[row["session_id"], p].status
            for p in row["participants"]
            if (row["session_id"], p) in marks
        }
    return listed


def _day(desk: Desk, day: dt.date) -> list[dict[str, Any]]:
    with desk.ledger.read() as s:
        return _marked(s, dated_sessions(s, day))


def _week(desk: Desk, pid: str, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
    """The participant's sessions from ``first`` to ``last`` (as :func:`dated_sessions` lists
    them), read from the ledger's cached dated state (:func:`ledger.state.days_cached`), which
    later requests reuse while the ledger is unchanged."""
    with desk.ledger.read() as s:
        days = days_cached(s, published_cached(s), first, last)
        listed = []
        for offset in range((last - first).days + 1):
            day = first + dt.timedelta(days=offset)
            rows = days.all_sessions.get(day, [])
            if not rows:
                continue
            view = {sec.id: sec for sec in days.schedule(day).sections}
            for row in rows:
                section = view.get(row.section)
                if row.cancellation_id is not None or section is None:
                    continue
                if pid in section.participants:
                    listed.append(
                        {
                            "session_id": row.id,
                            "date": day.isoformat(),
                            "section": row.section,
                            "group_type": row.group_type,
                            "kind": row.kind,
                            "start": format_time(row.start),
                            "end": format_time(row.end),
                            "room": row.room,
                            "vehicle": row.vehicle,
                            "cancelled": False,
                            "participants": [pid],
                        }
                    )
        return _marked(s, listed)


@router.get("/desk/today")
def today(
    request: Request,
    date: str = "",
    desk: Desk = Depends(page("desk:va")),  # noqa: B008
) -> Response:
    pub = published_or_none(desk.ledger)
    day = parse_day(date, pub)
    notice = day_notice(date, pub)
    if notice:
        return done(request, desk_url("desk", "today", date=day.isoformat()), notice, "error")
    listed = _day(desk, day) if pub else []
    log_access(request, {p for row in listed for p in row["participants"]})
    return render.page(
        request,
        desk,
        "today.html.j2",
        f"Sessions on {day:%a %d %b %Y}",
        pub=pub,
        day=day,
        sessions=listed,
        labels=_labels(pub) if pub else {},
        marks=MARKS,
        can_mark=desk.can("attendance:write"),
    )


@router.post("/desk/attendance")
def mark(
    request: Request,
    session_id: int = Form(..., ge=1, le=MAX_ID),
    participant: str = Form(...),
    status: str = Form(...),
    date: str = Form(""),
    desk: Desk = Depends(page("desk:va", "attendance:write")),  # noqa: B008
) -> Response:
    log_access(request, participant)
    back = desk_url("desk", "today", fragment=f"session-{session_id}", date=date)
    try:
        attendance.record(
            desk.ledger,
            session_id,
            participant,
            status,
            recorded_by=desk.principal.label,
            now=request.app.state.settings.clock(),
        )
    except RefusedError as exc:
        return done(request, back, str(exc), "error")
    return done(request, back, f"{participant} marked {status} at session {session_id}.")


@router.get("/desk/participants")
def find_participant(
    request: Request,
    participant: str = "",
    desk: Desk = Depends(page("desk:va")),  # noqa: B008
) -> Response:
    if participant.strip():
        target = desk_url("desk", "participants", participant.strip()[:MAX_QUERY_VALUE])
        return RedirectResponse(target, status_code=303)
    return render.page(request, desk, "participant_find.html.j2", "A participant's week")


@router.get("/desk/participants/{pid}")
def participant_week(
    request: Request,
    pid: str,
    date: str = "",
    desk: Desk = Depends(page("desk:va")),  # noqa: B008
) -> Response:
    pub = published_or_none(desk.ledger)
    log_access(request, pid)
    if pub is None or not any(p.id == pid for p in pub.term.participants):
        return render.page(
            request,
            desk,
            "participant_find.html.j2",
            "A participant's week",
            404,
            error=f"No participant {pid} in the published term.",
        )
    day = parse_day(date, pub)
    notice = day_notice(date, pub)
    if notice:
        back = desk_url("desk", "participants", pid, date=day.isoformat())
        return done(request, back, notice, "error")
    monday = monday_of(day)
    first = max(monday, pub.term.term.start)
    last = min(monday + dt.timedelta(days=6), pub.term.term.end)
    return render.page(
        request,
        desk,
        "participant_week.html.j2",
        f"Week of {pid}",
        pid=pid,
        day=day,
        first=first,
        last=last,
        previous=monday - dt.timedelta(days=7),
        following=monday + dt.timedelta(days=7),
        sessions=_week(desk, pid, first, last),
        labels=_labels(pub),
        sections=[sec for sec in pub.schedule.sections if pid in sec.participants],
        waiting=[w for w in waitlist(desk.ledger) if w.participant == pid],
        missed=attendance.missed(desk.ledger, pid),
        marks=MARKS,
    )
