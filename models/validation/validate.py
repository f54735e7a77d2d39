"""Whole-schedule validation: every rule family over one fresh index."""

from __future__ import annotations

from models.schedule import Schedule
from models.term import Term
from models.validation.accounting import score_of, score_violations, waitlist_violations
from models.validation.index import ScheduleIndex, remember, schedule_index
from models.validation.participant_rules import participant_violations
from models.validation.resource_rules import resource_violations
from models.validation.section_rules import section_violations
from models.validation.transport_rules import transport_violations
from models.validation.violation import Violation, ordered


def validate_schedule(term: Term, schedule: Schedule) -> list[Violation]:
    """Every violation of H1-H11, SHAPE, SCORE and WAITLIST, ordered by rule then subject."""
    idx = remember(ScheduleIndex(term, schedule))
    found = [
        *section_violations(idx),
        *resource_violations(idx),
        *participant_violations(idx),
        *transport_violations(idx),
        *score_violations(idx),
        *waitlist_violations(idx),
    ]
    return ordered(found)


def validate_day(term: Term, day: Schedule) -> list[Violation]:
    """The hard rules for one date (H1 without min_size, H3 without the weekly meeting count,
    H4-H11): ``day`` holds each section meeting that date with only that meeting and that date's
    roster (enrolled members plus makeups), and that date's rides. See ``models.dated``."""
    idx = ScheduleIndex(term, day, day_view=True)
    found = [
        *section_violations(idx),
        *resource_violations(idx),
        *participant_violations(idx),
        *transport_violations(idx),
    ]
    return ordered(found)


def recompute_score(term: Term, schedule: Schedule) -> int:
    """Σ term.weights.of(priority) over placed requests."""
    return score_of(schedule_index(term, schedule))
