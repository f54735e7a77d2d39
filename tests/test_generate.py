"""The instance generator: deterministic, valid, realistic, and solvable in a useful way."""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from benchmarks.generate import generate_term, main
from benchmarks.generator.report import demand_table, placement
from benchmarks.generator.wide import wide_weeks
from models import Term, parse_term
from models.common import parse_time
from optimizer import solve_greedy

DEMO = Path(__file__).resolve().parents[1] / "models" / "examples" / "demo_clinic.json"


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    return generate_term(120, seed=7)


@pytest.fixture(scope="module")
def mid() -> dict[str, Any]:
    return generate_term(250, seed=0)


# ----- determinism -----


def test_same_seed_gives_identical_term() -> None:
    assert generate_term(60, seed=3) == generate_term(60, seed=3)


def test_different_seed_gives_different_term() -> None:
    assert generate_term(60, seed=3) != generate_term(60, seed=4)


def test_global_random_state_is_not_used() -> None:
    np.random.seed(1)
    first = generate_term(60, seed=5)
    np.random.seed(2)
    np.random.random(10)
    assert generate_term(60, seed=5) == first


def test_demo_file_is_the_generated_demo(demo: dict[str, Any]) -> None:
    # Regenerate with: python -m benchmarks.generate --participants 120 --seed 7
    #   --out models/examples/demo_clinic.json
    assert json.loads(DEMO.read_text(encoding="utf-8")) == demo


def test_cli_writes_the_same_document(tmp_path: Path) -> None:
    out = tmp_path / "term.json"
    assert main(["--participants", "60", "--seed", "2", "--out", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == generate_term(60, seed=2)


def test_cli_wide_weeks_opens_every_week_and_schedules_validly(tmp_path: Path) -> None:
    out = tmp_path / "wide.json"
    assert main(["--participants", "60", "--seed", "2", "--wide-weeks", "--out", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc == wide_weeks(generate_term(60, seed=2))
    term = parse_term(doc)
    assert term.calendar.slot_minutes == 15 and len(term.calendar.days) == 7
    everyone = [*term.participants, *term.staff, *term.vehicles]
    assert all(len(x.available) == 7 for x in everyone)
    result = solve_greedy(term)
    assert result.violations == [] and result.schedule.score > 0


# ----- validity -----


@pytest.mark.parametrize(("participants", "seed"), [(60, 0), (60, 1), (250, 0), (250, 9)])
def test_generated_terms_pass_the_contract(participants: int, seed: int) -> None:
    term = parse_term(generate_term(participants, seed))
    assert len(term.participants) == participants


def test_two_thousand_participants_generate_in_seconds() -> None:
    started = time.perf_counter()
    doc = generate_term(2000, seed=1)
    term = parse_term(doc)
    assert time.perf_counter() - started < 10
    assert len(term.participants) == 2000
    assert term.calendar.open == parse_time("08:30") and term.calendar.close == parse_time("17:00")
    assert len(term.vehicles) > 2
    assert sum("kitchen" in r.features for r in term.rooms) <= 3


# ----- realism -----


def test_demo_shape(demo: dict[str, Any]) -> None:
    term = parse_term(demo)
    assert len(term.vehicles) == 2
    assert len(term.group_types) >= 12
    assert (term.calendar.open, term.calendar.close) == (parse_time("09:00"), parse_time("16:00"))
    assert term.term.start.weekday() == 0 and term.term.start.year == 2027
    assert (term.term.end - term.term.start).days == 12 * 7 - 3
    assert 1 <= len(term.term.closures) <= 2
    kitchens = [r for r in term.rooms if "kitchen" in r.features]
    assert len(kitchens) == 1 and kitchens[0].capacity == 6
    for feature in ("computers", "sink", "quiet", "garden"):
        assert any(feature in r.features for r in term.rooms), feature


def test_participants_carry_no_names(demo: dict[str, Any]) -> None:
    for i, p in enumerate(demo["participants"]):
        assert p["id"] == f"P{i + 1:04d}"
        assert "name" not in p
    assert all(", " in s["name"] for s in demo["staff"])  # "A. Rivera, OTR/L"


def test_population_mix(mid: dict[str, Any]) -> None:
    people = mid["participants"]
    n = len(people)
    programs = Counter(p["program"] for p in people)
    assert set(programs) == {"PHP", "IOP", "OP", "RES"}
    ages = Counter(p["age_band"] for p in people)
    assert 0.05 < ages["adolescent"] / n < 0.2 and 0.05 < ages["older-adult"] / n < 0.25
    assert all(p["program"] in {"IOP", "OP"} for p in people if p["age_band"] == "adolescent")
    assert 0.12 < sum(p["acuity"] == "high" for p in people) / n < 0.28
    assert all(1 <= len(p["tracks"]) <= 2 for p in people)
    assert {g for p in people for g in [p["gender"]]} >= {"F", "M"}
    php = [p for p in people if p["program"] == "PHP"]
    assert 0.28 <= sum(p["transport"] == "van" for p in php) / len(php) <= 0.42
    assert not any(p["transport"] == "van" for p in people if p["program"] in {"RES", "OP"})
    assert 0 < sum(p["wheelchair"] for p in people) < 0.08 * n
    pairs = {tuple(sorted((p["id"], q))) for p in people for q in p["keep_apart"]}
    assert 0.005 * n <= len(pairs) <= 0.03 * n
    by_id = {p["id"]: p for p in people}
    assert all(p["id"] in by_id[q]["keep_apart"] for p in people for q in p["keep_apart"])


def test_requests_are_plausible(mid: dict[str, Any]) -> None:
    term = parse_term(mid)
    counts = Counter(len(p.requests) for p in term.participants)
    assert min(counts) >= 2 and max(counts) <= 5
    priorities = Counter(r.priority for p in term.participants for r in p.requests)
    total = sum(priorities.values())
    assert 0.33 < priorities["required"] / total < 0.47
    assert 0.33 < priorities["recommended"] / total < 0.47
    assert 0.13 < priorities["optional"] / total < 0.28
    ineligible = [
        (p.id, r.group_type)
        for p in term.participants
        for r in p.requests
        if not _eligible(term, p.id, r.group_type)
    ]
    assert 1 <= len(ineligible) <= 0.03 * len(term.participants)


def test_demand_exceeds_capacity_for_some_types(demo: dict[str, Any], mid: dict[str, Any]) -> None:
    for doc in (demo, mid):
        rows = {row["group_type"]: row for row in demand_table(doc)}
        assert rows["cooking"]["requests"] > rows["cooking"]["seats"]
        over = [r for r in rows.values() if r["requests"] > r["seats"]]
        assert len(over) < len(rows) / 3  # most demand fits


def test_van_riders_fit_inside_runs(mid: dict[str, Any]) -> None:
    term = parse_term(mid)
    runs = defaultdict(list)
    for v in term.vehicles:
        for run in v.runs:
            runs[run.day].append((run.arrive, run.depart))
    for p in term.participants:
        if p.transport != "van":
            continue
        for w in p.available:
            assert any(a <= w.start and w.end <= b for a, b in runs[w.day]), (p.id, w.label())


def test_every_type_has_staff_rooms_and_times(demo: dict[str, Any], mid: dict[str, Any]) -> None:
    for doc in (demo, mid):
        term = parse_term(doc)
        cal = term.calendar
        for gt in term.group_types:
            assert 3 <= gt.min_size <= 4 and gt.min_size < gt.max_size <= 10
            for w in gt.windows or []:
                assert cal.open <= w.start and w.end <= cal.close and w.day in cal.days
            starts = _starts(term, gt.id)
            assert starts, f"{gt.id}: no start fits the calendar, windows, staff and rooms"


# ----- solvable in a useful way -----


@pytest.mark.parametrize(("participants", "seed", "floor"), [(120, 7, 0.85), (250, 0, 0.88)])
def test_greedy_places_most_required_requests(participants: int, seed: int, floor: float) -> None:
    term = parse_term(generate_term(participants, seed))
    result = solve_greedy(term)
    assert result.violations == []
    placed, requested = placement(term, result.schedule)["required"]
    assert placed / requested >= floor


# ----- helpers -----


def _eligible(term: Term, pid: str, type_id: str) -> bool:
    p, gt = term.participant(pid), term.group_type(type_id)
    a = gt.allowed
    return (
        (a.age_bands is None or p.age_band in a.age_bands)
        and (a.genders is None or p.gender in a.genders)
        and (a.programs is None or p.program in a.programs)
        and (a.tracks_any is None or bool(set(p.tracks) & set(a.tracks_any)))
    )


def _inside(windows: list[Any], day: str, start: int, end: int) -> bool:
    return any(w.contains(day, start, end) for w in windows)


def _starts(term: Term, type_id: str) -> list[tuple[str, int]]:
    """(day, start) where one meeting fits the calendar, windows, a room or van, and staff."""
    gt = term.group_type(type_id)
    cal = term.calendar
    out = []
    for day in cal.days:
        for start in range(cal.open, cal.close - gt.duration_minutes + 1, cal.slot_minutes):
            end = start + gt.duration_minutes
            if gt.windows is not None and not _inside(gt.windows, day, start, end):
                continue
            a, b = start - gt.travel_minutes, end + gt.travel_minutes
            staff = [
                s
                for s in term.staff
                if s.role in gt.staff.roles
                and set(gt.staff.skills) <= set(s.skills)
                and _inside(s.available, day, a, b)
            ]
            if len(staff) < gt.staff.count:
                continue
            if gt.offsite:
                ok = any(
                    v.seats >= gt.staff.count + gt.min_size
                    and _inside(v.available, day, a, b)
                    and not any(
                        r.day == day and (a <= r.arrive <= b or a <= r.depart <= b) for r in v.runs
                    )
                    for v in term.vehicles
                )
            else:
                ok = any(
                    set(gt.room_features) <= set(r.features)
                    and r.capacity >= gt.min_size
                    and not any(w.overlaps(day, start, end) for w in r.blocked)
                    for r in term.rooms
                )
            if ok:
                out.append((day, start))
    return out
