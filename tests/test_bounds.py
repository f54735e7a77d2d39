"""The data bound: per type, the heaviest requests its sections could seat; per participant,
the groups their own week can hold together; and never less than what a valid schedule
places."""

from __future__ import annotations

import pytest
from helpers import group_type, participant, tiny_term, window
from solving import solved

from models import Schedule, Term, parse_term
from optimizer import own_time
from optimizer.bounds import capacity_bound, data_bound, type_bounds
from optimizer.cpsat.model import CpsatScheduler
from optimizer.diagnose import term_warnings
from optimizer.options import SolveOptions
from optimizer.own_time import Budget, BudgetSpentError, fits_together, fitting_sets
from optimizer.prepare import prepare
from optimizer.solve import solve
from optimizer.stability import build_identity
from optimizer.type_optima import type_optima


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


def _two_groups(p3_hours: list[dict[str, str]]) -> dict[str, object]:
    """Groups ``a`` and ``b`` (an hour each, one section each); P1, P2 free all week and P3
    free ``p3_hours``, all three requiring both."""
    both = [{"group_type": t, "priority": "required"} for t in ("a", "b")]
    people = [participant(pid, requests=both) for pid in ("P1", "P2")]
    people.append(participant("P3", requests=both, available=p3_hours))
    return tiny_term(participants=people, group_types=[group_type("a"), group_type("b")])


def test_a_week_that_holds_one_of_two_groups_lowers_the_bound() -> None:
    # P3 is free for one hour: both groups fit their sections there, but not both for P3.
    doc = _two_groups([window("mon", "09:00", "10:00")])
    prep = prepare(parse_term(doc))
    assert fitting_sets(prep) == {"P3": [frozenset({"a"}), frozenset({"b"})]}
    assert (capacity_bound(prep), data_bound(prep).total) == (600, 500)
    # The relaxed solution seats P1 and P2 in both groups and P3 once, split as it may be.
    shares = data_bound(prep).shares
    assert sum(shares.values()) == 500 and min(shares.values()) >= 200
    assert [w.message for w in term_warnings(prep)] == [
        "P3: at the times their groups could meet, their available hours cannot hold all 2 of "
        "them; the most that fit together: [A] or [B]"
    ]
    s = solved(doc)
    assert (s.score, s.bound, s.status.value) == (500, 500, "OPTIMAL")


def test_the_waitlist_names_a_week_too_small_first() -> None:
    s = solved(_two_groups([window("mon", "09:00", "10:00")]))
    (entry,) = [e for e in s.waitlist if e.participant == "P3"]
    held = "A" if entry.group_type == "b" else "B"
    assert entry.reasons[0] == (
        f"P3's available hours cannot hold {entry.group_type.upper()} together with {held} at "
        "any times these groups could meet"
    )
    assert len(entry.reasons) > 1  # the section-by-section reasons follow


def test_the_waitlist_blames_no_week_that_holds_nothing_yet() -> None:
    # Sections of two seats go to P1 and P2: P3 holds no group, so their week is not the cause.
    doc = _two_groups([window("mon", "09:00", "10:00")])
    for gt in doc["group_types"]:
        gt["max_size"] = 2
    s = solved(doc)
    mine = [e for e in s.waitlist if e.participant == "P3"]
    assert len(mine) == 2
    assert not any("available hours cannot hold" in r for e in mine for r in e.reasons)


def test_a_week_that_holds_both_groups_changes_nothing() -> None:
    doc = _two_groups([window("mon", "09:00", "11:00")])
    prep = prepare(parse_term(doc))
    assert fitting_sets(prep) == {}
    assert data_bound(prep).total == capacity_bound(prep) == 600
    assert [w.message for w in term_warnings(prep)] == []


def test_the_week_search_runs_once_for_warnings_bound_and_waitlist(monkeypatch) -> None:
    # The CLI prepares the term for its warnings and hands that preparation to the solve: the
    # bound and the waitlist's reasons reuse the fitting sets the warnings found.
    term = parse_term(_two_groups([window("mon", "09:00", "10:00")]))
    prep = prepare(term)
    examined: list[int] = []
    search = own_time._maximal_sets
    monkeypatch.setattr(
        own_time, "_maximal_sets", lambda *args: examined.append(1) or search(*args)
    )
    assert len(term_warnings(prep)) == 1
    assert len(examined) == 3  # P1, P2 and P3, once each
    result = solve(term, SolveOptions(time_limit=5, workers=1), prep=prep)
    assert len(examined) == 3
    assert (result.schedule.score, result.schedule.bound) == (500, 500)
    (entry,) = [e for e in result.schedule.waitlist if e.participant == "P3"]
    assert "available hours cannot hold" in entry.reasons[0]


def test_a_spent_search_budget_leaves_the_rest_counted_as_fitting() -> None:
    # Stopping early can only make the bound weaker, never wrong: who was not examined counts
    # as fitting everything.
    assert not fits_together([[1], [1, 2], [2]], Budget(100))
    with pytest.raises(BudgetSpentError):
        fits_together([[1], [1, 2], [2]], Budget(1))
    prep = prepare(parse_term(_two_groups([window("mon", "09:00", "10:00")])))
    assert fitting_sets(prep, steps=1) == {}
    assert data_bound(prep).total == 500


def test_a_type_solved_alone_caps_what_its_meeting_times_allow() -> None:
    # One section of four seats, but P1 and P2 are free only Monday and P3 and P4 only Tuesday.
    monday = [window("mon", "09:00", "10:00")]
    tuesday = [window("tue", "09:00", "10:00")]
    people = [participant(pid, available=monday) for pid in ("P1", "P2")]
    people += [participant(pid, available=tuesday) for pid in ("P3", "P4")]
    doc = tiny_term(participants=people)
    prep = prepare(parse_term(doc))
    caps = type_optima(prep, SolveOptions(workers=1), 5.0)
    assert (capacity_bound(prep), caps) == (400, {"grp": 200})
    assert data_bound(prep, caps).total == 200
    assert data_bound(prep, {"grp": 900}).total == 400  # a cap above the seats changes nothing
    s = solved(doc)
    assert (s.score, s.bound, s.status.value) == (200, 200, "OPTIMAL")


def test_no_time_for_types_alone_leaves_them_uncapped() -> None:
    prep = prepare(parse_term(tiny_term(3)))
    assert type_optima(prep, SolveOptions(workers=1), 0.0) == {}


def test_a_phase_stopped_before_its_search_proves_nothing(demo: tuple[Term, Schedule]) -> None:
    """CP-SAT stopped in presolve answers UNKNOWN with an objective bound of 0; taken as a
    bound, it made a 5-second demo solve report OPTIMAL with its first score as the bound."""
    term, _ = demo
    prep = prepare(term)
    phase = CpsatScheduler(prep, build_identity(prep, None)).run_primary(SolveOptions(), 0.1)
    assert phase.plan is not None or phase.bound is None or phase.bound > 0
    schedule = solve(term, SolveOptions(time_limit=5)).schedule
    longer = 15_206  # a 20-second solve of the demo places this much: the optimum is no lower
    assert schedule.bound is not None and schedule.bound >= longer
