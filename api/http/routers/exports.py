"""``/v1/exports``: the published schedule as CSV or XLSX, iCalendar feeds of a participant, a
staff member or a section, and de-identified CSV frames for analysts (salted keys, never ids)."""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from analysis import frames
from analysis.deidentify import SaltMissingError
from api.http.access import audited, touch
from api.http.auth import Principal, require
from api.http.deps import V1, LedgerDep, SettingsDep
from api.http.problems import ApiProblem, not_found
from api.http.scope import check_staff, limited, own_participants
from api.ledger_views import schedule_on
from audit import Finding
from ledger.schema import AuditRun
from ledger.state import Published, published_cached
from logistics.calendars import Feeds, participant_feed, staff_feed
from models import Schedule, Term
from models.common import IsoDate
from models.csv_cells import safe_cell
from models.spreadsheet import schedule_csv, schedule_xlsx

router = APIRouter(prefix=V1 + "/exports", tags=["exports"], dependencies=[Depends(audited)])
Office = Annotated[Principal, Depends(require("export:schedule"))]
Calendars = Annotated[Principal, Depends(require("export:calendar"))]
Analyst = Annotated[Principal, Depends(require("export:deidentified"))]

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ICS = "text/calendar; charset=utf-8"


def _file(media: str, example: str | None = None) -> dict[int | str, dict[str, Any]]:
    content: dict[str, Any] = {"schema": {"type": "string"}}
    if example is not None:
        content["example"] = example
    return {200: {"content": {media.split(";")[0]: content}, "description": "The file"}}


def _download(data: bytes, media: str, name: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(data, media_type=media, headers=headers)


AsOf = Annotated[
    IsoDate | None, Query(description="Rosters as they stood on this date (default: the latest)")
]


def _schedule(ledger: LedgerDep, day: dt.date | None) -> tuple[Term, Schedule]:
    with ledger.read() as s:
        return published_cached(s).term, schedule_on(s, day)


@router.get("/schedule.csv", response_class=Response, responses=_file(CSV, "section,group_type"))
def schedule_as_csv(request: Request, ledger: LedgerDep, _: Office, date: AsOf = None) -> Response:
    """The schedule in force, one row per section (members listed), or as it stood on ``date``."""
    term, schedule = _schedule(ledger, date)
    touch(request, [pid for s in schedule.sections for pid in s.participants])
    return _download(schedule_csv(term, schedule), CSV, "schedule.csv")


@router.get("/schedule.xlsx", response_class=Response, responses=_file(XLSX))
def schedule_as_xlsx(request: Request, ledger: LedgerDep, _: Office, date: AsOf = None) -> Response:
    """The schedule in force as a workbook: sections, rosters and the waitlist (or the rosters
    as they stood on ``date``)."""
    term, schedule = _schedule(ledger, date)
    members = [pid for s in schedule.sections for pid in s.participants]
    touch(request, members + [w.participant for w in schedule.waitlist])
    return _download(schedule_xlsx(term, schedule), XLSX, "schedule.xlsx")


Ident = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")]


@router.get(
    "/calendars/participants/{participant}.ics", response_class=Response, responses=_file(ICS)
)
def participant_calendar(
    request: Request, participant: Ident, ledger: LedgerDep, who: Calendars
) -> Response:
    """A participant's iCalendar feed: every dated session they are or were on."""
    touch(request, participant)
    with ledger.read() as s:
        pub = published_cached(s)
        mine = own_participants(who, pub.schedule)
        if mine is not None and participant not in mine:
            raise ApiProblem(403, "forbidden", "Forbidden", "not a member of your sections")
        data = participant_feed(s, pub, participant).to_ical()
    return _download(data, ICS, f"{participant}.ics")


@router.get("/calendars/staff/{staff_id}.ics", response_class=Response, responses=_file(ICS))
def staff_calendar(staff_id: Ident, ledger: LedgerDep, who: Calendars) -> Response:
    """A staff member's iCalendar feed: the sessions they lead (a clinician: their own)."""
    if limited(who) and who.staff_id != staff_id:
        raise ApiProblem(403, "forbidden", "Forbidden", "a clinician exports their own feed")
    with ledger.read() as s:
        data = staff_feed(s, published_cached(s), staff_id).to_ical()
    return _download(data, ICS, f"{staff_id}.ics")


@router.get("/calendars/sections/{section}.ics", response_class=Response, responses=_file(ICS))
def section_calendar(
    request: Request, section: Ident, ledger: LedgerDep, who: Calendars
) -> Response:
    """A section's iCalendar feed: its dated sessions as its leaders see them."""
    with ledger.read() as s:
        pub = published_cached(s)
        found = next((x for x in pub.schedule.sections if x.id == section), None)
        if found is None:
            raise not_found(f"no section {section} in the published schedule")
        check_staff(who, found.staff, f"section {section}")
        touch(request, found.participants)
        data = Feeds(s, pub).section(section).to_ical()
    return _download(data, ICS, f"{section}.ics")


class Frame(StrEnum):
    sections = "sections"
    meetings = "meetings"
    rosters = "rosters"
    waitlist = "waitlist"
    attendance = "attendance"
    makeups = "makeups"
    findings = "findings"


@router.get(
    "/deidentified/{frame}.csv",
    response_class=Response,
    responses=_file(
        CSV, "section,group_type,participant\nsocial-skills-1,social-skills,5f1c0e9a2b"
    ),
)
def deidentified(
    request: Request, frame: Frame, ledger: LedgerDep, settings: SettingsDep, _: Analyst
) -> Response:
    """A tidy frame with participant ids replaced by salted keys (HMAC-SHA256), in id columns
    and inside text; ``findings`` is the latest audit run's."""
    salt = settings.deidentify_salt or None
    with ledger.read() as s:
        pub = published_cached(s)
        latest = s.scalars(select(AuditRun).order_by(AuditRun.id.desc()).limit(1)).first()
        found = [Finding.model_validate(f) for f in json.loads(latest.findings)] if latest else []
    touch(request, [p.id for p in pub.term.participants])
    try:
        table = _frame(frame, ledger, pub, found, salt)
    except SaltMissingError:
        detail = "de-identified exports need OTGROUPS_DEIDENTIFY_SALT set on the service"
        raise ApiProblem(503, "not-configured", "Not configured", detail) from None
    text = table.map(safe_cell).to_csv(index=False)
    return _download(text.encode("utf-8"), CSV, f"{frame.value}.csv")


def _frame(
    frame: Frame, ledger: Any, pub: Published, found: list[Finding], salt: str | None
) -> pd.DataFrame:
    term, schedule = pub.term, pub.schedule
    match frame:
        case Frame.sections:
            return frames.sections(term, schedule, deidentify=True, salt=salt)
        case Frame.meetings:
            return frames.meetings(term, schedule, deidentify=True, salt=salt)
        case Frame.rosters:
            return frames.rosters(term, schedule, deidentify=True, salt=salt)
        case Frame.waitlist:
            return frames.waitlist(term, schedule, deidentify=True, salt=salt)
        case Frame.attendance:
            return frames.attendance(ledger, deidentify=True, salt=salt)
        case Frame.makeups:
            return frames.makeups(ledger, deidentify=True, salt=salt)
        case Frame.findings:
            return frames.findings(found, term, deidentify=True, salt=salt)
