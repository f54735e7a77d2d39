"""Admitting a participant mid-term: placed where they fit, everyone else exactly as before."""

from __future__ import annotations

import copy

from helpers import small_term_doc, window

from models import parse_term
from models.validation import validate_schedule
from optimizer import SolveOptions, solve
from optimizer.admission import admit


def newcomer(pid: str, requests: list[tuple[str, str]], **extra) -> dict:
    doc = {
        "id": pid,
        "age_band": "adult",
        "gender": "F",
        "program": "OP",
        "acuity": "low",
        "tracks": [],
        "transport": "self",
        "wheelchair": False,
        "keep_apart": [],
        "available": [window(d, "09:00", "16:00") for d in ("mon", "tue", "wed", "thu", "fri")],
        "requests": [{"group_type": t, "priority": p} for t, p in requests],
    }
    doc.update(extra)
    return doc


def shapes(schedule, without: str) -> dict:
    return {
        s.id: (
            tuple((m.day, m.start) for m in s.meetings),
            s.room,
            s.vehicle,
            tuple(s.staff),
            tuple(p for p in s.participants if p != without),
        )
        for s in schedule.sections
    }


def test_admission_places_the_newcomer_and_changes_nothing_else() -> None:
    base = small_term_doc()
    before = solve(parse_term(base), SolveOptions(time_limit=10)).schedule
    doc = copy.deepcopy(base)
    doc["participants"].append(
        newcomer("P13", [("social-skills", "required"), ("cooking", "optional")])
    )
    term = parse_term(doc)
    result = admit(term, before, ["P13"])
    after = result.schedule
    assert result.violations == [] and validate_schedule(term, after) == []
    assert shapes(after, "P13") == shapes(before, "P13")
    assert any("P13" in s.participants for s in after.sections if s.group_type == "social-skills")
    placed = {s.group_type for s in after.sections if "P13" in s.participants}
    waiting = {w.group_type for w in after.waitlist if w.participant == "P13"}
    assert placed | waiting == {"social-skills", "cooking"} and not placed & waiting


def test_a_newcomer_who_fits_nowhere_is_waitlisted_with_reasons() -> None:
    base = small_term_doc()
    before = solve(parse_term(base), SolveOptions(time_limit=10)).schedule
    doc = copy.deepcopy(base)
    doc["participants"].append(
        newcomer("P14", [("cooking", "required")], available=[window("fri", "15:00", "16:00")])
    )
    term = parse_term(doc)
    after = admit(term, before, ["P14"]).schedule
    assert shapes(after, "P14") == shapes(before, "P14")
    entry = next(w for w in after.waitlist if w.participant == "P14")
    assert entry.reasons and "P14" in " ".join(entry.reasons)
