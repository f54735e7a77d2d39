"""The independent validator: each hard rule passes on a tiny schedule and fails when broken."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from models import Schedule, Term, parse_term
from models.validation import (
    ScheduleIndex,
    Violation,
    join_violations,
    recompute_score,
    schedule_index,
    validate_schedule,
)
from tests.helpers import group_type, participant, tiny_term, van, window

Doc = dict[str, Any]


def section(
    sid: str = "grp-1",
    gt: str = "grp",
    *,
    meetings: list[tuple[str, str, str]] | None = None,
    room: str | None = "r1",
    vehicle: str | None = None,
    staff: tuple[str, ...] = ("ot1",),
    members: tuple[str, ...] = ("P1", "P2", "P3"),
) -> Doc:
    """A section document; meetings as (day, start, end), default Mon 10:00-11:00."""
    meetings = meetings or [("mon", "10:00", "11:00")]
    return {
        "id": sid,
        "group_type": gt,
        "meetings": [{"day": d, "start": s, "end": e} for d, s, e in meetings],
        "room": room,
        "vehicle": vehicle,
        "staff": list(staff),
        "participants": list(members),
    }


def ride(members: tuple[str, ...], day: str = "mon", arrive: str = "09:00", depart: str = "16:00"):
    """A transport entry on van ``v1``."""
    return {
        "vehicle": "v1",
        "day": day,
        "arrive": arrive,
        "depart": depart,
        "participants": list(members),
    }


def wait(pid: str, gt: str = "grp", priority: str = "required") -> Doc:
    return {"participant": pid, "group_type": gt, "priority": priority, "reasons": []}


def build(
    term_doc: Doc,
    sections: list[Doc],
    *,
    transport: list[Doc] | None = None,
    waitlist: list[Doc] | None = None,
    score: int | None = None,
    bound: int | None = None,
    status: str = "FEASIBLE",
) -> tuple[Term, Schedule]:
    """The term and a hand-written schedule; score defaults to the recomputed one."""
    term = parse_term(copy.deepcopy(term_doc))
    doc: Doc = {
        "format": "otgroups.schedule/1",
        "status": status,
        "score": 0,
        "bound": bound,
        "sections": sections,
        "transport": transport or [],
        "waitlist": waitlist or [],
    }
    schedule = Schedule.model_validate(doc)
    schedule.score = recompute_score(term, schedule) if score is None else score
    return term, schedule


def rules(term: Term, schedule: Schedule) -> set[str]:
    return {v.rule for v in validate_schedule(term, schedule)}


def set_path(doc: Doc, path: str, value: Any) -> Doc:
    """A copy of ``doc`` with the dotted path (list indexes as numbers) set to ``value``."""
    doc = copy.deepcopy(doc)
    *head, last = path.split(".")
    node: Any = doc
    for key in head:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return doc


# --- scenarios ---------------------------------------------------------------------------------


def onsite() -> Doc:
    """Three participants, one room, one OT: section grp-1 Mon 10:00-11:00 is valid."""
    return tiny_term(3)


def two_types() -> Doc:
    """P1-P3 request grp, P4-P5 request grp2; two OTs and two rooms."""
    doc = tiny_term(5)
    for p in doc["participants"][3:]:
        p["requests"] = [{"group_type": "grp2", "priority": "required"}]
    doc["group_types"].append(group_type("grp2"))
    doc["rooms"].append({"id": "r2", "capacity": 8, "features": [], "blocked": []})
    doc["staff"].append(set_path(doc["staff"][0], "id", "ot2"))
    return doc


def two_sections() -> list[Doc]:
    return [
        section(),
        section("grp2-1", "grp2", room="r2", staff=("ot2",), members=("P4", "P5")),
    ]


def outing(n: int = 3) -> Doc:
    """Off-site ``out`` (30 min travel) on van v1; participants ride themselves."""
    doc = tiny_term(n)
    doc["group_types"] = [group_type("out", offsite=True, travel_minutes=30)]
    doc["vehicles"] = [van()]
    for p in doc["participants"]:
        p["requests"] = [{"group_type": "out", "priority": "required"}]
    return doc


def out_section(sid: str = "out-1", **kw: Any) -> Doc:
    kw.setdefault("room", None)
    kw.setdefault("vehicle", "v1")
    return section(sid, "out", **kw)


def vanriders() -> Doc:
    """On-site term where P1 rides van v1 (runs Mon-Fri 09:00-16:00)."""
    doc = tiny_term(3)
    doc["vehicles"] = [van()]
    doc["participants"][0]["transport"] = "van"
    return doc


# --- valid baselines ---------------------------------------------------------------------------


def test_baselines_are_valid() -> None:
    assert validate_schedule(*build(onsite(), [section()])) == []
    assert validate_schedule(*build(two_types(), two_sections())) == []
    assert validate_schedule(*build(outing(), [out_section()])) == []
    assert validate_schedule(*build(vanriders(), [section()], transport=[ride(("P1",))])) == []


# --- H1 size -----------------------------------------------------------------------------------


def test_h1_too_many_members() -> None:
    term, schedule = build(tiny_term(5), [section(members=("P1", "P2", "P3", "P4", "P5"))])
    violations = validate_schedule(term, schedule)
    assert [v.rule for v in violations] == ["H1"]
    assert violations[0] == Violation(
        "H1", "grp-1", "section grp-1 has 5 members, above Grp's max_size 4"
    )


def test_h1_too_few_members_and_room_capacity() -> None:
    alone = build(tiny_term(3), [section(members=("P1",))], waitlist=[wait("P2"), wait("P3")])
    assert rules(*alone) == {"H1"}
    small_room = set_path(onsite(), "rooms.0.capacity", 2)
    assert rules(*build(small_room, [section()])) == {"H1"}


def test_h1_vehicle_seats_and_wheelchairs() -> None:
    assert rules(*build(set_path(outing(), "vehicles.0.seats", 4), [out_section()])) == set()
    assert rules(*build(set_path(outing(), "vehicles.0.seats", 3), [out_section()])) == {"H1"}
    term = set_path(outing(), "participants.0.wheelchair", True)
    assert rules(*build(term, [out_section()])) == set()
    term = set_path(term, "vehicles.0.wheelchair_seats", 0)
    assert rules(*build(term, [out_section()])) == {"H1"}


# --- H2 sections per type ----------------------------------------------------------------------


def test_h2_max_sections() -> None:
    sections = [
        section(members=("P1", "P2")),
        section("grp-2", meetings=[("tue", "10:00", "11:00")], members=("P3", "P4")),
    ]
    term = set_path(tiny_term(4), "group_types.0.max_sections", 2)
    assert rules(*build(term, sections)) == set()
    assert rules(*build(tiny_term(4), sections)) == {"H2"}


# --- H3 time -----------------------------------------------------------------------------------


def test_h3_passes_two_meetings() -> None:
    term = set_path(onsite(), "group_types.0.meetings_per_week", 2)
    two = [("mon", "10:00", "11:00"), ("wed", "10:00", "11:00")]
    assert rules(*build(term, [section(meetings=two)])) == set()


@pytest.mark.parametrize(
    ("term_change", "meetings"),
    [
        ({}, [("mon", "10:15", "11:15")]),  # off the 30-minute grid
        ({"group_types.0.meetings_per_week": 2}, [("mon", "10:00", "11:00")]),  # too few
        ({"group_types.0.meetings_per_week": 2}, [("mon", "10:00", "11:00")] * 2),  # same day
        (
            {"group_types.0.meetings_per_week": 2},
            [("mon", "10:00", "11:00"), ("tue", "11:00", "12:00")],  # two start times
        ),
        ({"calendar.close": "15:00"}, [("mon", "14:30", "15:30")]),  # after closing
        ({"calendar.days": ["tue", "wed"]}, [("mon", "10:00", "11:00")]),  # not a clinic day
        ({"group_types.0.windows": [window("mon", "10:30", "12:00")]}, None),  # outside windows
        (  # windows are not merged: 10:00-11:00 straddles two touching windows
            {
                "group_types.0.windows": [
                    window("mon", "09:00", "10:30"),
                    window("mon", "10:30", "12:00"),
                ]
            },
            None,
        ),
    ],
)
def test_h3_fails(term_change: dict[str, Any], meetings: list[tuple[str, str, str]] | None) -> None:
    term = onsite()
    for path, value in term_change.items():
        term = set_path(term, path, value)
    assert rules(*build(term, [section(meetings=meetings)])) == {"H3"}


def test_h3_type_window_passes_when_inside_one() -> None:
    term = set_path(onsite(), "group_types.0.windows", [window("mon", "10:00", "11:00")])
    assert rules(*build(term, [section()])) == set()


def test_shape_end_not_start_plus_duration() -> None:
    term, schedule = build(onsite(), [section(meetings=[("mon", "10:00", "11:30")])])
    assert rules(term, schedule) == {"SHAPE"}


def test_shape_room_on_outing_and_unknown_ids() -> None:
    assert rules(*build(outing(), [out_section(room="r1")])) == {"SHAPE"}
    assert rules(*build(outing(), [out_section(vehicle=None)])) == {"SHAPE"}
    assert rules(*build(onsite(), [section(vehicle="v9")])) == {"SHAPE"}
    term, schedule = build(onsite(), [section(members=("P1", "P2", "P3", "P99"))])
    assert "SHAPE" in rules(term, schedule)  # no crash on a dangling id


# --- H4 rooms ----------------------------------------------------------------------------------


def test_h4_rooms() -> None:
    kitchen = set_path(onsite(), "group_types.0.room_features", ["kitchen"])
    assert rules(*build(kitchen, [section()])) == {"H4"}
    assert rules(*build(set_path(kitchen, "rooms.0.features", ["kitchen"]), [section()])) == set()
    blocked = set_path(onsite(), "rooms.0.blocked", [window("mon", "10:30", "12:00")])
    assert rules(*build(blocked, [section()])) == {"H4"}
    touching = set_path(onsite(), "rooms.0.blocked", [window("mon", "11:00", "12:00")])
    assert rules(*build(touching, [section()])) == set()
    assert rules(*build(onsite(), [section(room=None)])) == {"H4"}


def test_h4_double_booked_room() -> None:
    same_room = two_sections()
    same_room[1]["room"] = "r1"
    violations = validate_schedule(*build(two_types(), same_room))
    assert {(v.rule, v.subject) for v in violations} == {("H4", "r1")}


# --- H5 staff ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("group_types.0.staff.count", 2),
        ("staff.0.role", "PEER"),
        ("group_types.0.staff.skills", ["trauma-informed"]),
        ("staff.0.available", [window("mon", "10:30", "16:00")]),
        ("staff.0.max_sessions_per_day", 0),
        ("staff.0.max_sessions_per_week", 0),
    ],
)
def test_h5_staff_fails(path: str, value: Any) -> None:
    assert rules(*build(set_path(onsite(), path, value), [section()])) == {"H5"}


def test_h5_staff_passes_with_skill_and_clash() -> None:
    term = set_path(onsite(), "group_types.0.staff.skills", ["trauma-informed"])
    term = set_path(term, "staff.0.skills", ["trauma-informed", "cooking"])
    assert rules(*build(term, [section()])) == set()
    clash = two_sections()
    clash[1]["staff"] = ["ot1"]
    assert rules(*build(two_types(), clash)) == {"H5"}
    assert rules(*build(two_types(), [section(staff=("ot1", "ot1"))])) >= {"H5"}


def test_h5_travel_counts_for_staff() -> None:
    term = set_path(outing(), "staff.0.available", [window("mon", "10:00", "16:00")])
    assert rules(*build(term, [out_section()])) == {"H5"}


# --- H6 vehicles -------------------------------------------------------------------------------


def test_h6_vehicle_availability_and_runs() -> None:
    late = set_path(outing(), "vehicles.0.available", [window("mon", "10:00", "16:00")])
    assert rules(*build(late, [out_section()])) == {"H6"}
    run_in_span = [{"day": "mon", "arrive": "09:30", "depart": "15:00"}]
    assert rules(*build(set_path(outing(), "vehicles.0.runs", run_in_span), [out_section()])) == {
        "H6"
    }
    run_outside = [{"day": "mon", "arrive": "09:00", "depart": "11:45"}]
    assert rules(*build(set_path(outing(), "vehicles.0.runs", run_outside), [out_section()])) == (
        set()
    )


def test_h6_vehicle_on_two_outings() -> None:
    term = set_path(outing(6), "group_types.0.max_sections", 2)
    term["staff"].append(set_path(term["staff"][0], "id", "ot2"))
    first = out_section()

    def second(start: str, end: str) -> Doc:
        return out_section(
            "out-2", meetings=[("mon", start, end)], staff=("ot2",), members=("P4", "P5", "P6")
        )

    assert rules(*build(term, [first, second("12:00", "13:00")])) == set()
    assert rules(*build(term, [first, second("11:00", "12:00")])) == {"H6"}


# --- H7 participants ---------------------------------------------------------------------------


def test_h7_not_requested() -> None:
    term = two_types()
    term["participants"] = term["participants"][:3]
    term["participants"][2]["requests"] = [{"group_type": "grp2", "priority": "required"}]
    sections = [section()]
    assert rules(*build(term, sections, waitlist=[wait("P3", "grp2")])) == {"H7"}


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("participants.0.available", [window("mon", "10:30", "16:00")]),
        (
            "participants.0.available",  # touching windows are not merged
            [window("mon", "09:00", "10:30"), window("mon", "10:30", "16:00")],
        ),
        ("group_types.0.allowed", {"age_bands": ["adolescent", "older-adult"]}),
        ("group_types.0.allowed", {"genders": ["M"]}),
        ("group_types.0.allowed", {"programs": ["PHP"]}),
        ("group_types.0.allowed", {"tracks_any": ["psychosis"]}),
    ],
)
def test_h7_fails(path: str, value: Any) -> None:
    assert rules(*build(set_path(onsite(), path, value), [section()])) == {"H7"}


def test_h7_allowed_lists_pass_when_matched() -> None:
    term = set_path(onsite(), "group_types.0.allowed", {"tracks_any": ["mood", "psychosis"]})
    for p in term["participants"]:
        p["tracks"] = ["trauma", "mood"]
    term = set_path(term, "group_types.0.allowed.programs", ["OP"])
    assert rules(*build(term, [section()])) == set()


def test_h7_clash_two_sections_and_travel() -> None:
    term = two_types()
    term["participants"][0]["requests"].append({"group_type": "grp2", "priority": "optional"})
    sections = two_sections()
    sections[1]["participants"].append("P1")
    sections[1]["meetings"][0].update(start="11:00", end="12:00")
    assert rules(*build(term, sections)) == set()
    sections[1]["meetings"][0].update(start="10:30", end="11:30")
    assert rules(*build(term, sections)) == {"H7"}
    twice = set_path(onsite(), "group_types.0.max_sections", 2)
    sections = [section(), section("grp-2", meetings=[("tue", "10:00", "11:00")])]
    assert rules(*build(twice, sections)) == {"H7"}
    late = set_path(outing(), "participants.0.available", [window("mon", "10:00", "16:00")])
    assert rules(*build(late, [out_section()])) == {"H7"}


# --- H8 acuity, H9 single program, H10 keep-apart -----------------------------------------------


def test_h8_high_acuity() -> None:
    term = set_path(onsite(), "group_types.0.max_high_acuity", 1)
    term = set_path(term, "participants.0.acuity", "high")
    assert rules(*build(term, [section()])) == set()
    assert rules(*build(set_path(term, "participants.1.acuity", "high"), [section()])) == {"H8"}


def test_h9_single_program() -> None:
    term = set_path(onsite(), "group_types.0.single_program", True)
    assert rules(*build(term, [section()])) == set()
    assert rules(*build(set_path(term, "participants.0.program", "IOP"), [section()])) == {"H9"}


def test_h10_keep_apart() -> None:
    term = tiny_term(4)
    term["participants"][0]["keep_apart"] = ["P4"]
    assert rules(*build(term, [section()], waitlist=[wait("P4")])) == set()
    term["participants"][3]["keep_apart"] = ["P2"]  # listed by the other side only
    keep = section(members=("P1", "P2", "P4"))
    violations = validate_schedule(*build(term, [keep], waitlist=[wait("P3")]))
    assert [(v.rule, v.message) for v in violations] == [
        ("H10", "section grp-1 holds keep-apart pair P1 and P4"),
        ("H10", "section grp-1 holds keep-apart pair P2 and P4"),
    ]


def test_h10_someone_kept_apart_from_themselves() -> None:
    term = tiny_term(4)
    assert rules(*build(term, [section()], waitlist=[wait("P4")])) == set()
    term["participants"][0]["keep_apart"] = ["P1"]  # read literally: (P1, P1) wherever P1 is
    violations = validate_schedule(*build(term, [section()], waitlist=[wait("P4")]))
    assert [(v.rule, v.message) for v in violations] == [
        ("H10", "section grp-1 holds P1, kept apart from themselves")
    ]
    alone = join(set_path(joinable(), "participants.3.keep_apart", ["P4"]))
    assert alone == [Violation("H10", "P4", "P4 is kept apart from themselves")]


# --- H11 transport -----------------------------------------------------------------------------


def test_h11_passes_self_riders_and_rides_without_meetings() -> None:
    transport = [ride(("P1", "P2")), ride(("P1",), day="tue")]
    assert rules(*build(vanriders(), [section()], transport=transport)) == set()


@pytest.mark.parametrize(
    ("term_change", "transport"),
    [
        ({}, []),  # no ride on a meeting day
        ({}, [ride(("P1",)), ride(("P1",), arrive="09:00", depart="16:00", day="mon")]),  # 2 rides
        ({}, [ride(("P1",), arrive="09:30")]),  # not an actual run
        (  # the run arrives after the meeting starts
            {"vehicles.0.runs": [{"day": "mon", "arrive": "10:30", "depart": "16:00"}]},
            [ride(("P1",), arrive="10:30")],
        ),
        (  # the run leaves before the meeting ends
            {"vehicles.0.runs": [{"day": "mon", "arrive": "09:00", "depart": "10:30"}]},
            [ride(("P1",), depart="10:30")],
        ),
        ({"vehicles.0.seats": 1}, [ride(("P1",)), ride(("P2",))]),  # pooled riders > seats
        ({"participants.0.wheelchair": True, "vehicles.0.wheelchair_seats": 0}, [ride(("P1",))]),
    ],
)
def test_h11_fails(term_change: dict[str, Any], transport: list[Doc]) -> None:
    term = vanriders()
    for path, value in term_change.items():
        term = set_path(term, path, value)
    assert rules(*build(term, [section()], transport=transport)) == {"H11"}


def test_h11_counts_travel() -> None:
    """The rider's day runs 09:30-11:30 with travel; the outing uses van v2, the ride v1."""
    term = set_path(outing(), "participants.0.transport", "van")
    term["vehicles"].append(van("v2", runs=[]))
    term = set_path(term, "vehicles.0.runs", [{"day": "mon", "arrive": "09:00", "depart": "11:45"}])
    assert (
        rules(*build(term, [out_section(vehicle="v2")], transport=[ride(("P1",), depart="11:45")]))
        == set()
    )
    term = set_path(term, "vehicles.0.runs", [{"day": "mon", "arrive": "09:00", "depart": "11:15"}])
    assert rules(
        *build(term, [out_section(vehicle="v2")], transport=[ride(("P1",), depart="11:15")])
    ) == {"H11"}


# --- SCORE and WAITLIST ------------------------------------------------------------------------


def test_score() -> None:
    term, schedule = build(onsite(), [section()])
    assert recompute_score(term, schedule) == 300
    assert rules(*build(onsite(), [section()], score=299)) == {"SCORE"}
    assert rules(*build(onsite(), [section()], bound=400)) == set()
    assert rules(*build(onsite(), [section()], bound=250)) == {"SCORE"}
    assert rules(*build(onsite(), [section()], bound=300, status="OPTIMAL")) == set()
    assert rules(*build(onsite(), [section()], bound=400, status="OPTIMAL")) == {"SCORE"}


def test_score_uses_term_weights_and_ignores_unrequested() -> None:
    term = two_types()
    term["weights"] = {"required": 7, "recommended": 3, "optional": 1}
    term["participants"][0]["requests"].append({"group_type": "grp2", "priority": "recommended"})
    sections = two_sections()
    sections[1]["participants"].append("P1")
    sections[1]["meetings"][0].update(start="11:00", end="12:00")
    assert recompute_score(*build(term, sections)) == 5 * 7 + 3


def test_waitlist() -> None:
    partial = [section(members=("P1", "P2"))]
    term = set_path(onsite(), "participants.2.requests.0.priority", "optional")
    assert rules(*build(term, partial, waitlist=[wait("P3", priority="optional")])) == set()
    assert rules(*build(term, partial)) == {"WAITLIST"}
    assert rules(*build(term, partial, waitlist=[wait("P3")])) == {"WAITLIST"}
    extra = [wait("P3", priority="optional"), wait("P1")]
    assert rules(*build(term, partial, waitlist=extra)) == {"WAITLIST"}
    twice = [wait("P3", priority="optional")] * 2
    assert rules(*build(term, partial, waitlist=twice)) == {"WAITLIST"}
    unrequested = [wait("P3", priority="optional"), wait("P2", "other")]
    assert rules(*build(term, partial, waitlist=unrequested)) == {"WAITLIST"}


def test_order_is_by_rule_then_subject() -> None:
    term = set_path(tiny_term(5), "rooms.0.capacity", 2)
    term = set_path(term, "staff.0.role", "PEER")
    violations = validate_schedule(
        *build(term, [section(members=("P1", "P2", "P3", "P4", "P5"))], score=1)
    )
    assert [v.rule for v in violations] == ["H1", "H1", "H5", "SCORE"]
    assert violations == validate_schedule(
        *build(term, [section(members=("P1", "P2", "P3", "P4", "P5"))], score=1)
    )


# --- join_violations ---------------------------------------------------------------------------


def joinable() -> Doc:
    """Section grp-1 holds P1-P3; P4 requests grp and is waitlisted."""
    return tiny_term(4)


def join(term_doc: Doc, pid: str = "P4", sections: list[Doc] | None = None, **kw: Any):
    term, schedule = build(term_doc, sections or [section()], waitlist=[wait("P4")], **kw)
    return join_violations(term, schedule, pid, "grp-1")


def test_join_clean() -> None:
    assert join(joinable()) == []


def test_join_reasons() -> None:
    full = join(set_path(joinable(), "group_types.0.max_size", 3))
    assert full == [Violation("H1", "grp-1", "section grp-1 is full (3 of 3)")]
    apart = join(set_path(joinable(), "participants.1.keep_apart", ["P4"]))
    assert apart == [Violation("H10", "P2", "keep-apart with P2 who is in section grp-1")]
    away = join(set_path(joinable(), "participants.3.available", [window("tue", "09:00", "16:00")]))
    assert [v.message for v in away] == ["P4 is not available Mon 10:00-11:00"]
    assert [v.message for v in join(joinable(), "P1")] == ["P1 is already in section grp-1"]
    high = set_path(joinable(), "group_types.0.max_high_acuity", 1)
    high = set_path(
        set_path(high, "participants.0.acuity", "high"), "participants.3.acuity", "high"
    )
    assert [v.rule for v in join(high)] == ["H8"]
    single = set_path(joinable(), "group_types.0.single_program", True)
    assert [v.rule for v in join(set_path(single, "participants.3.program", "PHP"))] == ["H9"]
    other = set_path(joinable(), "participants.3.requests.0.group_type", "grp2")
    other["group_types"].append(group_type("grp2"))
    assert [v.message for v in join(other)] == ["P4 did not request Grp"]


def test_join_clash_reason() -> None:
    term = two_types()
    term["participants"].append(
        participant("P6", requests=[{"group_type": "grp", "priority": "required"}])
    )
    term["participants"][3]["requests"].append({"group_type": "grp", "priority": "required"})
    sections = two_sections()
    sections[1]["meetings"][0].update(start="10:30", end="11:30")
    t, s = build(term, sections, waitlist=[wait("P4"), wait("P6")])
    assert join_violations(t, s, "P6", "grp-1") == []
    assert [v.message for v in join_violations(t, s, "P4", "grp-1")] == [
        "clashes with P4's section grp2-1 (Mon 10:30-11:30)"
    ]


def test_join_van_rider() -> None:
    term = joinable()
    term["vehicles"] = [van(seats=3)]
    for p in term["participants"]:
        p["transport"] = "van"
    transport = [ride(("P1", "P2", "P3"))]
    reasons = join(term, transport=transport)
    assert [v.message for v in reasons] == ["no van run on Mon covers 10:00-11:00 with a free seat"]
    # P4's own seat on the run counts as free: they may switch runs.
    assert join(term, transport=[ride(("P1", "P2", "P4"))]) == []
    term = set_path(term, "participants.3.wheelchair", True)
    term = set_path(term, "vehicles.0.wheelchair_seats", 0)
    assert [v.rule for v in join(term, transport=[ride(("P1",))])] == ["H11"]


def test_join_unknown_ids_and_index_cache() -> None:
    term, schedule = build(joinable(), [section()], waitlist=[wait("P4")])
    assert [v.rule for v in join_violations(term, schedule, "P4", "nope")] == ["SHAPE"]
    assert [v.rule for v in join_violations(term, schedule, "P99", "grp-1")] == ["SHAPE"]
    assert schedule_index(term, schedule) is schedule_index(term, schedule)
    schedule.sections[0].participants.append("P4")
    fresh = ScheduleIndex(term, schedule)
    assert [v.rule for v in join_violations(term, schedule, "P4", "grp-1", index=fresh)] == ["H7"]
