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
    """``Mon/Wed 10:00-11:00``, or each meeting with its own hours when they differ."""
    m = section.meetings[0]
    if all((x.start, x.end) == (m.start, m.end) for x in section.meetings):
        days = "/".join(DAY_NAMES[x.day] for x in section.meetings)
        return f"{days} {format_time(m.start)}-{format_time(m.end)}"
    return "; ".join(
        f"{DAY_NAMES[x.day]} {format_time(x.start)}-{format_time(x.end)}" for x in section.meetings
    )


def headline(schedule: Schedule) -> Text:
    g = schedule.gap
    bound = "none" if schedule.bound is None else str(schedule.bound)
    gap_text = f", gap {g:.1%}" if g is not None else ""
    return Text(
        f"{schedule.status.value}: score {schedule.score}, proven bound {bound}{gap_text}, "
        f"{schedule.solve_seconds:.1f} s",
        style="bold",
    )


def reading(schedule: Schedule) -> Text:
    """The headline's words in plain language, for a director."""
    gap, bound = schedule.gap, schedule.bound
    if gap is None or bound is None:
        closing = "no bound was proven"
    elif gap == 0:
        closing = "this schedule is the best possible"
    else:
        closing = f"the best possible scores at most {bound - schedule.score} more ({gap:.1%})"
    return Text(
        "Score: the placed requests, each weighted by its priority (term weights); proven "
        f"bound: no schedule of this term can score more; so {closing}.",
        style="dim",
    )


def summary(term: Term, schedule: Schedule) -> RenderableType:
    """Sections per group with fill, and the waitlist by priority."""
    groups = Table(title="Sections per group", title_justify="left")
    for col in ("Group", "Sections", "Placed", "Places", "Fill", "Waitlisted"):
        groups.add_column(col, justify="left" if col == "Group" else "right", overflow="fold")
    waiting = Counter(e.group_type for e in schedule.waitlist)
    for gt in term.group_types:
        own = [s for s in schedule.sections if s.group_type == gt.id]
        placed = sum(len(s.participants) for s in own)
        places = gt.max_size * len(own)
        fill = f"{placed / places:.0%}" if places else "-"
        groups.add_row(
            gt.label,
            str(len(own)) if own else "not running",
            str(placed),
            str(places),
            fill,
            str(waiting.get(gt.id, 0)),
        )
    sections = Table(title="Sections: when and where", title_justify="left")
    for col in ("Section", "Meets", "Where", "Members"):
        sections.add_column(col, justify="right" if col == "Members" else "left", overflow="fold")
    ordered = sorted(
        schedule.sections, key=lambda s: (DAYS.index(s.meetings[0].day), s.meetings[0].start, s.id)
    )
    for sec in ordered:
        members = f"{len(sec.participants)}/{term.group_type(sec.group_type).max_size}"
        sections.add_row(sec.id, _when(sec), _where(term, sec), members)
    requested = Counter(r.priority for p in term.participants for r in p.requests)
    unplaced = Counter(e.priority for e in schedule.waitlist)
    wl = Table(title="Requests by priority", title_justify="left")
    for col in ("Priority", "Requested", "Placed", "Waitlisted", "Placed %"):
        wl.add_column(col, justify="left" if col == "Priority" else "right")
    for prio in PRIORITIES:
        n, w = requested.get(prio, 0), unplaced.get(prio, 0)
        wl.add_row(prio, str(n), str(n - w), str(w), f"{(n - w) / n:.0%}" if n else "-")
    shown: RenderableType = sections if schedule.sections else Text("No section runs.")
    parts: list[RenderableType] = [headline(schedule), reading(schedule), groups, shown, wl]
    if schedule.secondary is not None:
        s = schedule.secondary
        parts.append(
            Text(
                "With that score, also kept low (secondary aims): "
                f"{s.moved} people moved from their current section, "
                f"{s.timetable_changes} sections with a new time, room or staff, "
                f"{s.participant_days} participant-days on site a week, "
                f"{s.max_staff_sessions} meetings a week for the busiest staff member"
            )
        )
    return Group(*parts)


def _where(term: Term, section: Section) -> str:
    name = term.place_name(section.room, section.vehicle)
    if name is None:
        return "-"
    return name if section.room is not None else f"off site, {name}"


def participant_week(term: Term, schedule: Schedule, pid: str) -> RenderableType:
    """One participant's sections, rides and unplaced requests with reasons."""
    person = term.participant(pid)
    table = Table(title=f"{pid}: week", title_justify="left")
    for col in ("Group", "Section", "Meets", "Where", "Staff"):
        table.add_column(col, no_wrap=col == "Section", overflow="fold")  # ids stay whole
    own = [s for s in schedule.sections if pid in s.participants]
    own.sort(key=lambda s: (DAYS.index(s.meetings[0].day), s.meetings[0].start))
    for s in own:
        staff = ", ".join(term.staff_member(x).name or x for x in s.staff)
        table.add_row(term.group_type(s.group_type).label, s.id, _when(s), _where(term, s), staff)
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
