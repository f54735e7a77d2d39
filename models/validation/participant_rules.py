"""H7: each participant's own sections — requested, one per type, available, no clash, allowed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from models.term import GroupType, Participant
from models.validation.index import ScheduleIndex
from models.validation.spans import Span, clashes, inside_one
from models.validation.violation import Violation


def participant_violations(idx: ScheduleIndex) -> Iterator[Violation]:
    """H7 for every participant placed in at least one section."""
    for pid in sorted(idx.memberships):
        person = idx.people.get(pid)
        if person is None:
            continue
        yield from _own_sections(idx, person)


def _own_sections(idx: ScheduleIndex, person: Participant) -> Iterator[Violation]:
    pid = person.id
    requested = {r.group_type for r in person.requests}
    by_type: dict[str, list[str]] = defaultdict(list)
    for i in idx.memberships[pid]:
        gt = idx.section_types[i]
        if gt is None:
            continue
        sid = idx.section(i).id
        by_type[gt.id].append(sid)
        if gt.id not in requested:
            yield Violation("H7", pid, f"{pid} is in section {sid} but did not request {gt.label}")
        for reason in not_allowed(person, gt):
            yield Violation("H7", pid, f"{reason}, yet {pid} is in section {sid}")
        for span in idx.spans[i]:
            yield from _availability(person, span, sid)
    for type_id in sorted(by_type):
        sections = by_type[type_id]
        if len(sections) > 1:
            yield Violation(
                "H7",
                pid,
                f"{pid} is in {len(sections)} sections of {idx.types[type_id].label} "
                f"({', '.join(sections)})",
            )
    for a, b in clashes(idx.busy(pid)):
        first, second = idx.section(a.owner).id, idx.section(b.owner).id
        yield Violation(
            "H7",
            pid,
            f"{pid}'s section {first} ({a.span.label()}) clashes with section {second} "
            f"({b.span.label()})",
        )


def _availability(person: Participant, span: Span, section_id: str) -> Iterator[Violation]:
    """The span (travel included off site) must lie inside ONE of the participant's windows."""
    if not inside_one(person.available, span):
        msg = f"{person.id} is not available {span.label()} for section {section_id}"
        yield Violation("H7", person.id, msg)


def not_allowed(person: Participant, gt: GroupType) -> list[str]:
    """Why the type's allowed lists exclude the participant (null lists allow everyone)."""
    allowed = gt.allowed
    pid = person.id
    reasons = []
    if allowed.age_bands is not None and person.age_band not in allowed.age_bands:
        reasons.append(f"{pid}'s age band {person.age_band} is not allowed in {gt.label}")
    if allowed.genders is not None and person.gender not in allowed.genders:
        reasons.append(f"{pid}'s gender is not among {gt.label}'s allowed genders")
    if allowed.programs is not None and person.program not in allowed.programs:
        reasons.append(f"{pid}'s program {person.program} is not allowed in {gt.label}")
    # tracks_any: the participant must share at least one track with the list.
    if allowed.tracks_any is not None and not set(person.tracks) & set(allowed.tracks_any):
        reasons.append(
            f"{pid} shares no track with {gt.label}'s tracks ({', '.join(allowed.tracks_any)})"
        )
    return reasons
