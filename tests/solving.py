"""Solve helpers for tests: every schedule a test solves is checked by the validator here."""

from __future__ import annotations

from typing import Any

from models import Schedule, Term, parse_term
from models.validation import validate_schedule
from optimizer import SolveOptions, solve


def solved(doc: dict[str, Any] | Term, time_limit: float = 10.0, **kwargs: Any) -> Schedule:
    """Solve a term document and assert the schedule keeps every hard rule."""
    term = doc if isinstance(doc, Term) else parse_term(doc)
    options = SolveOptions(time_limit=time_limit, workers=kwargs.pop("workers", 2), **kwargs)
    result = solve(term, options)
    assert result.violations == [], result.violations
    assert validate_schedule(term, result.schedule) == []
    return result.schedule


def placed(schedule: Schedule) -> set[tuple[str, str]]:
    """(participant, group type) of every placed request."""
    return {(pid, s.group_type) for s in schedule.sections for pid in s.participants}


def reasons(schedule: Schedule, pid: str, group_type: str = "grp") -> str:
    """All waitlist reasons of one request, joined, for substring assertions."""
    for entry in schedule.waitlist:
        if entry.participant == pid and entry.group_type == group_type:
            return " | ".join(entry.reasons)
    raise AssertionError(f"{pid} is not waitlisted for {group_type}")
