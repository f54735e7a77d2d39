"""The contract score and the books that must agree with it: SCORE and WAITLIST."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from models.schedule import Status
from models.validation.index import ScheduleIndex
from models.validation.violation import Violation


def placed_requests(idx: ScheduleIndex) -> set[tuple[str, str]]:
    """(participant, group type) pairs of requests placed in some section of that type."""
    placed: set[tuple[str, str]] = set()
    for pid, positions in idx.memberships.items():
        person = idx.people.get(pid)
        if person is None:
            continue
        requested = {r.group_type for r in person.requests}
        for i in positions:
            gt = idx.section_types[i]
            if gt is not None and gt.id in requested:
                placed.add((pid, gt.id))
    return placed


def score_of(idx: ScheduleIndex) -> int:
    """Σ weight(priority) over placed requests; a request counts once however often placed."""
    placed = placed_requests(idx)
    weights = idx.term.weights
    return sum(
        weights.of(r.priority)
        for p in idx.term.participants
        for r in p.requests
        if (p.id, r.group_type) in placed
    )


def score_violations(idx: ScheduleIndex) -> Iterator[Violation]:
    """score == recomputed score; bound >= score; OPTIMAL with a bound needs bound == score."""
    schedule = idx.schedule
    expected = score_of(idx)
    if schedule.score != expected:
        msg = f"score is {schedule.score} but the placed requests are worth {expected}"
        yield Violation("SCORE", "score", msg)
    if schedule.bound is not None:
        if schedule.bound < schedule.score:
            msg = f"bound {schedule.bound} is below score {schedule.score}"
            yield Violation("SCORE", "bound", msg)
        if schedule.status == Status.OPTIMAL and schedule.bound != schedule.score:
            yield Violation(
                "SCORE",
                "status",
                f"status OPTIMAL but bound {schedule.bound} differs from score {schedule.score}",
            )


def waitlist_violations(idx: ScheduleIndex) -> Iterator[Violation]:
    """Every unplaced request is listed exactly once with its priority; nothing else is."""
    placed = placed_requests(idx)
    listed = Counter((e.participant, e.group_type) for e in idx.schedule.waitlist)
    for entry in idx.schedule.waitlist:
        pid, type_id = entry.participant, entry.group_type
        person = idx.people.get(pid)
        request = None
        if person is not None:
            request = next((r for r in person.requests if r.group_type == type_id), None)
        if request is None:
            msg = f"waitlist entry {pid}/{type_id} is not a request of {pid}"
            yield Violation("WAITLIST", pid, msg)
        elif (pid, type_id) in placed:
            msg = f"{pid}'s request for {type_id} is placed but also waitlisted"
            yield Violation("WAITLIST", pid, msg)
        elif entry.priority != request.priority:
            yield Violation(
                "WAITLIST",
                pid,
                f"waitlist entry {pid}/{type_id} says {entry.priority}, "
                f"the request is {request.priority}",
            )
    for key, n in sorted(listed.items()):
        if n > 1:
            yield Violation("WAITLIST", key[0], f"{key[0]}/{key[1]} is waitlisted {n} times")
    for person in idx.term.participants:
        for request in person.requests:
            key = (person.id, request.group_type)
            if key not in placed and key not in listed:
                what = f"{person.id}'s request for {request.group_type}"
                msg = f"{what} is neither placed nor waitlisted"
                yield Violation("WAITLIST", person.id, msg)
