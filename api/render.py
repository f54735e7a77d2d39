"""Readable terminal views of a schedule: the director's summary and one participant's week."""

from __future__ import annotations

from collections import Counter

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from models.common import DAY_NAMES, DAYS, format_time
from models.schedule import Schedule, Section
from models.term import PRIORITIES, Term


def _when(section: Section) -> str:
    days = "/".join(DAY_NAMES[m.day] for m in section.meetings)
    m = section.meetings[0]
    return f"{days} {format_time(m.start)}-{format_time(m.end)}"


def headline(schedule: Schedule) -> Text:
    g = schedule.gap
    bound = "none" if schedule.bound is None else str(schedule.bound)
    gap_text = f", gap {g:.1%}" if g is not None else ""
    return Text(
        f"{schedule.status.value}: score {schedule.score}, proven bound {bound}{gap_text}, "
        f"{schedule.solve_seconds:.1f} s",
        style="bold",
    )


def summary(term: Term, schedule: Schedule) -> RenderableType:
    """Sections per group with fill, and the waitlist by priority."""
    groups = Table(title="Sections per group", title_justify="left")
    for col in ("Group", "Sections", "Placed", "Places", "Fill", "Waitlisted", "Meets"):
        left = col in {"Group", "Meets"}
        groups.add_column(col, justify="left" if left else "right", overflow="fold")
    waiting = Counter(e.group_type for e in schedule.waitlist)
    for gt in term.group_types:
        own = [s for s in schedule.sections if s.group_type == gt.id]
        placed = sum(len(s.participants) for s in own)
        places = gt.max_size * len(own)
        fill = f"{placed / places:.0%}" if places else "-"
        groups.add_row(
            gt.label,
            str(len(own)),
            str(placed),
            str(places),
            fill,
            str(waiting.get(gt.id, 0)),
            "; ".join(_when(s) for s in own) or "not running",
        )
    requested = Counter(r.priority for p in term.participants for r in p.requests)
    unplaced = Counter(e.priority for e in schedule.waitlist)
    wl = Table(title="Requests by priority", title_justify="left")
    for col in ("Priority", "Requested", "Placed", "Waitlisted", "Placed %"):
        wl.add_column(col, justify="left" if col == "Priority" else "right")
    for prio in PRIORITIES:
        n, w = requested.get(prio, 0), unplaced.get(prio, 0)
        wl.add_row(prio, str(n), str(n - w), str(w), f"{(n - w) / n:.0%}" if n else "-")
    parts: list[RenderableType] = [headline(schedule), groups, wl]
    if schedule.secondary is not None:
        s = schedule.secondary
        parts.append(
            Text(
                f"Secondary aims: {s.moved} moved from current enrollment, "
                f"{s.timetable_changes} sections re-timed/re-roomed/re-staffed, "
                f"{s.participant_days} participant-days, busiest staff {s.max_staff_sessions} "
                "sessions/week"
            )
        )
    return Group(*parts)


def participant_week(term: Term, schedule: Schedule, pid: str) -> RenderableType:
    """One participant's sections, rides and unplaced requests with reasons."""
    person = term.participant(pid)
    table = Table(title=f"{pid}: week", title_justify="left")
    for col in ("Group", "Section", "Meets", "Where", "Staff"):
        table.add_column(col)
    own = [s for s in schedule.sections if pid in s.participants]
    own.sort(key=lambda s: (DAYS.index(s.meetings[0].day), s.meetings[0].start))
    for s in own:
        where = s.room if s.room is not None else f"off site, vehicle {s.vehicle}"
        table.add_row(
            term.group_type(s.group_type).label, s.id, _when(s), where or "-", ", ".join(s.staff)
        )
    parts: list[RenderableType] = [
        Text(
            f"{pid}: {person.program}, {person.age_band}, acuity {person.acuity}, "
            f"transport {person.transport}"
        ),
        table,
    ]
    rides = [r for r in schedule.transport if pid in r.participants]
    for r in rides:
        parts.append(
            Text(
                f"Van {r.vehicle} on {DAY_NAMES[r.day]}: arrives {format_time(r.arrive)}, "
                f"departs {format_time(r.depart)}"
            )
        )
    for entry in (e for e in schedule.waitlist if e.participant == pid):
        parts.append(
            Text(
                f"Waitlisted for {term.group_type(entry.group_type).label} ({entry.priority}):",
                style="bold",
            )
        )
        parts.extend(Text(f"  - {reason}") for reason in entry.reasons)
    if not any(e.participant == pid for e in schedule.waitlist):
        parts.append(Text("Every request is placed."))
    return Group(*parts)


def print_violations(console: Console, violations: list) -> None:
    for v in violations:
        console.print(f"  {v.rule} {v.subject}: {v.message}", highlight=False)
