"""The greedy scheduler: every plan it builds is valid, and a complete, feasible CP-SAT hint."""

from __future__ import annotations

from importlib.resources import files

import pytest
from helpers import small_term_doc

from models import Status, load_term, parse_term
from models.validation import validate_schedule
from optimizer.cpsat.model import CpsatScheduler
from optimizer.greedy import greedy_plan
from optimizer.options import SolveOptions
from optimizer.plan import Plan, canonical
from optimizer.prepare import prepare
from optimizer.solve import to_schedule
from optimizer.stability import build_identity


@pytest.fixture(scope="module")
def demo():
    return load_term(str(files("models") / "examples" / "demo_clinic.json"))


@pytest.mark.parametrize("which", ["small", "demo"])
def test_greedy_schedule_is_valid(which: str, demo) -> None:
    term = demo if which == "demo" else parse_term(small_term_doc())
    prep = prepare(term)
    ident = build_identity(prep, None)
    plan = greedy_plan(prep)
    schedule = to_schedule(prep, ident, plan, Status.FEASIBLE, None, 0.0)
    assert validate_schedule(term, schedule) == []
    demand = sum(term.weights.of(r.priority) for p in term.participants for r in p.requests)
    assert schedule.score > (0.8 if which == "demo" else 0.5) * demand


def test_greedy_plan_is_a_complete_feasible_hint(demo) -> None:
    # Fixing every variable to its hint must leave exactly the greedy plan's score.
    prep = prepare(demo)
    ident = build_identity(prep, None)
    plan = canonical(greedy_plan(prep), ident, prep)
    scheduler = CpsatScheduler(prep, ident)
    scheduler.hint(plan)
    options = SolveOptions(cpsat_parameters={"fix_variables_to_their_hinted_value": True})
    result = scheduler.run_primary(options, 30)
    assert result.status == "OPTIMAL" and result.objective == plan.score(prep)


def test_greedy_keeps_a_starting_plan(demo) -> None:
    prep = prepare(demo)
    first = greedy_plan(prep)
    again = greedy_plan(prep, first)
    assert again.slots == first.slots


def test_greedy_past_its_deadline_stops_with_a_valid_plan(demo) -> None:
    """A deadline already past opens no new section; a starting plan is still kept whole, and
    what comes out is valid (a solve with a tiny time limit still answers in time)."""
    prep = prepare(demo)
    ident = build_identity(prep, None)
    assert greedy_plan(prep, deadline=0.0).slots == {}
    full = greedy_plan(prep)
    part = dict(list(full.slots.items())[: len(full.slots) // 2])
    start = Plan(slots=part, rides=dict(full.rides))
    cut = greedy_plan(prep, start, deadline=0.0)
    assert cut.slots.keys() == part.keys()
    schedule = to_schedule(prep, ident, cut, Status.FEASIBLE, None, 0.0)
    assert validate_schedule(demo, schedule) == []
    assert 0 < schedule.score < full.score(prep)
