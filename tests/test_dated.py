"""One date of a schedule as a schedule: the day view and the hard rules that apply to it."""

from __future__ import annotations

from datetime import date
from importlib.resources import files

import pytest

from models import load_schedule, load_term
from models.dated import day_view, term_dates, weekday
from models.validation import validate_day


@pytest.fixture(scope="module")
def demo():
    root = files("models") / "examples"
    term = load_term(str(root / "demo_clinic.json"))
    return term, load_schedule(str(root / "demo_schedule.json"), term)


def test_every_date_of_the_published_demo_keeps_every_rule(demo) -> None:
    term, schedule = demo
    dates = term_dates(term)
    assert dates[0] == term.term.start and all(d not in term.term.closures for d in dates)
    for day in dates:
        assert validate_day(term, day_view(schedule, day)) == [], day


def test_day_view_holds_that_weekday_only(demo) -> None:
    term, schedule = demo
    day = term_dates(term)[0]
    view = day_view(schedule, day)
    assert view.sections and all(
        [m.day for m in s.meetings] == [weekday(day)] for s in view.sections
    )


def test_a_makeup_over_capacity_breaks_h1_and_a_short_day_does_not(demo) -> None:
    term, schedule = demo
    day = term_dates(term)[0]
    section = next(s for s in day_view(schedule, day).sections)
    gt = term.group_type(section.group_type)
    extra = [p.id for p in term.participants if p.id not in section.participants]
    over = list(section.participants) + extra[: gt.max_size - len(section.participants) + 1]
    found = validate_day(term, day_view(schedule, day, {section.id: over}))
    assert any(v.rule == "H1" and v.subject == section.id for v in found)
    short = validate_day(term, day_view(schedule, day, {section.id: section.participants[:1]}))
    assert not any(v.rule == "H1" and v.subject == section.id for v in short)


def test_a_makeup_participant_must_be_available(demo) -> None:
    term, schedule = demo
    day = date(2027, 9, 13)
    view = day_view(schedule, day)
    section = view.sections[0]
    start = section.meetings[0].start
    away = next(
        p.id
        for p in term.participants
        if p.id not in section.participants
        and any(r.group_type == section.group_type for r in p.requests)
        and not any(w.day == weekday(day) and w.start <= start for w in p.available)
    )
    roster = {section.id: [*section.participants, away]}
    assert any(v.rule == "H7" for v in validate_day(term, day_view(schedule, day, roster)))
