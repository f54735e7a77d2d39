"""Plain-language reasons from the data: who may not join a type, and why a type cannot run.

Used before a solve (term warnings), and after it to explain waitlist entries. Only opaque
participant ids appear in the sentences.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.common import format_time
from models.term import GroupType, Participant, Term
from models.term_checks import misspelt_fields, term_cautions
from optimizer.eligibility import listing
from optimizer.own_time import fitting_sets
from optimizer.patterns import candidate_patterns
from optimizer.prepare import Prepared, RunRef, TypeData, participant_fits


def unavailability(term: Term, gt: GroupType, p: Participant, runs: dict[str, list[RunRef]]) -> str:
    """Why no usable meeting time of ``gt`` suits ``p``: availability, van runs, or the times
    that suit them have no leader, room or enough other requesters free."""
    travel = gt.travel_minutes if gt.offsite else 0
    patterns = candidate_patterns(term.calendar, gt)
    if not patterns:
        hours = "opening hours (travel included)" if travel else "opening hours"
        return f"{gt.label} has no meeting time inside {hours} and its windows"
    if any(participant_fits(p, pat, travel, runs) for pat in patterns):
        return (
            f"at the times {p.id} can come, {gt.label} has no qualified leader, no "
            f"{'vehicle' if gt.offsite else 'suitable room'} or too few other requesters free"
        )
    on_foot = p.model_copy(update={"transport": "self"})
    if any(participant_fits(on_foot, pat, travel, runs) for pat in patterns):
        return f"no van run covers a {gt.label} meeting at a time {p.id} is available" + (
            f" (with {travel} minutes travel each way)" if travel else ""
        )
    detail = f" including {travel} minutes travel each way" if travel else ""
    return (
        f"{p.id} is not available for a whole {gt.duration_minutes}-minute {gt.label} meeting"
        f"{detail} at any time it can meet"
    )


def no_companions(gt: GroupType, p: Participant) -> str:
    """Why ``p`` can never be in a section of ``gt`` with enough others (see ``TypeData.alone``)."""
    who = f"{p.program} requesters" if gt.single_program else "requesters"
    cap = gt.max_high_acuity
    acuity = f" (at most {cap} of them high-acuity)" if cap is not None else ""
    one = f"; {gt.label} sections hold one program" if gt.single_program else ""
    return (
        f"no time that suits {p.id} has {gt.min_size} {who} free together{acuity} to make a "
        f"section{one}"
    )


def type_blockers(prep: Prepared, data: TypeData) -> list[str]:
    """Why no section of the type can run at all (empty when one could)."""
    term, gt, name = prep.term, data.group_type, data.group_type.label
    cal = term.calendar
    out: list[str] = []
    if gt.min_size > gt.max_size:
        out.append(f"a section needs at least {gt.min_size} but holds at most {gt.max_size}")
    if gt.meetings_per_week > len(set(cal.days)):
        out.append(
            f"{name} meets {gt.meetings_per_week} times a week on different days; the clinic "
            f"is open {len(set(cal.days))} days a week"
        )
    travel = gt.travel_minutes if gt.offsite else 0
    day = f"the clinic day ({format_time(cal.open)}-{format_time(cal.close)})"
    if gt.duration_minutes > cal.close - cal.open:
        out.append(f"a {gt.duration_minutes}-minute meeting is longer than {day}")
    elif gt.duration_minutes + 2 * travel > cal.close - cal.open:
        out.append(
            f"a {gt.duration_minutes}-minute outing with {travel} minutes travel each way is "
            f"longer than {day}"
        )
    if not out and not candidate_patterns(cal, gt):
        hours = "opening hours (travel included)" if travel else "opening hours"
        out.append(f"{name} has no start time on the slot grid inside {hours} and its windows")
    need = gt.staff
    qualified = [
        s for s in term.staff if s.role in need.roles and set(need.skills) <= set(s.skills)
    ]
    if len(qualified) < need.count:
        skills = f" with {listing(need.skills)}" if need.skills else ""
        out.append(
            f"{name} needs {need.count} leader(s) of role {listing(list(need.roles))}{skills}; "
            f"the term has {len(qualified)}"
        )
    if gt.offsite:
        if not any(v.seats - need.count >= gt.min_size for v in term.vehicles):
            out.append(f"no vehicle seats {gt.min_size} participants plus {need.count} staff")
    else:
        rooms = [r for r in term.rooms if set(gt.room_features) <= set(r.features)]
        if not rooms:
            out.append(f"no room has {listing(gt.room_features)}")
        elif not any(r.capacity >= gt.min_size for r in rooms):
            out.append(f"no room with {listing(gt.room_features)} holds {gt.min_size} people")
    eligible = len(data.members)
    if eligible < gt.min_size:
        out.append(
            f"only {eligible} requester(s) can join {name} at some usable time; "
            f"a section needs {gt.min_size}"
        )
    if not out and not data.patterns:
        out.append(
            f"there is no time when {gt.min_size} requesters, {need.count} qualified leader(s) "
            f"and a {'vehicle' if gt.offsite else 'suitable room'} are all free"
        )
    if not out and gt.max_sections == 0:
        out.append(f"{name} allows no sections (max_sections 0)")
    return out


@dataclass(frozen=True)
class TermWarning:
    """One thing that stands in the way before a solve, and the participants it names."""

    message: str
    participants: tuple[str, ...] = ()
    own_time: bool = False
    """One participant whose week cannot hold all their groups (there can be many of these)."""


def term_warnings(prep: Prepared) -> list[TermWarning]:
    """Before any solve: group types that cannot run, requesters who can never have enough
    company for a section of a type (its program rule or acuity cap), and participants whose
    week cannot hold all their groups at once; first, fields that look misspelt."""
    out = [TermWarning(str(problem)) for problem in misspelt_fields(prep.term)]
    out += [TermWarning(str(problem)) for problem in term_cautions(prep.term)]
    out += [
        TermWarning(f"{data.group_type.label}: {reason}")
        for data in prep.types.values()
        for reason in type_blockers(prep, data)
    ]
    for data in prep.types.values():
        if data.alone:
            ids = sorted(data.alone)
            shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
            message = (
                f"{data.group_type.label}: {len(ids)} requester(s) are never free with enough "
                f"others who may share a section (sections need {data.group_type.min_size}): "
                f"{shown}"
            )
            out.append(TermWarning(message, tuple(ids)))
    for pid, sets in sorted(fitting_sets(prep).items()):
        out.append(TermWarning(own_time_conflict(prep, pid, sets), (pid,), own_time=True))
    return out


def own_time_conflict(prep: Prepared, pid: str, sets: list[frozenset[str]]) -> str:
    """Why ``pid`` can never hold every group they requested: the sets that do fit together."""
    label = {t: data.group_type.label for t, data in prep.types.items()}
    asked = frozenset().union(*sets)  # every type they could attend fits on its own
    options = ["[" + " + ".join(label[t] for t in sorted(s)) + "]" for s in sets]
    shown = " or ".join(options[:3]) + (f" or {len(options) - 3} more" if len(options) > 3 else "")
    return (
        f"{pid}: at the times their groups could meet, their available hours cannot hold all "
        f"{len(asked)} of them; the most that fit together: {shown}"
    )


def infeasibility(prep: Prepared) -> list[str]:
    """Why no request of the term can be placed at all, type by type; empty when some group
    type that is requested could run (the solver then places what it can and waitlists the
    rest with its reasons)."""
    requested = {r.group_type for p in prep.term.participants for r in p.requests}
    reasons: list[str] = []
    for type_id in sorted(requested):
        data = prep.types.get(type_id)
        if data is None:
            continue
        blockers = type_blockers(prep, data)
        if not blockers:
            return []
        reasons += [f"{data.group_type.label}: {b}" for b in blockers]
    if not requested:
        return ["no participant requests any group type"]
    return reasons
