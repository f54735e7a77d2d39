"""Tidy pandas frames of a term, its schedule, the ledger and the audit: one function each.

Every function takes ``deidentify`` (and ``salt``): with ``deidentify=True`` participant ids are
replaced by salted keys (:mod:`analysis.deidentify`), in the participant column and inside any
text that names them. Frames without participants accept the flag too, so a notebook can pass
one setting everywhere. Times are ``HH:MM`` strings in the clinic's local time; dates are pandas
datetimes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

import pandas as pd
from sqlalchemy import select

from analysis.deidentify import Deidentifier
from analysis.progress import ProgressRecorder
from audit.findings import Finding, to_frame
from ledger.attendance import current_marks
from ledger.schema import (
    Closure,
    DatedSession,
    Enrollment,
    EnrollmentEnd,
    Makeup,
    MakeupCancellation,
    SessionCancellation,
)
from ledger.store import Ledger
from models.common import DAY_NAMES, DAYS, format_time
from models.schedule import Schedule, Section
from models.term import PRIORITIES, Term

Salt = str | bytes | None

SECTION_COLUMNS = [
    "section",
    "group_type",
    "name",
    "category",
    "meetings",
    "days",
    "start",
    "end",
    "room",
    "vehicle",
    "staff",
    "members",
    "max_size",
    "fill",
]
MEETING_COLUMNS = [
    "section",
    "group_type",
    "name",
    "category",
    "day",
    "day_index",
    "start",
    "end",
    "start_minutes",
    "end_minutes",
    "room",
    "room_name",
    "vehicle",
    "place",
    "staff",
    "members",
    "max_size",
    "fill",
]
ATTENDANCE_COLUMNS = [
    "date",
    "session_id",
    "section",
    "group_type",
    "kind",
    "start",
    "end",
    "participant",
    "status",
    "minutes",
    "makeup",
]
MAKEUP_COLUMNS = [
    "makeup_id",
    "participant",
    "group_type",
    "missed_session_id",
    "missed_date",
    "missed_section",
    "session_id",
    "date",
    "section",
    "kind",
    "days_later",
    "ride_vehicle",
    "booked_by",
    "cancelled",
]
ATTENDED = ("present", "late", "left-early")
"""Marks that count as attending (some minutes were attended)."""
UNMARKED = "unmarked"
SEVERITY_WEIGHTS: Mapping[str, int] = {"error": 3, "warning": 1}
"""How much a finding weighs in :func:`fix_first`: an error will be denied, a warning may be."""


def _deidentified(
    frame: pd.DataFrame,
    deidentify: bool,
    salt: Salt,
    known: Iterable[str] = (),
    id_columns: Iterable[str] = ("participant",),
) -> pd.DataFrame:
    if not deidentify:
        return frame
    return Deidentifier(salt, known).frame(frame, id_columns)


def _ids(term: Term | None) -> list[str]:
    return [p.id for p in term.participants] if term is not None else []


def _when(section: Section) -> str:
    """``Mon/Wed 10:00-11:00``, or each meeting apart when their times differ."""
    spans = {(m.start, m.end) for m in section.meetings}
    if len(spans) == 1:
        start, end = spans.pop()
        days = "/".join(DAY_NAMES[m.day] for m in section.meetings)
        return f"{days} {format_time(start)}-{format_time(end)}"
    return "; ".join(
        f"{DAY_NAMES[m.day]} {format_time(m.start)}-{format_time(m.end)}" for m in section.meetings
    )


def _place(term: Term, section: Section) -> str:
    """Where a section meets, for a timetable row: the room's name, or the vehicle's (outing)."""
    if section.room is not None:
        room = term.room(section.room)
        return room.name or room.id
    if section.vehicle is not None:
        vehicle = term.vehicle(section.vehicle)
        return f"{vehicle.name or vehicle.id} (outing)"
    return "(no room)"


def sections(
    term: Term, schedule: Schedule, deidentify: bool = False, salt: Salt = None
) -> pd.DataFrame:
    """One row per section: id, group type, name, category, meetings as text, days, start, end,
    room, vehicle, staff, members (count), max_size and fill (members / max_size)."""
    rows = []
    for s in schedule.sections:
        gt = term.group_type(s.group_type)
        first = min(s.meetings, key=lambda m: (DAYS.index(m.day), m.start))
        rows.append(
            {
                "section": s.id,
                "group_type": gt.id,
                "name": gt.label,
                "category": gt.category or "(none)",
                "meetings": _when(s),
                "days": "/".join(DAY_NAMES[m.day] for m in s.meetings),
                "start": format_time(first.start),
                "end": format_time(first.end),
                "room": s.room,
                "vehicle": s.vehicle,
                "staff": ", ".join(s.staff),
                "members": len(s.participants),
                "max_size": gt.max_size,
                "fill": len(s.participants) / gt.max_size,
            }
        )
    frame = pd.DataFrame(rows, columns=SECTION_COLUMNS)
    return _deidentified(frame, deidentify, salt, _ids(term))


def meetings(
    term: Term, schedule: Schedule, deidentify: bool = False, salt: Salt = None
) -> pd.DataFrame:
    """One row per weekly meeting of a section (what a timetable draws): its day, start and end
    (text and minutes since midnight), room or vehicle and ``place`` (the room's name, or the
    vehicle's for an outing), staff, members, max_size and fill."""
    rows = []
    for s in schedule.sections:
        gt = term.group_type(s.group_type)
        room_name = None
        if s.room is not None:
            room = term.room(s.room)
            room_name = room.name or room.id
        for m in s.meetings:
            rows.append(
                {
                    "section": s.id,
                    "group_type": gt.id,
                    "name": gt.label,
                    "category": gt.category or "(none)",
                    "day": DAY_NAMES[m.day],
                    "day_index": DAYS.index(m.day),
                    "start": format_time(m.start),
                    "end": format_time(m.end),
                    "start_minutes": m.start,
                    "end_minutes": m.end,
                    "room": s.room,
                    "room_name": room_name,
                    "vehicle": s.vehicle,
                    "place": _place(term, s),
                    "staff": ", ".join(s.staff),
                    "members": len(s.participants),
                    "max_size": gt.max_size,
                    "fill": len(s.participants) / gt.max_size,
                }
            )
    frame = pd.DataFrame(rows, columns=MEETING_COLUMNS)
    frame = frame.sort_values(["day_index", "start_minutes", "section"], ignore_index=True)
    return _deidentified(frame, deidentify, salt, _ids(term))


def rosters(
    term: Term, schedule: Schedule, deidentify: bool = False, salt: Salt = None
) -> pd.DataFrame:
    """One row per (section, participant): who is in which section (with its group type)."""
    rows = [
        {"section": s.id, "group_type": s.group_type, "participant": pid}
        for s in schedule.sections
        for pid in s.participants
    ]
    frame = pd.DataFrame(rows, columns=["section", "group_type", "participant"])
    return _deidentified(frame, deidentify, salt, _ids(term))


def waitlist(
    term: Term, schedule: Schedule, deidentify: bool = False, salt: Salt = None
) -> pd.DataFrame:
    """One row per waitlisted request: participant, group type and its name, priority, the
    reasons joined with ``"; "`` and how many there are."""
    rows = [
        {
            "participant": w.participant,
            "group_type": w.group_type,
            "name": term.group_type(w.group_type).label,
            "priority": w.priority,
            "reasons": "; ".join(w.reasons),
            "reason_count": len(w.reasons),
        }
        for w in schedule.waitlist
    ]
    frame = pd.DataFrame(
        rows, columns=["participant", "group_type", "name", "priority", "reasons", "reason_count"]
    )
    frame["priority"] = pd.Categorical(frame["priority"], categories=list(PRIORITIES), ordered=True)
    frame = frame.sort_values(["priority", "group_type", "participant"], ignore_index=True)
    return _deidentified(frame, deidentify, salt, _ids(term))


def attendance(
    ledger: Ledger,
    through: dt.date | None = None,
    deidentify: bool = False,
    salt: Salt = None,
) -> pd.DataFrame:
    """One row per participant on the roster of a standing dated session (enrolled that date, or
    booked in as a makeup), up to ``through``: date, session, section, group type, kind, start,
    end, participant, status (the current mark, or ``unmarked``), minutes attended (<NA> when
    unmarked) and ``makeup`` (there to make up a missed session). Cancelled sessions and days
    closed after publication are left out."""
    with ledger.read() as s:
        closed = set(s.scalars(select(Closure.date)))
        query = (
            select(DatedSession)
            .outerjoin(SessionCancellation, SessionCancellation.session_id == DatedSession.id)
            .where(SessionCancellation.id.is_(None))
            .order_by(DatedSession.date, DatedSession.start, DatedSession.section)
        )
        if through is not None:
            query = query.where(DatedSession.date <= through)
        dated = [r for r in s.scalars(query) if r.date not in closed]
        members: dict[str, list[tuple[str, dt.date, dt.date | None]]] = defaultdict(list)
        for e in s.execute(
            select(
                Enrollment.participant,
                Enrollment.section,
                Enrollment.from_date,
                EnrollmentEnd.to_date,
            ).outerjoin(EnrollmentEnd, EnrollmentEnd.enrollment_id == Enrollment.id)
        ):
            members[e.section].append((e.participant, e.from_date, e.to_date))
        booked: dict[int, list[str]] = defaultdict(list)
        for m in s.execute(
            select(Makeup.session_id, Makeup.participant)
            .outerjoin(MakeupCancellation, MakeupCancellation.makeup_id == Makeup.id)
            .where(MakeupCancellation.id.is_(None))
            .order_by(Makeup.id)
        ):
            booked[m.session_id].append(m.participant)
        marks = current_marks(s, [r.id for r in dated]) if dated else {}
    marked: dict[int, list[str]] = defaultdict(list)
    for sid, pid in marks:
        marked[sid].append(pid)
    rows = []
    for r in dated:
        roster: dict[str, bool] = {}
        if r.kind == "regular":
            for pid, start, end in members.get(r.section, []):
                if start <= r.date and (end is None or end >= r.date):
                    roster.setdefault(pid, False)
        for pid in booked.get(r.id, []):
            roster[pid] = True
        for pid in marked.get(r.id, []):
            roster.setdefault(pid, False)
        for pid in sorted(roster):
            mark = marks.get((r.id, pid))
            rows.append(
                {
                    "date": r.date,
                    "session_id": r.id,
                    "section": r.section,
                    "group_type": r.group_type,
                    "kind": r.kind,
                    "start": format_time(r.start),
                    "end": format_time(r.end),
                    "participant": pid,
                    "status": mark.status if mark is not None else UNMARKED,
                    "minutes": mark.minutes if mark is not None else None,
                    "makeup": roster[pid],
                }
            )
    frame = pd.DataFrame(rows, columns=ATTENDANCE_COLUMNS)
    frame["date"] = pd.to_datetime(frame["date"])
    frame["minutes"] = frame["minutes"].astype("Int64")
    frame["makeup"] = frame["makeup"].astype(bool)
    return _deidentified(frame, deidentify, salt)


def makeups(ledger: Ledger, deidentify: bool = False, salt: Salt = None) -> pd.DataFrame:
    """One row per makeup booked: participant, group type, the missed session (id, date,
    section), the session made up in (id, date, section, kind: ``regular`` or ``extra``), days
    between them, the van run's vehicle when one was booked, who booked it, and whether it was
    cancelled since."""
    with ledger.read() as s:
        dated = {
            r.id: r
            for r in s.execute(
                select(DatedSession.id, DatedSession.date, DatedSession.section, DatedSession.kind)
            )
        }
        cancelled = set(s.scalars(select(MakeupCancellation.makeup_id)))
        rows = []
        for m in s.scalars(select(Makeup).order_by(Makeup.id)):
            missed, into = dated[m.missed_session_id], dated[m.session_id]
            rows.append(
                {
                    "makeup_id": m.id,
                    "participant": m.participant,
                    "group_type": m.group_type,
                    "missed_session_id": m.missed_session_id,
                    "missed_date": missed.date,
                    "missed_section": missed.section,
                    "session_id": m.session_id,
                    "date": into.date,
                    "section": into.section,
                    "kind": into.kind,
                    "days_later": (into.date - missed.date).days,
                    "ride_vehicle": m.ride_vehicle,
                    "booked_by": m.booked_by,
                    "cancelled": m.id in cancelled,
                }
            )
    frame = pd.DataFrame(rows, columns=MAKEUP_COLUMNS)
    for column in ("missed_date", "date"):
        frame[column] = pd.to_datetime(frame[column])
    frame["cancelled"] = frame["cancelled"].astype(bool)
    return _deidentified(frame, deidentify, salt)


def findings(
    found: list[Finding],
    term: Term | None = None,
    deidentify: bool = False,
    salt: Salt = None,
) -> pd.DataFrame:
    """The audit's findings, one row each (:func:`audit.findings.to_frame`); with
    ``deidentify``, ids are replaced in the participant column and inside messages and held
    session ids too (pass ``term`` so every participant id is looked for)."""
    return _deidentified(to_frame(found), deidentify, salt, _ids(term))


def fix_first(
    findings_frame: pd.DataFrame,
    weights: Mapping[str, int] = SEVERITY_WEIGHTS,
    deidentify: bool = False,
    salt: Salt = None,
) -> pd.DataFrame:
    """What to fix first: one row per finding code with its errors, warnings, the payers and
    participants it touches, ``weight`` (Σ severity weight: errors 3, warnings 1 by default) and
    an example message, ranked by weight (then errors, then code). ``findings_frame``:
    :func:`findings`."""
    columns = ["code", "errors", "warnings", "weight", "payers", "participants", "example"]
    if findings_frame.empty:
        return pd.DataFrame(columns=["rank", *columns])
    findings_frame = _deidentified(findings_frame, deidentify, salt)
    frame = findings_frame.assign(
        weight=findings_frame["severity"].map(lambda sev: weights.get(sev, 1))
    )
    rows = []
    for code, group in frame.groupby("code", sort=False):
        rows.append(
            {
                "code": code,
                "errors": int((group["severity"] == "error").sum()),
                "warnings": int((group["severity"] == "warning").sum()),
                "weight": int(group["weight"].sum()),
                "payers": ", ".join(sorted({str(p) for p in group["payer"].dropna()})) or "-",
                "participants": int(group["participant"].nunique()),
                "example": str(group["message"].iloc[0]),
            }
        )
    out = pd.DataFrame(rows, columns=columns)
    out = out.sort_values(["weight", "errors", "code"], ascending=[False, False, True])
    out.insert(0, "rank", range(1, len(out) + 1))
    return out.reset_index(drop=True)


def solver_progress(
    recorder: ProgressRecorder, deidentify: bool = False, salt: Salt = None
) -> pd.DataFrame:
    """One row per progress call of a solve: phase, elapsed (seconds on the recorder's clock),
    phase_elapsed (the solver's own, per phase), score, bound and gap. In the ``secondary``
    phase ``score`` is the secondary aims' cost, not the score."""
    return _deidentified(recorder.frame(), deidentify, salt)


def demand(
    term: Term, schedule: Schedule, deidentify: bool = False, salt: Salt = None
) -> pd.DataFrame:
    """Demand against capacity, one row per group type: requests (all, and by priority),
    placed, waitlisted by priority, sections running and allowed, seats in running sections
    (sections × max_size), seats if every allowed section ran, and fill of the seats."""
    requested = Counter((r.group_type, r.priority) for p in term.participants for r in p.requests)
    waiting = Counter((w.group_type, w.priority) for w in schedule.waitlist)
    placed = Counter(s.group_type for s in schedule.sections for _ in s.participants)
    running = Counter(s.group_type for s in schedule.sections)
    rows = []
    for gt in term.group_types:
        seats = running[gt.id] * gt.max_size
        row: dict[str, object] = {
            "group_type": gt.id,
            "name": gt.label,
            "category": gt.category or "(none)",
            "requested": sum(requested[gt.id, p] for p in PRIORITIES),
        }
        for prio in PRIORITIES:
            row[f"requested_{prio}"] = requested[gt.id, prio]
        row["placed"] = placed[gt.id]
        for prio in PRIORITIES:
            row[f"waitlisted_{prio}"] = waiting[gt.id, prio]
        row["waitlisted"] = sum(waiting[gt.id, p] for p in PRIORITIES)
        row["sections"] = running[gt.id]
        row["max_sections"] = gt.max_sections
        row["seats"] = seats
        row["max_seats"] = gt.max_sections * gt.max_size
        row["fill"] = placed[gt.id] / seats if seats else float("nan")
        rows.append(row)
    return _deidentified(pd.DataFrame(rows), deidentify, salt, _ids(term))


def staff_load(
    term: Term, schedule: Schedule, deidentify: bool = False, salt: Salt = None
) -> pd.DataFrame:
    """One row per staff member and clinic day: meetings led that day and that week, beside the
    member's daily and weekly limits."""
    per_day: Counter[tuple[str, str]] = Counter()
    for s in schedule.sections:
        for m in s.meetings:
            for sid in s.staff:
                per_day[sid, m.day] += 1
    rows = []
    for member in term.staff:
        week = sum(per_day[member.id, d] for d in term.calendar.days)
        for day in term.calendar.days:
            rows.append(
                {
                    "staff": member.id,
                    "role": member.role,
                    "day": DAY_NAMES[day],
                    "day_index": DAYS.index(day),
                    "sessions": per_day[member.id, day],
                    "max_per_day": member.max_sessions_per_day,
                    "week_sessions": week,
                    "max_per_week": member.max_sessions_per_week,
                }
            )
    return _deidentified(pd.DataFrame(rows), deidentify, salt, _ids(term))


def room_use(
    term: Term, schedule: Schedule, deidentify: bool = False, salt: Salt = None
) -> pd.DataFrame:
    """One row per room, clinic day and opening hour: minutes a section uses the room in that
    hour, minutes the room is blocked, and the share of the hour in use. ``kitchen`` marks rooms
    with the kitchen feature."""
    used: Counter[tuple[str, str, int]] = Counter()
    blocked: Counter[tuple[str, str, int]] = Counter()
    open_, close = term.calendar.open, term.calendar.close
    hours = list(range(open_ - open_ % 60, close, 60))

    def spread(counter: Counter[tuple[str, str, int]], room: str, day: str, a: int, b: int) -> None:
        for hour in hours:
            overlap = min(b, hour + 60, close) - max(a, hour, open_)
            if overlap > 0:
                counter[room, day, hour] += overlap

    for s in schedule.sections:
        if s.room is None:
            continue
        for m in s.meetings:
            spread(used, s.room, m.day, m.start, m.end)
    for room in term.rooms:
        for w in room.blocked:
            spread(blocked, room.id, w.day, w.start, w.end)
    rows = []
    for room in term.rooms:
        for day in term.calendar.days:
            for hour in hours:
                length = min(hour + 60, close) - max(hour, open_)
                minutes = used[room.id, day, hour]
                rows.append(
                    {
                        "room": room.id,
                        "room_name": room.name or room.id,
                        "kitchen": "kitchen" in room.features,
                        "day": DAY_NAMES[day],
                        "day_index": DAYS.index(day),
                        "hour": format_time(hour),
                        "minutes_used": minutes,
                        "minutes_blocked": blocked[room.id, day, hour],
                        "share": minutes / length if length > 0 else 0.0,
                    }
                )
    return _deidentified(pd.DataFrame(rows), deidentify, salt, _ids(term))


def variants(
    results: Mapping[str, tuple[Term, Schedule]], deidentify: bool = False, salt: Salt = None
) -> pd.DataFrame:
    """Schedules of what-if variants side by side, one row each (in the mapping's order):
    status, score, bound, gap, sections, requests placed, waitlisted (all and by priority),
    and solve seconds."""
    rows = []
    for name, (term, schedule) in results.items():
        waiting = Counter(w.priority for w in schedule.waitlist)
        requests = sum(len(p.requests) for p in term.participants)
        row: dict[str, object] = {
            "variant": name,
            "status": schedule.status.value,
            "score": schedule.score,
            "bound": schedule.bound,
            "gap": float("nan") if schedule.gap is None else schedule.gap,
            "sections": len(schedule.sections),
            "placed": requests - len(schedule.waitlist),
            "waitlisted": len(schedule.waitlist),
        }
        for prio in PRIORITIES:
            row[f"waitlisted_{prio}"] = waiting.get(prio, 0)
        row["solve_seconds"] = schedule.solve_seconds
        rows.append(row)
    frame = pd.DataFrame(rows)
    if not frame.empty:
        frame["bound"] = frame["bound"].astype("Int64")
    return _deidentified(frame, deidentify, salt)
