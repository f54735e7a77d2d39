"""Property tests: hypothesis builds random small clinics; every solve must pass the validator,
state a score no higher than its proven bound, and waitlist every unplaced request; the
preparation's pruning of requesters who can never have company must never lower the optimum;
and the data bound must never fall below it."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import Status, parse_term
from models.common import format_time
from models.validation import validate_schedule
from optimizer import SolveOptions, solve
from optimizer.bounds import data_bound
from optimizer.cpsat.model import CpsatScheduler
from optimizer.greedy import greedy_plan
from optimizer.prepare import prepare
from optimizer.solve import to_schedule
from optimizer.stability import build_identity
from optimizer.type_optima import type_optima

DAYS = ["mon", "tue", "wed", "thu", "fri"]
FEATURES = ["kitchen", "quiet", "sink"]
ROLES = ["OT", "OTA", "PEER"]


def often(value: Any, other: st.SearchStrategy) -> st.SearchStrategy:
    """``value`` about three times in four, else a draw from ``other``."""
    return st.one_of(st.just(value), st.just(value), st.just(value), other)


@st.composite
def windows(draw: st.DrawFn, days: list[str], open_: int, close: int, most: int = 4) -> list:
    """Up to ``most`` half-hour-aligned windows inside opening hours."""
    out = []
    for _ in range(draw(st.integers(0, most))):
        start = draw(st.integers(open_ // 30, close // 30 - 1)) * 30
        end = draw(st.integers(start // 30 + 1, close // 30)) * 30
        out.append(
            {
                "day": draw(st.sampled_from(days)),
                "start": format_time(start),
                "end": format_time(end),
            }
        )
    return out


@st.composite
def terms(draw: st.DrawFn) -> dict[str, Any]:
    days = sorted(draw(st.sets(st.sampled_from(DAYS), min_size=1, max_size=3)), key=DAYS.index)
    open_, close = 9 * 60, draw(st.sampled_from([12 * 60, 14 * 60]))
    full_day = [{"day": d, "start": format_time(open_), "end": format_time(close)} for d in days]

    def some_windows(most: int = 3) -> list:
        return draw(often(full_day, windows(days, open_, close, most)))

    rooms = [
        {
            "id": f"r{i}",
            "capacity": draw(st.integers(2, 8)),
            "features": sorted(draw(st.sets(st.sampled_from(FEATURES), max_size=2))),
            "blocked": draw(windows(days, open_, close, 1)),
        }
        for i in range(draw(st.integers(1, 3)))
    ]
    staff = [
        {
            "id": f"s{i}",
            "role": draw(st.sampled_from(ROLES)),
            "skills": sorted(draw(st.sets(st.sampled_from(["trauma"]), max_size=1))),
            "available": some_windows(),
            "max_sessions_per_day": draw(st.integers(1, 3)),
            "max_sessions_per_week": draw(st.integers(1, 6)),
        }
        for i in range(draw(st.integers(1, 3)))
    ]
    vehicles = [
        {
            "id": f"v{i}",
            "seats": draw(st.integers(2, 7)),
            "wheelchair_seats": draw(st.integers(0, 1)),
            "available": some_windows(),
            "runs": [
                {"day": d, "arrive": format_time(open_), "depart": format_time(close)}
                for d in days
                if draw(st.booleans())
            ],
        }
        for i in range(draw(st.integers(0, 2)))
    ]
    types = []
    for i in range(draw(st.integers(1, 3))):
        min_size = draw(often(1, st.integers(2, 3)))
        offsite = draw(st.booleans()) and bool(vehicles)
        types.append(
            {
                "id": f"g{i}",
                "duration_minutes": draw(st.sampled_from([30, 60, 90])),
                "meetings_per_week": draw(st.integers(1, min(2, len(days)))),
                "min_size": min_size,
                "max_size": draw(st.integers(min_size, 5)),
                "max_sections": draw(often(2, st.integers(0, 1))),
                "room_features": draw(
                    often([], st.sets(st.sampled_from(FEATURES), max_size=1).map(sorted))
                ),
                "offsite": offsite,
                "travel_minutes": draw(st.sampled_from([0, 15, 30])) if offsite else 0,
                "staff": {
                    "count": draw(often(1, st.just(2))),
                    "roles": draw(
                        often(ROLES, st.sets(st.sampled_from(ROLES), min_size=1).map(sorted))
                    ),
                    "skills": draw(often([], st.just(["trauma"]))),
                },
                "allowed": {
                    "programs": draw(often(None, st.sampled_from([["PHP"], ["PHP", "IOP"]]))),
                    "tracks_any": draw(often(None, st.just(["mood"]))),
                },
                "max_high_acuity": draw(st.sampled_from([None, 0, 1, 2])),
                "single_program": draw(st.booleans()),
                "windows": draw(often(None, st.just(full_day[:1]))),
            }
        )
    n = draw(st.integers(2, 10))
    ids = [f"P{i + 1}" for i in range(n)]
    participants = []
    for pid in ids:
        wanted = draw(st.sets(st.sampled_from([t["id"] for t in types]), min_size=1, max_size=3))
        others = [q for q in ids if q != pid]
        participants.append(
            {
                "id": pid,
                "age_band": draw(st.sampled_from(["adolescent", "adult", "older-adult"])),
                "program": draw(st.sampled_from(["PHP", "IOP", "OP", "RES"])),
                "acuity": draw(st.sampled_from(["low", "moderate", "high"])),
                "tracks": sorted(draw(st.sets(st.sampled_from(["mood", "trauma"]), max_size=2))),
                "available": some_windows(4),
                "transport": draw(often("self", st.just("van"))),
                "wheelchair": draw(often(False, st.just(True))),
                "requests": [
                    {
                        "group_type": t,
                        "priority": draw(st.sampled_from(["required", "recommended", "optional"])),
                    }
                    for t in sorted(wanted)
                ],
                "keep_apart": sorted(draw(st.sets(st.sampled_from(others), max_size=1)))
                if others
                else [],
            }
        )
    return {
        "format": "otgroups.term/1",
        "clinic": {"id": "h", "name": "Hypothesis", "timezone": "UTC"},
        "term": {"name": "t", "start": "2027-01-04", "end": "2027-02-26"},
        "calendar": {
            "days": days,
            "open": format_time(open_),
            "close": format_time(close),
            "slot_minutes": 30,
        },
        "rooms": rooms,
        "staff": staff,
        "vehicles": vehicles,
        "group_types": types,
        "participants": participants,
    }


@st.composite
def crowded_weeks(draw: st.DrawFn) -> dict[str, Any]:
    """A permissive clinic (leaders, rooms and vans never short) whose participants ask for
    two or three groups and are free in one or two short windows: their own weeks, not the
    clinic, decide what they can hold."""
    doc = draw(terms())
    days = doc["calendar"]["days"]
    open_, close = 9 * 60, 12 * 60
    doc["calendar"]["close"] = format_time(close)
    full = [{"day": d, "start": "09:00", "end": "12:00"} for d in days]
    doc["rooms"] = [{"id": "r0", "capacity": 8, "features": FEATURES, "blocked": []}]
    doc["staff"] = [
        {
            "id": f"s{i}",
            "role": "OT",
            "skills": ["trauma"],
            "available": full,
            "max_sessions_per_day": 6,
            "max_sessions_per_week": 30,
        }
        for i in range(3)
    ]
    doc["vehicles"] = []
    for gt in doc["group_types"]:
        gt.update(offsite=False, travel_minutes=0, room_features=[], windows=None, max_sections=2)
        gt.update(staff={"count": 1, "roles": ["OT"], "skills": []}, allowed={})
        gt.update(single_program=False, max_high_acuity=None, min_size=1)
        gt["max_size"] = max(gt["max_size"], 2)
    types = [gt["id"] for gt in doc["group_types"]]
    for p in doc["participants"]:
        p["available"] = [
            {"day": day, "start": format_time(start), "end": format_time(start + length)}
            for day, start, length in draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(days),
                        st.sampled_from(range(open_, close - 60 + 1, 30)),
                        st.sampled_from([60, 90]),
                    ).filter(lambda w: w[1] + w[2] <= close),
                    min_size=1,
                    max_size=2,
                )
            )
        ]
        p["transport"] = "self"
        p["keep_apart"] = []
        wanted = draw(st.sets(st.sampled_from(types), min_size=min(2, len(types)), max_size=3))
        p["requests"] = [{"group_type": t, "priority": "required"} for t in sorted(wanted)]
    return doc


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=terms())
def test_every_solve_passes_the_validator(doc: dict[str, Any]) -> None:
    term = parse_term(doc)
    result = solve(term, SolveOptions(time_limit=5, workers=1, seed=1))
    schedule = result.schedule
    assert validate_schedule(term, schedule) == []
    assert schedule.bound is None or schedule.score <= schedule.bound
    requests = sum(len(p.requests) for p in term.participants)
    placed = sum(len(s.participants) for s in schedule.sections)
    assert placed + len(schedule.waitlist) == requests
    assert all(entry.reasons for entry in schedule.waitlist)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=terms())
def test_every_greedy_plan_passes_the_validator(doc: dict[str, Any]) -> None:
    term = parse_term(doc)
    prep = prepare(term)
    ident = build_identity(prep, None)
    schedule = to_schedule(prep, ident, greedy_plan(prep), Status.FEASIBLE, None, 0.0)
    assert validate_schedule(term, schedule) == []


def _no_company_pruning(
    gt: Any, members: dict[str, frozenset[int]], people: Any, n: int
) -> tuple[dict[str, frozenset[int]], frozenset[str]]:
    return members, frozenset()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=terms())
def test_company_pruning_is_exact(doc: dict[str, Any]) -> None:
    """Leaving out requesters who can never have company never lowers the optimum."""
    term = parse_term(doc)
    options = SolveOptions(time_limit=5, workers=1, seed=1, secondary=False)
    pruned = solve(term, options).schedule
    with patch("optimizer.prepare._with_companions", _no_company_pruning):
        whole = solve(term, options).schedule
    if pruned.status == Status.OPTIMAL:  # nothing the pruning left out could score more
        assert whole.score <= pruned.score
    assert pruned.score <= (whole.bound if whole.bound is not None else pruned.score)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=crowded_weeks())
def test_the_data_bound_is_never_below_the_optimum(doc: dict[str, Any]) -> None:
    """The whole CP-SAT model, solved to optimality without the data bound, never beats it,
    with or without the types' solo optima as caps (its own-time limit included: these
    participants ask for up to three groups and are free in at most two short windows, so it
    binds often)."""
    prep = prepare(parse_term(doc))
    ident = build_identity(prep, None)
    result = CpsatScheduler(prep, ident).run_primary(SolveOptions(workers=1, seed=1), 10.0)
    if result.status == "OPTIMAL":
        assert result.objective is not None and result.objective <= data_bound(prep).total
        caps = type_optima(prep, SolveOptions(workers=1, seed=1), 5.0)
        assert result.objective <= data_bound(prep, caps).total
