"""The VA desk's day: a date's sessions with rosters and one-click attendance, and one
participant's week."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.ledger_views import dated_sessions
from api.web import render
from api.web.common import done, log_access, parse_day, published_or_none
from api.web.session import Desk, page
from ledger import attendance
from ledger.state import Published, RefusedError
from ledger.waitlists import waitlist

router = APIRouter(include_in_schema=False)

MARKS = (("present", "Present"), ("absent", "Absent"), ("excused", "Excused"))


def _labels(pub: Published) -> dict[str, str]:
    return {gt.id: gt.label for gt in pub.term.group_types}


def _sessions(desk: Desk, first: dt.date, last: dt.date, pid: str | None) -> list[dict[str, Any]]:
    with desk.ledger.read() as s:
        listed = dated_sessions(s, first, last, participant=pid)
        marks = attendance.current_marks(s, [row["session_id"] for row in listed])
    for row in listed:
        row["marks"] = {
            p: marks[row["session_id"], p].status
            for p in row["participants"]
            if (row["session_id"], p) in marks
        }
    return listed


@router.get("/desk/today")
def today(
    request: Request,
    date: str = "",
    desk: Desk = Depends(page("desk:va")),  # noqa: B008
) -> Response:
    pub = published_or_none(desk.ledger)
    day = parse_day(date, pub)
    listed = _sessions(desk, day, day, None) if pub else []
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
    session_id: int = Form(...),
    participant: str = Form(...),
    status: str = Form(...),
    date: str = Form(""),
    desk: Desk = Depends(page("desk:va", "attendance:write")),  # noqa: B008
) -> Response:
    log_access(request, participant)
    back = f"/desk/today?date={date}#session-{session_id}"
    try:
        attendance.record(
            desk.ledger, session_id, participant, status, recorded_by=desk.principal.label
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
        return RedirectResponse(f"/desk/participants/{participant.strip()}", status_code=303)
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
    monday = day - dt.timedelta(days=day.weekday())
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
        sessions=_sessions(desk, first, last, pid),
        labels=_labels(pub),
        sections=[sec for sec in pub.schedule.sections if pid in sec.participants],
        waiting=[w for w in waitlist(desk.ledger) if w.participant == pid],
        missed=attendance.missed(desk.ledger, pid),
        marks=MARKS,
    )
