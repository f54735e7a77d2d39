"""The HiGHS MIP peer solver: same optimum as otgroups where both prove it, valid schedules,
exact no-overlap rows, and a graceful refusal when the model would be too large."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("highspy")

from helpers import DATA, group_type, participant, tiny_term, van, window

from benchmarks.baselines.highs.timeline import Span, clique_rows
from benchmarks.baselines.highs_mip import solve_highs, solve_highs_with_stats
from models import Schedule, Status, load_term, parse_term
from models.term import Term
from models.validation import validate_schedule
from optimizer import SolveOptions, solve, solve_greedy
from optimizer.greedy import greedy_plan
from optimizer.prepare import prepare

MON_9_10 = [window("mon", "09:00", "10:00")]


def mip(doc: dict[str, Any] | Term, time_limit: float = 20.0) -> Schedule:
    """Solve with the MIP; the schedule must pass the validator and be proven optimal."""
    term = doc if isinstance(doc, Term) else parse_term(doc)
    result = solve_highs(term, time_limit=time_limit)
    assert result.violations == []
    assert validate_schedule(term, result.schedule) == []
    assert result.schedule.status == Status.OPTIMAL
    assert result.schedule.bound == result.schedule.score
    return result.schedule


def two_types(n: int = 4, **person: Any) -> list[dict[str, Any]]:
    """Participants P1…Pn, half requiring ``a`` and half ``b``."""
    return [
        participant(f"P{i + 1}", requests=[{"group_type": t, "priority": "required"}], **person)
        for i, t in enumerate(["a", "b"] * (n // 2))
    ]


def test_small_term_same_optimum_as_otgroups() -> None:
    term = load_term(DATA / "small-term.json")
    reference = solve(term, SolveOptions(time_limit=10, secondary=False)).schedule
    assert reference.status == Status.OPTIMAL and reference.score == 1303
    schedule = mip(term, time_limit=30)
    assert schedule.score == reference.score
    assert schedule.transport  # van riders are carried


def test_warm_start_from_a_plan_is_accepted() -> None:
    term = load_term(DATA / "small-term.json")
    hint = greedy_plan(prepare(term))
    result, stats = solve_highs_with_stats(term, time_limit=30, hint=hint)
    assert result.valid and result.schedule.score == 1303
    assert stats.incumbents[0][1] == solve_greedy(term).schedule.score  # the hint came first


def test_h5_daily_limit() -> None:
    # One OT, everyone free Monday 9–12 only: one session a day leaves one group out.
    ot = {"id": "ot1", "role": "OT", "available": [window("mon", "09:00", "16:00")]}
    people = two_types(available=[*MON_9_10, window("mon", "10:00", "12:00")])
    doc = tiny_term(participants=people, group_types=[group_type("a"), group_type("b")])
    doc["staff"] = [{**ot, "max_sessions_per_day": 1}]
    assert mip(doc).score == 200
    doc["staff"] = [{**ot, "max_sessions_per_day": 2}]
    assert mip(doc).score == 400


def test_h6_one_vehicle_one_outing_at_a_time() -> None:
    outings = [group_type(t, offsite=True, travel_minutes=30) for t in ("a", "b")]
    people = two_types(available=[window("mon", "09:00", "11:00")])
    staff = [
        {"id": f"s{i}", "role": "OT", "available": [window("mon", "09:00", "16:00")]}
        for i in range(2)
    ]
    doc = tiny_term(participants=people, group_types=outings, staff=staff, vehicles=[van(runs=[])])
    assert mip(doc).score == 200
    doc["vehicles"].append(van("v2", runs=[]))
    assert mip(doc).score == 400


def test_h7_no_two_meetings_at_once() -> None:
    # Everyone wants both groups but is free one hour: each gets one, 2 + 2 placed.
    both = [{"group_type": t, "priority": "required"} for t in ("a", "b")]
    people = [participant(f"P{i + 1}", available=MON_9_10, requests=both) for i in range(4)]
    rooms = [{"id": "r1", "capacity": 8}, {"id": "r2", "capacity": 8}]
    staff = [{"id": f"s{i}", "role": "OT", "available": MON_9_10} for i in range(2)]
    doc = tiny_term(
        participants=people,
        group_types=[group_type("a"), group_type("b")],
        rooms=rooms,
        staff=staff,
    )
    s = mip(doc)
    assert s.score == 400
    assert all(sum(f"P{i + 1}" in sec.participants for sec in s.sections) == 1 for i in range(4))


def test_h10_keep_apart() -> None:
    people = [participant("P1", keep_apart=["P2"]), participant("P2"), participant("P3")]
    assert mip(tiny_term(participants=people)).score == 200
    people[0]["keep_apart"] = []
    assert mip(tiny_term(participants=people)).score == 300


def test_h11_van_seats() -> None:
    riders = [participant(f"P{i + 1}", transport="van") for i in range(3)]
    doc = tiny_term(participants=riders, vehicles=[van(seats=2)])
    s = mip(doc)
    assert s.score == 200 and all(len(r.participants) <= 2 for r in s.transport)
    doc["vehicles"][0]["seats"] = 3
    s = mip(doc)
    assert s.score == 300 and sum(len(r.participants) for r in s.transport) == 3


def test_too_large_is_unknown_and_empty() -> None:
    term = load_term(DATA / "small-term.json")
    result, stats = solve_highs_with_stats(term, max_nonzeros=1_000)
    assert result.schedule.status == Status.UNKNOWN and result.schedule.sections == []
    assert result.valid and "not built" in stats.note and stats.columns == 0


def test_clique_rows_are_exact_for_half_open_spans() -> None:
    # Touching spans never share a row; overlapping ones do; one group alone needs no row.
    spans = [
        Span("a", "mon", 540, 600, [0]),
        Span("b", "mon", 600, 660, [1]),
        Span("c", "mon", 570, 630, [2]),
        Span("c", "tue", 540, 600, [3]),
        Span("d", "tue", 600, 630, [4]),
    ]
    rows = [sorted(r) for r in clique_rows(spans)]
    assert rows == [[0, 2], [1, 2]]
