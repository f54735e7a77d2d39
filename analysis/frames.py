"""Tidy pandas frames of a term, its schedule, the ledger and the audit: one function each.

Every function takes ``deidentify`` (and ``salt``): with ``deidentify=True`` participant ids are
replaced by salted keys (:mod:`analysis.deidentify`), in the participant column and inside any
text that names them. Frames without participants accept the flag too, so a notebook can pass
one setting everywhere. Times are ``HH:MM`` strings in the clinic's local time; dates are pandas
datetimes. Each frame's columns and dtypes are declared (``SECTION_COLUMNS`` …) and the same when
it is empty, so frames of several terms concatenate.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

import pandas as pd
from sqlalchemy import select

from analysis.deidentify import Deidentifier
from analysis.progress import ProgressRecorder
from analysis.tables import DATE, TEXT, Dtype, cast, day_dtype, typed
from audit.findings import COLUMNS as FINDING_FIELDS
from audit.findings import NO_PAYER, Finding, to_frame
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

SECTION_COLUMNS: dict[str, Dtype] = {
    "section": TEXT,
    "group_type": TEXT,
    "name": TEXT,
    "category": TEXT,
    "meetings": TEXT,
    "days": TEXT,
    "start": TEXT,
    "end": TEXT,
    "room": TEXT,
    "vehicle": TEXT,
    "staff": TEXT,
    "members": "int64",
    "max_size": "int64",
    "fill": "float64",
}
MEETING_COLUMNS: dict[str, Dtype] = {
    "section": TEXT,
    "group_type": TEXT,
    "name": TEXT,
    "category": TEXT,
    "day": "category",
    "day_index": "int64",
    "start": TEXT,
    "end": TEXT,
    "start_minutes": "int64",
    "end_minutes": "int64",
    "room": TEXT,
    "room_name": TEXT,
    "vehicle": TEXT,
    "place": TEXT,
    "staff": TEXT,
    "members": "int64",
    "max_size": "int64",
    "fill": "float64",
}
ROSTER_COLUMNS: dict[str, Dtype] = {"section": TEXT, "group_type": TEXT, "participant": TEXT}
WAITLIST_COLUMNS: dict[str, Dtype] = {
    "participant": TEXT,
    "group_type": TEXT,
    "name": TEXT,
    "priority": pd.CategoricalDtype(list(PRIORITIES), ordered=True),
    "reasons": TEXT,
    "reason_count": "int64",
}
ATTENDANCE_COLUMNS: dict[str, Dtype] = {
    "date": DATE,
    "session_id": "int64",
    "section": TEXT,
    "group_type": TEXT,
    "kind": TEXT,
    "start": TEXT,
    "end": TEXT,
    "participant": TEXT,
    "status": TEXT,
    "minutes": "Int64",
    "makeup": "bool",
}
MAKEUP_COLUMNS: dict[str, Dtype] = {
    "makeup_id": "int64",
    "participant": TEXT,
    "group_type": TEXT,
    "missed_session_id": "int64",
    "missed_date": DATE,
    "missed_section": TEXT,
    "session_id": "int64",
    "date": DATE,
    "section": TEXT,
    "kind": TEXT,
    "days_later": "int64",
    "ride_vehicle": TEXT,
    "booked_by": TEXT,
    "cancelled": "bool",
}
FINDING_COLUMNS: dict[str, Dtype] = {c: DATE if c == "date" else TEXT for c in FINDING_FIELDS}
FIX_FIRST_COLUMNS: dict[str, Dtype] = {
    "rank": "int64",
    "code": TEXT,
    "errors": "int64",
    "warnings": "int64",
    "weight": "int64",
    "payers": TEXT,
    "participants": "int64",
    "example": TEXT,
}
DEMAND_COLUMNS: dict[str, Dtype] = {
    "group_type": TEXT,
    "name": TEXT,
    "category": TEXT,
    "requested": "int64",
    **{f"requested_{prio}": "int64" for prio in PRIORITIES},
    "placed": "int64",
    **{f"waitlisted_{prio}": "int64" for prio in PRIORITIES},
    "waitlisted": "int64",
    "sections": "int64",
    "max_sections": "int64",
    "seats": "int64",
    "max_seats": "int64",
    "fill": "float64",
}
STAFF_LOAD_COLUMNS: dict[str, Dtype] = {
    "staff": TEXT,
    "role": TEXT,
    "day": "category",
    "day_index": "int64",
    "sessions": "int64",
    "max_per_day": "int64",
    "week_sessions": "int64",
    "max_per_week": "int64",
}
ROOM_USE_COLUMNS: dict[str, Dtype] = {
    "room": TEXT,
    "room_name": TEXT,
    "kitchen": "bool",
    "day": "category",
    "day_index": "int64",
    "hour": TEXT,
    "minutes_used": "int64",
    "minutes_blocked": "int64",
    "share": "float64",
}
VARIANT_COLUMNS: dict[str, Dtype] = {
    "variant": TEXT,
    "status": TEXT,
    "score": "int64",
    "bound": "Int64",
    "gap": "float64",
    "sections": "int64",
    "placed": "int64",
    "waitlisted": "int64",
    **{f"waitlisted_{prio}": "int64" for prio in PRIORITIES},
    "solve_seconds": "float64",
}
"""Each frame's columns and their dtypes, the same when a frame is empty (``day`` columns are
ordered categoricals of the term's clinic days, set per term)."""
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


def _table(
    rows: Iterable[Mapping[str, object]],
    columns: Mapping[str, Dtype],
    term: Term | None = None,
) -> pd.DataFrame:
    """``rows`` typed as ``columns`` declare; a ``day`` column becomes an ordered categorical of
    the term's clinic days (and any other day a row names, in week order)."""
    rows = list(rows)
    if "day" in columns and term is not None:
        named = {row["day"] for row in rows}
        days = [DAY_NAMES[d] for d in DAYS if d in term.calendar.days or DAY_NAMES[d] in named]
        columns = {**columns, "day": day_dtype(days)}
    return typed(rows, columns)


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
    name = term.place_name(section.room, section.vehicle)
    if name is None:
        return "(no room)"
    return name if section.room is not None else f"{name} (outing)"


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
    return _deidentified(_table(rows, SECTION_COLUMNS), deidentify, salt, _ids(term))


def meetings(
    term: Term, schedule: Schedule, deidentify: bool = False, salt: Salt = None
) -> pd.DataFrame:
    """One row per weekly meeting of a section (what a timetable draws): its day, start and end
    (text and minutes since midnight), room or vehicle and ``place`` (the room's name, or the
    vehicle's for an outing), staff, members, max_size and fill."""
    rows = []
    for s in schedule.sections:
        gt = term.group_type(s.group_type)
        room_name = term.place_name(s.room, None)
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
    frame = _table(rows, MEETING_COLUMNS, term).sort_values(
        ["day_index", "start_minutes", "section"], ignore_index=True
    )
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
    return _deidentified(_table(rows, ROSTER_COLUMNS), deidentify, salt, _ids(term))


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
    frame = _table(rows, WAITLIST_COLUMNS).sort_values(
        ["priority", "group_type", "participant"], ignore_index=True
    )
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
    return _deidentified(_table(rows, ATTENDANCE_COLUMNS), deidentify, salt)


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
    return _deidentified(_table(rows, MAKEUP_COLUMNS), deidentify, salt)


def findings(
    found: list[Finding],
    term: Term | None = None,
    deidentify: bool = False,
    salt: Salt = None,
) -> pd.DataFrame:
    """The audit's findings, one row each (:func:`audit.findings.to_frame`); with
    ``deidentify``, ids are replaced in the participant column and inside messages and held
    session ids too (pass ``term`` so every participant id is looked for)."""
    frame = cast(to_frame(found), FINDING_COLUMNS)
    return _deidentified(frame, deidentify, salt, _ids(term))


def fix_first(
    findings_frame: pd.DataFrame,
    weights: Mapping[str, int] = SEVERITY_WEIGHTS,
    deidentify: bool = False,
    salt: Salt = None,
) -> pd.DataFrame:
    """What to fix first: one row per finding code with its errors, warnings, the payers and
    participants it touches, ``weight`` (Σ severity weight: errors 3, warnings 1 by default) and
    an example message. Ranked by errors (claims that will be denied as things stand), however
    many warnings another code has; then by weight, then code. ``findings_frame``:
    :func:`findings`."""
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
                "payers": ", ".join(sorted({str(p) for p in group["payer"].dropna()})) or NO_PAYER,
                "participants": int(group["participant"].nunique()),
                "example": str(group["message"].iloc[0]),
            }
        )
    out = _table(rows, {c: d for c, d in FIX_FIRST_COLUMNS.items() if c != "rank"})
    out = out.sort_values(["errors", "weight", "code"], ascending=[False, False, True])
    out = out.reset_index(drop=True)
    out.insert(0, "rank", pd.Series(range(1, len(out) + 1), dtype="int64"))
    return out


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
    return _deidentified(_table(rows, DEMAND_COLUMNS), deidentify, salt, _ids(term))


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
    return _deidentified(_table(rows, STAFF_LOAD_COLUMNS, term), deidentify, salt, _ids(term))


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
    return _deidentified(_table(rows, ROOM_USE_COLUMNS, term), deidentify, salt, _ids(term))


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
    return _deidentified(_table(rows, VARIANT_COLUMNS), deidentify, salt)
