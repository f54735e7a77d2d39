"""Each hard rule, a feasible/infeasible pair: the solver places everyone when the rule allows
it, and exactly what the rule leaves room for when it binds (the optimum and why in a comment).

Every schedule is re-checked by the independent validator (``tests/solving.py``).
"""

from __future__ import annotations

import importlib

import pytest
from helpers import group_type, participant, tiny_term, van, window
from solving import placed, reasons, solved

from models import parse_term
from optimizer.diagnose import term_warnings
from optimizer.prepare import prepare

MON_9_10 = [window("mon", "09:00", "10:00")]


def ids(n: int, prefix: str = "P") -> list[str]:
    return [f"{prefix}{i + 1}" for i in range(n)]


# H1 size ------------------------------------------------------------------------------------
def test_h1_everyone_fits() -> None:
    s = solved(tiny_term(3))
    assert s.score == 300 and s.status.value == "OPTIMAL"


def test_h1_max_size_leaves_one_out() -> None:
    # One section of at most 2: two of three are placed (200).
    s = solved(tiny_term(3, group_types=[group_type(max_size=2)]))
    assert s.score == 200 and len(s.waitlist) == 1
    waiting = s.waitlist[0].participant
    assert reasons(s, waiting).startswith("the Grp section is full with required requests")


def test_h1_min_size_not_reached() -> None:
    # A single requester cannot make a section of at least 2.
    s = solved(tiny_term(1))
    assert s.score == 0 and s.sections == []
    assert "a section needs 2" in reasons(s, "P1")


def test_h1_room_capacity_binds() -> None:
    # The only room seats 2, so the section holds 2 although max_size is 4.
    doc = tiny_term(4, rooms=[{"id": "r1", "capacity": 2}])
    s = solved(doc)
    assert s.score == 200


def test_h1_vehicle_seats_count_staff() -> None:
    # Off site: 3 seats minus 1 staff leaves 2 places; 4 requesters → 2 placed.
    outing = group_type(offsite=True, travel_minutes=0, min_size=2, max_size=6)
    doc = tiny_term(4, group_types=[outing], vehicles=[van(seats=3, runs=[])])
    s = solved(doc)
    assert s.score == 200 and s.sections[0].vehicle == "v1" and s.sections[0].room is None


def test_h1_wheelchair_seats_bind_off_site() -> None:
    outing = group_type(offsite=True, min_size=1, max_size=6)
    people = [participant(pid, wheelchair=True) for pid in ids(3)]
    doc = tiny_term(
        group_types=[outing],
        participants=people,
        vehicles=[van(seats=8, wheelchair_seats=1, runs=[])],
    )
    assert solved(doc).score == 100


# H2 sections --------------------------------------------------------------------------------
def test_h2_second_section_places_all() -> None:
    doc = tiny_term(4, group_types=[group_type(max_size=2, max_sections=2)])
    s = solved(doc)
    assert s.score == 400 and len(s.sections) == 2


def test_h2_max_sections_caps() -> None:
    doc = tiny_term(4, group_types=[group_type(max_size=2, max_sections=1)])
    assert solved(doc).score == 200
    doc = tiny_term(5, group_types=[group_type(max_size=2, max_sections=2)])
    s = solved(doc)
    assert s.score == 400
    assert "both Grp sections are full with required requests" in reasons(
        s, s.waitlist[0].participant
    )


# H3 time ------------------------------------------------------------------------------------
def test_h3_two_meetings_on_distinct_days_same_start() -> None:
    doc = tiny_term(2, group_types=[group_type(meetings_per_week=2)])
    s = solved(doc)
    meetings = s.sections[0].meetings
    assert len({m.day for m in meetings}) == 2 and len({m.start for m in meetings}) == 1


def test_h3_type_window_respected() -> None:
    doc = tiny_term(2, group_types=[group_type(windows=[window("wed", "14:00", "15:30")])])
    s = solved(doc)
    m = s.sections[0].meetings[0]
    assert m.day == "wed" and m.start >= 14 * 60 and m.end <= 15 * 60 + 30


def test_h3_window_shorter_than_meeting_cannot_run() -> None:
    doc = tiny_term(2, group_types=[group_type(windows=[window("wed", "14:00", "14:30")])])
    s = solved(doc)
    assert s.score == 0 and "no start time" in reasons(s, "P1")


def test_h3_two_meetings_need_two_common_days() -> None:
    # Everyone is free on Monday only: a twice-weekly group cannot meet.
    people = [participant(pid, available=MON_9_10) for pid in ids(2)]
    doc = tiny_term(participants=people, group_types=[group_type(meetings_per_week=2)])
    assert solved(doc).score == 0


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"min_size": 5}, "a section needs at least 5 but holds at most 4"),
        ({"meetings_per_week": 6}, "meets 6 times a week on different days; the clinic is open 5"),
        ({"duration_minutes": 480}, "a 480-minute meeting is longer than the clinic day"),
        (
            {"offsite": True, "travel_minutes": 30, "duration_minutes": 390},
            "a 390-minute outing with 30 minutes travel each way is longer than the clinic day",
        ),
    ],
)
def test_h3_a_type_that_cannot_run_is_waitlisted_not_refused(change: dict, why: str) -> None:
    # Schema-valid but unsatisfiable: the term loads, the other type runs, the reason is given.
    people = [
        participant(pid, requests=[{"group_type": t, "priority": "required"} for t in "ab"])
        for pid in ids(3)
    ]
    doc = tiny_term(participants=people, group_types=[group_type("a", **change), group_type("b")])
    s = solved(doc)
    assert s.score == 300 and {t for _, t in placed(s)} == {"b"}
    assert why in reasons(s, "P1", "a")
    assert any(why in w.message for w in term_warnings(prepare(parse_term(doc))))


def test_h3_an_off_site_trip_stays_inside_opening_hours() -> None:
    # Everyone is free from 08:00, the clinic opens at 09:00: an hour's outing with 30 minutes
    # travel each way leaves at 09:00 at the earliest (meets 09:30-10:30), never at 08:30.
    early = [window("mon", "08:00", "11:00")]
    people = [participant(pid, available=early) for pid in ids(2)]
    doc = tiny_term(
        participants=people,
        group_types=[group_type(offsite=True, travel_minutes=30)],
        vehicles=[van(runs=[], available=early)],
    )
    doc["staff"][0]["available"] = early
    s = solved(doc)
    assert s.score == 200 and [m.start for m in s.sections[0].meetings] == [9 * 60 + 30]
    for who in (*doc["participants"], doc["staff"][0], doc["vehicles"][0]):
        who["available"] = [window("mon", "08:00", "10:30")]
    s = solved(doc)
    assert s.score == 0 and "travel" in reasons(s, "P1")


def test_h3_closures_outside_the_term_and_an_opening_off_the_clock_grid_are_warnings() -> None:
    doc = tiny_term(3)
    doc["term"]["closures"] = ["2026-12-25", "2027-01-15"]  # the clinic's whole holiday list
    doc["calendar"]["open"] = "08:45"
    s = solved(doc)
    assert s.score == 300 and s.sections[0].meetings[0].start % 30 == 15  # 08:45 + k × 30
    shown = [w.message for w in term_warnings(prepare(parse_term(doc)))]
    assert any(m.startswith("term.closures[0]: 2026-12-25 is outside the term") for m in shown)
    assert any(m.startswith("calendar.open: 08:45 is off the 30-minute grid") for m in shown)


def test_h3_back_to_back_meetings_from_an_opening_off_the_clock_grid(monkeypatch) -> None:
    # Open 09:10-11:10, 30-minute slots: P1's two 60-minute groups fit 09:10 and 10:10. The week
    # masks rounded 09:10 to the clock's grid and saw a clash (the bound said 100, LNS agreed).
    person = participant(
        "P1",
        available=[window("mon", "09:10", "11:10")],
        requests=[{"group_type": t, "priority": "required"} for t in ("a", "b")],
    )
    staff = [{"id": "ot1", "role": "OT", "available": [window("mon", "09:10", "11:10")]}]
    types = [group_type(t, min_size=1) for t in ("a", "b")]
    doc = tiny_term(participants=[person], group_types=types, staff=staff)
    doc["calendar"].update(days=["mon"], open="09:10", close="11:10")
    assert solved(doc).score == 200
    monkeypatch.setattr(
        importlib.import_module("optimizer.solve"), "WHOLE_MODEL_LIMIT", 0
    )  # the large-term path: LNS only
    assert solved(doc).score == 200


# H4 rooms -----------------------------------------------------------------------------------
def _two_types_same_hour(**extra) -> dict:
    people = [
        participant(pid, available=MON_9_10, requests=[{"group_type": t, "priority": "required"}])
        for pid, t in zip(ids(4), ["a", "a", "b", "b"], strict=True)
    ]
    return tiny_term(participants=people, group_types=[group_type("a"), group_type("b")], **extra)


def test_h4_one_room_one_meeting_at_a_time() -> None:
    # Both groups can only meet Mon 09:00: with one room only one runs.
    staff = [{"id": f"s{i}", "role": "OT", "available": MON_9_10} for i in range(2)]
    assert solved(_two_types_same_hour(staff=staff)).score == 200
    rooms = [{"id": "r1", "capacity": 8}, {"id": "r2", "capacity": 8}]
    assert solved(_two_types_same_hour(staff=staff, rooms=rooms)).score == 400


def test_h4_blocked_room_and_features() -> None:
    people = [participant(pid, available=MON_9_10) for pid in ids(2)]
    blocked = [{"id": "r1", "capacity": 8, "blocked": [window("mon", "09:30", "10:30")]}]
    assert solved(tiny_term(participants=people, rooms=blocked)).score == 0
    kitchen = group_type(room_features=["kitchen"])
    s = solved(tiny_term(2, group_types=[kitchen]))
    assert s.score == 0 and "no room has kitchen" in reasons(s, "P1")
    rooms = [{"id": "r1", "capacity": 8}, {"id": "k", "capacity": 6, "features": ["kitchen"]}]
    s = solved(tiny_term(2, group_types=[kitchen], rooms=rooms))
    assert s.score == 200 and s.sections[0].room == "k"


# H5 staff -----------------------------------------------------------------------------------
def test_h5_one_leader_in_one_place() -> None:
    # Two groups at the only common hour and one OT: one group runs.
    rooms = [{"id": "r1", "capacity": 8}, {"id": "r2", "capacity": 8}]
    assert solved(_two_types_same_hour(rooms=rooms)).score == 200


def test_h5_weekly_limit() -> None:
    people = [
        participant(pid, requests=[{"group_type": t, "priority": "required"}])
        for pid, t in zip(ids(4), ["a", "a", "b", "b"], strict=True)
    ]
    lone = {
        "id": "ot1",
        "role": "OT",
        "available": [*MON_9_10, window("tue", "09:00", "16:00")],
        "max_sessions_per_week": 1,
    }
    doc = tiny_term(
        participants=people, group_types=[group_type("a"), group_type("b")], staff=[lone]
    )
    assert solved(doc).score == 200
    doc["staff"][0]["max_sessions_per_week"] = 2
    assert solved(doc).score == 400


def test_h5_daily_limit() -> None:
    people = [
        participant(
            pid,
            available=[*MON_9_10, window("mon", "10:00", "12:00")],
            requests=[{"group_type": t, "priority": "required"}],
        )
        for pid, t in zip(ids(4), ["a", "a", "b", "b"], strict=True)
    ]
    ot = {
        "id": "ot1",
        "role": "OT",
        "available": [window("mon", "09:00", "16:00")],
        "max_sessions_per_day": 1,
    }
    doc = tiny_term(participants=people, group_types=[group_type("a"), group_type("b")], staff=[ot])
    assert solved(doc).score == 200
    doc["staff"][0]["max_sessions_per_day"] = 2
    assert solved(doc).score == 400


def test_h5_roles_skills_and_count() -> None:
    trauma = group_type(staff={"count": 1, "roles": ["OT"], "skills": ["trauma-informed"]})
    s = solved(tiny_term(2, group_types=[trauma]))
    assert s.score == 0 and "trauma-informed" in reasons(s, "P1")
    skilled = [
        {
            "id": "ot1",
            "role": "OT",
            "skills": ["trauma-informed"],
            "available": [window("tue", "09:00", "12:00")],
        }
    ]
    assert solved(tiny_term(2, group_types=[trauma], staff=skilled)).score == 200
    pair = group_type(staff={"count": 2, "roles": ["OT", "OTA"]})
    assert solved(tiny_term(2, group_types=[pair])).score == 0
    two = [*skilled, {"id": "ota1", "role": "OTA", "available": [window("tue", "09:00", "12:00")]}]
    s = solved(tiny_term(2, group_types=[pair], staff=two))
    assert s.score == 200 and sorted(s.sections[0].staff) == ["ot1", "ota1"]


# H6 vehicles --------------------------------------------------------------------------------
def test_h6_one_vehicle_one_outing_at_a_time() -> None:
    outings = [
        group_type("a", offsite=True, travel_minutes=30),
        group_type("b", offsite=True, travel_minutes=30),
    ]
    people = [
        participant(
            pid,
            available=[window("mon", "09:00", "11:00")],
            requests=[{"group_type": t, "priority": "required"}],
        )
        for pid, t in zip(ids(4), ["a", "a", "b", "b"], strict=True)
    ]
    staff = [
        {"id": f"s{i}", "role": "OT", "available": [window("mon", "09:00", "16:00")]}
        for i in range(2)
    ]
    doc = tiny_term(participants=people, group_types=outings, staff=staff, vehicles=[van(runs=[])])
    assert solved(doc).score == 200
    doc["vehicles"].append(van("v2", runs=[]))
    assert solved(doc).score == 400


def test_h6_vehicle_due_at_a_run() -> None:
    # The van's only free span for the outing holds its 10:00 run: no outing.
    outing = group_type(offsite=True, travel_minutes=30)
    people = [participant(pid, available=[window("mon", "09:00", "11:00")]) for pid in ids(2)]
    busy = van(runs=[{"day": "mon", "arrive": "10:00", "depart": "15:00"}])
    assert solved(tiny_term(participants=people, group_types=[outing], vehicles=[busy])).score == 0
    free = van(runs=[{"day": "mon", "arrive": "15:00", "depart": "15:30"}])
    assert (
        solved(tiny_term(participants=people, group_types=[outing], vehicles=[free])).score == 200
    )


# H7 participants ----------------------------------------------------------------------------
def test_h7_availability_with_travel() -> None:
    outing = group_type(offsite=True, travel_minutes=30)
    # 09:00–10:00 leaves no room for 30 minutes of travel on each side of an hour's outing.
    people = [participant(pid, available=MON_9_10) for pid in ids(2)]
    doc = tiny_term(participants=people, group_types=[outing], vehicles=[van(runs=[])])
    s = solved(doc)
    assert s.score == 0 and "travel" in reasons(s, "P1")
    for p in doc["participants"]:
        p["available"] = [window("mon", "09:00", "11:00")]
    assert solved(doc).score == 200


def test_h7_no_two_meetings_at_once() -> None:
    # Everyone wants both groups but is free one hour: each person gets one of them.
    people = [
        participant(
            pid,
            available=MON_9_10,
            requests=[
                {"group_type": "a", "priority": "required"},
                {"group_type": "b", "priority": "required"},
            ],
        )
        for pid in ids(4)
    ]
    rooms = [{"id": "r1", "capacity": 8}, {"id": "r2", "capacity": 8}]
    staff = [{"id": f"s{i}", "role": "OT", "available": MON_9_10} for i in range(2)]
    doc = tiny_term(
        participants=people,
        group_types=[group_type("a"), group_type("b")],
        rooms=rooms,
        staff=staff,
    )
    s = solved(doc)
    assert s.score == 400
    assert all(len([sec for sec in s.sections if pid in sec.participants]) == 1 for pid in ids(4))


def test_h7_allowed_lists() -> None:
    adults = group_type(allowed={"age_bands": ["adult"], "tracks_any": ["mood"]})
    people = [
        participant("P1", tracks=["mood"]),
        participant("P2", tracks=["mood"]),
        participant("P3", age_band="adolescent", tracks=["mood"]),
        participant("P4", tracks=["psychosis"]),
    ]
    s = solved(tiny_term(participants=people, group_types=[adults]))
    assert placed(s) == {("P1", "grp"), ("P2", "grp")}
    assert "age band adolescent" in reasons(s, "P3")
    assert "tracks mood" in reasons(s, "P4")


# H8 acuity ----------------------------------------------------------------------------------
def test_h8_high_acuity_cap() -> None:
    people = [participant(pid, acuity="high") for pid in ids(3)] + [participant("P4")]
    doc = tiny_term(participants=people, group_types=[group_type(max_high_acuity=1)])
    s = solved(doc)
    assert s.score == 200 and ("P4", "grp") in placed(s)
    doc["group_types"][0]["max_high_acuity"] = 3
    assert solved(doc).score == 400


# H9 single program --------------------------------------------------------------------------
def test_h9_single_program() -> None:
    people = [
        participant("P1", program="PHP"),
        participant("P2", program="PHP"),
        participant("P3", program="IOP"),
    ]
    doc = tiny_term(participants=people, group_types=[group_type(single_program=True)])
    s = solved(doc)
    assert placed(s) == {("P1", "grp"), ("P2", "grp")}
    assert reasons(s, "P3") == (
        "no time that suits P3 has 2 IOP requesters free together to make a section; "
        "Grp sections hold one program"
    )
    # P3 can never have company, so the data bound leaves them out: the plan is proven best.
    assert (s.bound, s.status.value) == (200, "OPTIMAL")
    doc["group_types"][0]["single_program"] = False
    assert solved(doc).score == 300


def test_h9_lone_program_is_warned_before_solving() -> None:
    people = [participant("P1", program="PHP"), participant("P2", program="PHP")]
    people.append(participant("P3", program="IOP"))
    doc = tiny_term(participants=people, group_types=[group_type(single_program=True)])
    assert [w.message for w in term_warnings(prepare(parse_term(doc)))] == [
        "Grp: 1 requester(s) are never free with enough others who may share a section "
        "(sections need 2): P3"
    ]
    doc["group_types"][0]["single_program"] = False
    assert [w.message for w in term_warnings(prepare(parse_term(doc)))] == []


def test_h9_second_program_section() -> None:
    # Two IOP requesters can make their own section when a second one is allowed.
    people = [participant(f"P{i}", program="PHP" if i < 3 else "IOP") for i in range(1, 5)]
    grp = group_type(single_program=True, max_sections=2)
    s = solved(tiny_term(participants=people, group_types=[grp]))
    assert s.score == 400 and sorted(len(x.participants) for x in s.sections) == [2, 2]


def test_h8_cap_leaves_no_section_to_form() -> None:
    # Three high-acuity requesters and one section cap of 1: no two may meet together.
    people = [participant(pid, acuity="high") for pid in ids(3)]
    doc = tiny_term(participants=people, group_types=[group_type(max_high_acuity=1)])
    s = solved(doc)
    assert (s.score, s.bound, s.status.value) == (0, 0, "OPTIMAL")
    assert "at most 1 of them high-acuity" in reasons(s, "P1")


# H10 keep-apart -----------------------------------------------------------------------------
def test_h10_keep_apart() -> None:
    people = [participant("P1", keep_apart=["P2"]), participant("P2"), participant("P3")]
    s = solved(tiny_term(participants=people))
    assert s.score == 200 and ("P3", "grp") in placed(s)
    waiting = s.waitlist[0].participant
    assert "keep-apart" in reasons(s, waiting)
    people[0]["keep_apart"] = []
    assert solved(tiny_term(participants=people)).score == 300


def test_h10_someone_kept_apart_from_themselves_joins_no_section() -> None:
    # Read literally, the pair (P1, P1) is in any section holding P1: P1 waits, with the reason.
    people = [participant("P1", keep_apart=["P1"]), participant("P2"), participant("P3")]
    s = solved(tiny_term(participants=people))
    assert s.score == 200 and ("P1", "grp") not in placed(s)
    assert "P1 is on their own keep_apart list" in reasons(s, "P1")


# H11 transport ------------------------------------------------------------------------------
def test_h11_van_seats() -> None:
    riders = [participant(pid, transport="van") for pid in ids(3)]
    doc = tiny_term(participants=riders, vehicles=[van(seats=2)])
    s = solved(doc)
    assert s.score == 200
    assert all(len(r.participants) <= 2 for r in s.transport)
    doc["vehicles"][0]["seats"] = 3
    s = solved(doc)
    assert s.score == 300 and sum(len(r.participants) for r in s.transport) == 3


def test_h11_run_must_cover_the_meeting() -> None:
    # The only run brings riders at 13:00 and takes them at 14:00; they are free until noon.
    riders = [
        participant(pid, transport="van", available=[window("mon", "09:00", "12:00")])
        for pid in ids(2)
    ]
    late = van(runs=[{"day": "mon", "arrive": "13:00", "depart": "14:00"}])
    s = solved(tiny_term(participants=riders, vehicles=[late]))
    assert s.score == 0 and "no van run covers" in reasons(s, "P1")
    early = van(runs=[{"day": "mon", "arrive": "09:00", "depart": "12:00"}])
    s = solved(tiny_term(participants=riders, vehicles=[early]))
    assert s.score == 200 and s.transport[0].participants == ["P1", "P2"]


def test_h11_wheelchair_seats_on_runs() -> None:
    riders = [participant(pid, transport="van", wheelchair=True) for pid in ids(3)]
    doc = tiny_term(participants=riders, vehicles=[van(seats=6, wheelchair_seats=2)])
    assert solved(doc).score == 200


def test_h11_riders_without_any_run_are_warned_before_the_solve() -> None:
    # A workbook without its runs sheet leaves every van without runs: every rider is
    # waitlisted, and the director hears it before the solve, not from the waitlist.
    riders = [participant(pid, transport="van") for pid in ids(3)]
    doc = tiny_term(participants=riders, vehicles=[van(runs=[])])
    assert solved(doc).score == 0
    said = [w.message for w in term_warnings(prepare(parse_term(doc)))]
    expected = (
        "vehicles: 3 participant(s) ride the van but no vehicle has a daily run, so none of "
        "them can be placed: P1, P2, P3"
    )
    assert expected in said
    doc["vehicles"] = [van()]
    assert expected not in [w.message for w in term_warnings(prepare(parse_term(doc)))]


def test_h11_a_run_listed_twice_is_one_run() -> None:
    # Rides name a run by vehicle, day and times, so the same run listed twice has its seats
    # once: two seats carry two of the three riders (the loader warns about the repeat).
    riders = [participant(pid, transport="van") for pid in ids(3)]
    monday = {"day": "mon", "arrive": "09:00", "depart": "16:00"}
    doc = tiny_term(participants=riders, vehicles=[van(seats=2, runs=[monday, dict(monday)])])
    s = solved(doc)
    assert s.score == 200 and [len(r.participants) for r in s.transport] == [2]
    said = [w.message for w in term_warnings(prepare(parse_term(doc)))]
    assert "vehicles[0].runs[1]: repeats runs[0]; it is one run, with 2 seats, not two" in said
    doc["vehicles"][0]["runs"][1]["depart"] = "15:30"  # now two runs: everyone rides
    assert solved(doc).score == 300
