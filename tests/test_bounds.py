"""The data bound: per type, the heaviest requests its sections could seat, and never less
than what a valid schedule places there."""

from __future__ import annotations

from helpers import group_type, participant, tiny_term

from models import Schedule, Term, parse_term
from optimizer.bounds import capacity_bound, type_bounds
from optimizer.prepare import prepare


def test_type_bound_counts_the_heaviest_requests_that_fit() -> None:
    # Two sections of at most 2 seat four of five requesters: the four required ones.
    people = [participant(f"P{i}") for i in range(1, 5)]
    people.append(participant("P5", requests=[{"group_type": "grp", "priority": "optional"}]))
    grp = group_type(max_size=2, max_sections=2)
    prep = prepare(parse_term(tiny_term(participants=people, group_types=[grp])))
    assert type_bounds(prep) == {"grp": 400}
    assert capacity_bound(prep) == 400


def test_demo_schedule_stays_under_every_type_bound(demo: tuple[Term, Schedule]) -> None:
    term, schedule = demo
    prep = prepare(term)
    bounds = type_bounds(prep)
    seated: dict[str, int] = {}
    for section in schedule.sections:
        for pid in section.participants:
            weight = prep.weight[pid, section.group_type]
            seated[section.group_type] = seated.get(section.group_type, 0) + weight
    assert seated and all(seated[t] <= bounds[t] for t in seated)
    assert schedule.score <= capacity_bound(prep) == sum(bounds.values())
