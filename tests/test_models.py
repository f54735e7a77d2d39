"""Loading contract documents: a malformed-input test per error class, each naming the path and
the value; extra fields are kept; nothing is half-loaded."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from helpers import small_term_doc, tiny_schedule, tiny_term

from models import ContractError, document, load_term, parse_schedule, parse_term, write_json
from models.files import replace_atomically, write_text_atomically
from models.schedule import Schedule, Status, relative_gap
from models.schedule_checks import carry_over
from models.term_checks import misspelt_fields


def problems(doc: Any) -> list[str]:
    with pytest.raises(ContractError) as info:
        parse_term(doc)
    return [str(p) for p in info.value.problems]


def test_contract_example_loads_and_round_trips() -> None:
    term = parse_term(small_term_doc())
    again = parse_term(document(term))
    assert again == term
    assert term.calendar.open == 9 * 60 and term.participants[0].id == "P01"


def test_unknown_fields_are_kept() -> None:
    doc = tiny_term()
    doc["x_director_note"] = "keep me"
    doc["participants"][0]["x_intake"] = "2026-12-01"
    out = document(parse_term(doc))
    assert out["x_director_note"] == "keep me"
    assert out["participants"][0]["x_intake"] == "2026-12-01"


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        # unknown id, with a suggestion
        (
            lambda d: d["participants"][0]["requests"][0].update(group_type="gpr"),
            "participants[0].requests[0].group_type: unknown group type 'gpr'"
            " (did you mean 'grp'?)",
        ),
        # duplicate id
        (
            lambda d: d["participants"][1].update(id="P1"),
            "participants[1].id: duplicate id 'P1' (also participants[0])",
        ),
        # time off the clock
        (
            lambda d: d["participants"][0]["available"][0].update(start="9:00"),
            "participants[0].available[0].start: '9:00' is not a time HH:MM",
        ),
        # duration off the slot
        (
            lambda d: d["group_types"][0].update(duration_minutes=45),
            "group_types[0].duration_minutes: 45 is not a multiple of the 30-minute slot",
        ),
        # wrong enum value
        (
            lambda d: d["participants"][0].update(acuity="severe"),
            "participants[0].acuity: Input should be 'low', 'moderate' or 'high' (got 'severe')",
        ),
        # wrong type
        (
            lambda d: d["rooms"][0].update(capacity="eight"),
            "rooms[0].capacity: Input should be a valid integer",
        ),
        # missing field
        (
            lambda d: d["group_types"][0].pop("max_size"),
            "group_types[0].max_size: required field is missing",
        ),
        # window ending before it starts
        (
            lambda d: d["staff"][0]["available"][0].update(end="08:00"),
            "staff[0].available[0].end: 08:00 is not after start 09:00",
        ),
        # a second request for one type
        (
            lambda d: d["participants"][0]["requests"].append(
                {"group_type": "grp", "priority": "optional"}
            ),
            "participants[0].requests[1].group_type: second request for 'grp'",
        ),
        # keep-apart with an unknown participant
        (
            lambda d: d["participants"][0].update(keep_apart=["P9"]),
            "participants[0].keep_apart[0]: unknown participant 'P9'",
        ),
        # a date not written YYYY-MM-DD (a number was read as a Unix timestamp)
        (
            lambda d: d["term"].update(start=1798934400),
            "term.start: 1798934400 is not a date like '2027-01-04'",
        ),
        (
            lambda d: d["term"].update(closures=["2027-01-18", "20270215"]),
            "term.closures[1]: '20270215' is not a date like '2027-01-04'",
        ),
        # an empty list where one item at least is needed
        (
            lambda d: d["calendar"].update(days=[]),
            "calendar.days: empty; a value is required",
        ),
        # bad time zone
        (
            lambda d: d["clinic"].update(timezone="Mars/Olympus"),
            "clinic.timezone: unknown IANA time zone 'Mars/Olympus'",
        ),
        # run that departs before it arrives
        (
            lambda d: d.update(
                vehicles=[
                    {
                        "id": "v",
                        "seats": 4,
                        "runs": [{"day": "mon", "arrive": "15:00", "depart": "09:00"}],
                    }
                ]
            ),
            "vehicles[0].runs[0].depart: 09:00 is not after arrival 15:00",
        ),
        # wrong format
        (
            lambda d: d.update(format="otgroups.schedule/1"),
            "format: expected 'otgroups.term/1', got 'otgroups.schedule/1'",
        ),
    ],
)
def test_malformed_term_names_path_and_value(mutate, expected: str) -> None:
    doc = tiny_term(3)
    mutate(doc)
    found = problems(doc)
    assert any(expected in p for p in found), found


def test_all_problems_reported_at_once() -> None:
    doc = tiny_term(2)
    doc["participants"][0]["acuity"] = "severe"
    doc["participants"][1]["available"][0]["day"] = "tues"
    assert len(problems(doc)) == 2


def test_bad_json_names_line(tmp_path: Path) -> None:
    path = tmp_path / "term.json"
    path.write_text('{"format": "otgroups.term/1",\n "clinic": }')
    with pytest.raises(ContractError, match="line 2 column"):
        load_term(path)
    with pytest.raises(ContractError, match="file not found"):
        load_term(tmp_path / "missing.json")


def test_schedule_dangling_ids_rejected() -> None:
    term = parse_term(tiny_term(2))
    doc = {
        "format": "otgroups.schedule/1",
        "status": "FEASIBLE",
        "score": 0,
        "waitlist": [],
        "sections": [
            {
                "id": "s1",
                "group_type": "grp",
                "room": "r9",
                "staff": ["ot1"],
                "participants": ["P1", "P7"],
                "meetings": [{"day": "mon", "start": "09:00", "end": "10:00"}],
            }
        ],
    }
    with pytest.raises(ContractError) as info:
        parse_schedule(doc, term)
    messages = [str(p) for p in info.value.problems]
    assert "sections[0].room: unknown room 'r9'" in messages
    assert "sections[0].participants[1]: unknown participant 'P7'" in messages


def test_write_is_atomic_and_complete(tmp_path: Path) -> None:
    term = parse_term(tiny_term(2))
    path = tmp_path / "out" / "term.json"
    write_json(path, term)
    assert json.loads(path.read_text())["format"] == "otgroups.term/1"
    assert [p.name for p in path.parent.iterdir()] == ["term.json"]


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing_behind(tmp_path: Path) -> None:
    path = tmp_path / "manifest.csv"
    write_text_atomically(path, "old\n")

    def half(tmp: Path) -> None:
        tmp.write_text("half a fi")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        replace_atomically(path, half)
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.csv"]
    assert path.stat().st_mode & 0o777 == 0o666 & ~_current_umask()  # not mkstemp's 0600


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize(
    ("score", "bound", "expected"),
    [
        (90, 100, 0.1),
        (100, 100, 0.0),
        (105, 100, 0.0),  # never negative
        (0, 0, 0.0),
        (90, None, None),
    ],
)
def test_relative_gap_is_one_definition(score: int, bound: int | None, expected) -> None:
    assert relative_gap(score, bound) == (None if expected is None else pytest.approx(expected))
    schedule = Schedule(status=Status.FEASIBLE, score=score, bound=bound, sections=[], waitlist=[])
    assert schedule.gap == relative_gap(score, bound)
    assert relative_gap(None, bound) is None


def test_a_misspelt_field_is_named_and_an_extension_is_not() -> None:
    doc = tiny_term(3)
    doc["participants"][1]["keep_appart"] = ["P1"]  # a typo that would drop a rule
    doc["participants"][2]["x_referral_source"] = "clinic"  # an extension: kept, not named
    doc["group_types"][0]["max_sizee"] = 4
    found = [str(p) for p in misspelt_fields(parse_term(doc))]
    assert found == [
        "group_types[0].max_sizee: not a contract field (did you mean 'max_size'?); it is not used",
        "participants[1].keep_appart: not a contract field (did you mean 'keep_apart'?); "
        "it is not used",
    ]
    assert list(misspelt_fields(parse_term(tiny_term(3)))) == []


def test_carry_over_keeps_what_the_term_has_and_names_the_rest() -> None:
    term = parse_term(tiny_term(3))
    doc = tiny_schedule()
    same, note = carry_over(parse_schedule(doc), term, "today.json")
    assert note is None and same.sections == parse_schedule(doc).sections
    doc["sections"][0].update(room="gone-room", staff=["ot1", "ot9"], participants=["P1", "P7"])
    kept, note = carry_over(parse_schedule(doc), term, "today.json")
    assert kept.sections[0].room is None and kept.sections[0].staff == ["ot1"]
    assert kept.sections[0].participants == ["P1"]
    assert note == (
        "today.json names what the term no longer has (1 room (gone-room); 1 staff member (ot9); "
        "1 participant (P7)): their places are not kept"
    )


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("term.xls", "an old-format Excel file: save it as an Excel Workbook (.xlsx)"),
        ("term.ods", "an OpenDocument spreadsheet: save it as an Excel Workbook (.xlsx)"),
        ("participants.csv", "one CSV file: a term in CSV is a folder of files, one per sheet"),
    ],
)
def test_a_file_that_is_not_a_term_says_what_to_do(tmp_path: Path, name: str, said: str) -> None:
    """Read as JSON these failed with a codec error ('utf-8' codec can't decode byte 0x87)."""
    path = tmp_path / name
    path.write_bytes(b"\xd0\xcf\x11\xe0 not json")
    with pytest.raises(ContractError) as caught:
        load_term(path)
    assert said in str(caught.value.problems[0])
