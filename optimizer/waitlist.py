"""The waitlist: every unplaced request, with plain-language reasons computed from the data.

Reasons come from three places, most basic first: the participant may not join the type at all
(:mod:`optimizer.eligibility`, :mod:`optimizer.diagnose`); no section of the type runs
(:func:`optimizer.diagnose.type_blockers`); or each running section refuses them, in the
validator's words (:func:`models.validation.join_violations`).
"""

from __future__ import annotations

from models.common import DAY_NAMES, format_time
from models.schedule import Schedule, Section, WaitlistEntry
from models.term import PRIORITIES, GroupType, Participant, Term
from models.validation import ScheduleIndex, Violation, join_violations, schedule_index
from optimizer.diagnose import no_companions, type_blockers, unavailability
from optimizer.eligibility import ineligibility
from optimizer.own_time import fitting_sets
from optimizer.prepare import Prepared

RANK: dict[str, int] = {p: i for i, p in enumerate(PRIORITIES)}


def build_waitlist(
    term: Term, schedule: Schedule, prep: Prepared, only: set[str] | None = None
) -> list[WaitlistEntry]:
    """One entry per unplaced request, in participant then request order (of ``only``)."""
    placed = {(pid, s.group_type) for s in schedule.sections for pid in s.participants}
    sections_of: dict[str, list[Section]] = {}
    for section in schedule.sections:
        sections_of.setdefault(section.group_type, []).append(section)
    index = schedule_index(term, schedule)
    crowded = fitting_sets(prep)
    holds_of: dict[str, set[str]] = {}
    for pid, type_id in placed:
        holds_of.setdefault(pid, set()).add(type_id)
    entries = []
    for p in term.participants:
        if only is not None and p.id not in only:
            continue
        for request in p.requests:
            if (p.id, request.group_type) in placed:
                continue
            gt = term.group_type(request.group_type)
            reasons = _reasons(
                term, schedule, prep, index, p, gt, sections_of.get(gt.id, []), request.priority
            )
            if p.id in crowded:
                holds = holds_of.get(p.id, set())
                reasons = _week_too_small(prep, p, gt, holds, crowded[p.id]) + reasons
            entries.append(
                WaitlistEntry(
                    participant=p.id,
                    group_type=gt.id,
                    priority=request.priority,
                    reasons=reasons,
                )
            )
    return entries


def _reasons(
    term: Term,
    schedule: Schedule,
    prep: Prepared,
    index: ScheduleIndex,
    p: Participant,
    gt: GroupType,
    sections: list[Section],
    priority: str,
) -> list[str]:
    not_allowed = ineligibility(gt, p)
    if not_allowed:
        return not_allowed
    data = prep.types[gt.id]
    if p.id in data.alone:
        return [no_companions(gt, p)]
    out = [] if p.id in data.members else [unavailability(term, gt, p, prep.runs_by_day)]
    if not sections:
        blockers = type_blockers(prep, data)
        out += [f"no section of {gt.label} can run: {b}" for b in blockers]
        if not out:
            out.append(
                f"no section of {gt.label} runs: no {gt.min_size} of its requesters fit one "
                "meeting time together with their other placements and the staff, rooms and "
                "vans left"
            )
    if out:
        return out
    refusals = {s.id: join_violations(term, schedule, p.id, s.id, index) for s in sections}
    open_to = [sid for sid, found in refusals.items() if not found]
    if open_to:
        if term.weights.of(priority) == 0:  # type: ignore[arg-type]
            return [f"{priority} requests carry weight 0 in this term"]
        return [
            f"fits section {open_to[0]} as it stands; the solver stopped before placing it "
            f"(status {schedule.status.value})"
        ]
    return _summarise(term, p, gt, sections, refusals, priority)


def _week_too_small(
    prep: Prepared, p: Participant, gt: GroupType, holds: set[str], fitting: list[frozenset[str]]
) -> list[str]:
    """The root cause, when the participant's own week cannot hold this group beside the ones
    they have, at any times these groups could meet (:mod:`optimizer.own_time`)."""
    considered = frozenset().union(*fitting)
    beside = sorted(holds & considered)
    if gt.id not in considered or not beside or any(set(beside) | {gt.id} <= s for s in fitting):
        return []
    others = " and ".join(prep.types[t].group_type.label for t in beside)
    return [
        f"{p.id}'s available hours cannot hold {gt.label} together with {others} at any "
        "times these groups could meet"
    ]


def _summarise(
    term: Term,
    p: Participant,
    gt: GroupType,
    sections: list[Section],
    refusals: dict[str, list[Violation]],
    priority: str,
) -> list[str]:
    out: list[str] = []
    every = len(sections)
    sections_phrase = {1: f"the {gt.label} section is", 2: f"both {gt.label} sections are"}.get(
        every, f"all {every} {gt.label} sections are"
    )
    if all(_unavailable(found) for found in refusals.values()):
        out.append(f"no section of {gt.label} meets while {p.id} is available")
    elif all(found and all(v.rule == "H1" for v in found) for found in refusals.values()):
        fuller = all(_members_outrank(term, s, priority) for s in sections)
        tail = f" with {_outranking(priority)} requests" if fuller else ""
        out.append(f"{sections_phrase} full{tail}")
    for section in sections:
        when = _when(section)
        for v in refusals[section.id]:
            out.append(f"{section.id} ({when}): {v.message}")
    return out


def _unavailable(found: list[Violation]) -> bool:
    """The validator's availability reason (rule H7, 'is not available …')."""
    return any(v.rule == "H7" and " is not available " in v.message for v in found)


def _members_outrank(term: Term, section: Section, priority: str) -> bool:
    """Every member's request for the type is at least as urgent as ``priority``."""
    for pid in section.participants:
        mine = next(r for r in term.participant(pid).requests if r.group_type == section.group_type)
        if RANK[mine.priority] > RANK[priority]:
            return False
    return True


def _outranking(priority: str) -> str:
    return "required" if priority == "required" else f"{priority} or higher-priority"


def _when(section: Section) -> str:
    days = "/".join(DAY_NAMES[m.day] for m in section.meetings)
    first = section.meetings[0]
    return f"{days} {format_time(first.start)}-{format_time(first.end)}"
