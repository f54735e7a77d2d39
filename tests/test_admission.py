"""Admitting a participant mid-term: placed where they fit, everyone else exactly as before."""

from __future__ import annotations

import copy
import json
from importlib.resources import files

from helpers import small_term_doc, window

from models import load_schedule, load_term, parse_term
from models.validation import validate_schedule
from optimizer import SolveOptions, solve
from optimizer.admission import _join_running, _model_types, admit


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


def test_one_newcomer_joins_running_sections_as_well_as_the_whole_type_model_does() -> None:
    """The single-newcomer path (running sections only) places the same weight as modelling the
    requested types whole with everyone pinned, for riders and walk-ins alike."""
    examples = files("models") / "examples"
    term = load_term(str(examples / "demo_clinic.json"))
    schedule = load_schedule(str(examples / "demo_schedule.json"), term)
    riders = [p for p in term.participants if p.transport == "van"][:3]
    others = [p for p in term.participants if p.transport != "van"][:3]
    placed_any = 0
    for k, like in enumerate([*riders, *others]):
        pid = f"N{k}"
        doc = json.loads(term.model_dump_json())
        person = json.loads(like.model_dump_json())
        person.update({"id": pid, "keep_apart": []})
        doc["participants"].append(person)
        grown = parse_term(doc)
        options = SolveOptions(time_limit=20)
        fast = _join_running(grown, schedule, pid, options)
        whole = _model_types(grown, schedule, [pid], options)
        assert fast.violations == [] and whole.violations == []
        assert shapes(fast.schedule, pid) == shapes(schedule, pid)
        placed = {s.group_type for s in fast.schedule.sections if pid in s.participants}
        weight = {r.group_type: grown.weights.of(r.priority) for r in like.requests}
        assert fast.schedule.score == schedule.score + sum(weight[t] for t in placed)
        assert fast.schedule.score == whole.schedule.score, like.id
        waiting = {w.group_type for w in fast.schedule.waitlist if w.participant == pid}
        assert waiting == set(weight) - placed
        placed_any += len(placed)
    assert placed_any >= 6


def test_both_paths_keep_a_newcomer_out_of_the_sections_to_avoid() -> None:
    base = small_term_doc()
    before = solve(parse_term(base), SolveOptions(time_limit=10)).schedule
    doc = copy.deepcopy(base)
    doc["participants"].append(newcomer("P13", [("social-skills", "required")]))
    term = parse_term(doc)
    options = SolveOptions(time_limit=10)
    for path in (_join_running, _model_types):
        args = (term, before, "P13") if path is _join_running else (term, before, ["P13"])
        first = path(*args, options)  # type: ignore[operator]
        (chosen,) = [s.id for s in first.schedule.sections if "P13" in s.participants]
        other = path(*args, options, {("P13", chosen)})  # type: ignore[operator]
        assert other.violations == []
        assert not any("P13" in s.participants for s in other.schedule.sections if s.id == chosen)
