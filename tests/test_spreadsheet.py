"""The spreadsheet form of a term: round trips, typed Excel cells and cell-named errors."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from models import ContractError, Term, load_term, parse_term
from models.csv_cells import safe_cell
from models.spreadsheet import (
    read_term_csv_folder,
    read_term_workbook,
    write_term_csv_folder,
    write_term_workbook,
)
from models.spreadsheet.cells import CellError, clock_time, windows
from models.spreadsheet.schedule import schedule_csv
from optimizer import SolveOptions, solve
from tests.helpers import DATA, group_type, participant, tiny_term, van, window


@pytest.fixture(scope="module")
def small() -> Term:
    return load_term(DATA / "small-term.json")


@pytest.fixture(scope="module")
def rich() -> Term:
    """Vehicles with runs, type windows, allowed lists (one explicitly empty), current."""
    outing = group_type(
        "outing",
        offsite=True,
        travel_minutes=30,
        windows=[window("tue", "10:00", "15:00"), window("thu", "10:00", "15:00")],
        allowed={"age_bands": ["adult"], "programs": ["OP", "IOP"], "tracks_any": ["mood"]},
        max_high_acuity=0,
    )
    closed = group_type(
        "closed",
        name="=HYPERLINK(1)",  # kept verbatim by the term's files, neutralised in exports
        allowed={"genders": []},
        windows=[],
        single_program=True,
    )
    people = [
        participant("P1", transport="van", wheelchair=True, tracks=["mood", "trauma"]),
        participant(
            "P2",
            requests=[
                {"group_type": "grp", "priority": "recommended"},
                {"group_type": "outing", "priority": "optional"},
            ],
            keep_apart=["P3"],
            current={"grp": "grp-1", "outing": "outing-2"},
        ),
        participant("P3", available=[window("sat", "09:30", "11:00")], current={}),
    ]
    doc = tiny_term(
        group_types=[group_type(), outing, closed],
        participants=people,
        vehicles=[van(), van("v2", seats=3, wheelchair_seats=0, runs=[])],
        weights={"required": 50, "recommended": 5, "optional": 2},
    )
    doc["calendar"]["days"] = ["mon", "tue", "wed", "thu", "fri", "sat"]
    doc["rooms"][0]["blocked"] = [window("fri", "12:00", "13:00")]
    return parse_term(doc)


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def _edit(folder: Path, sheet: str, row: int, column: str, value: str) -> None:
    """Set one cell of ``<sheet>.csv`` (row numbers as a spreadsheet shows them)."""
    rows = _rows(folder / f"{sheet}.csv")
    rows[row - 1][rows[0].index(column)] = value
    with (folder / f"{sheet}.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


def _problems(folder: Path) -> list[str]:
    with pytest.raises(ContractError) as caught:
        read_term_csv_folder(folder)
    return [str(problem) for problem in caught.value.problems]


@pytest.fixture
def folder(small: Term, tmp_path: Path) -> Path:
    path = tmp_path / "term"
    write_term_csv_folder(small, path)
    return path


# -- round trips ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["small", "rich"])
def test_workbook_round_trip(name: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    term: Term = request.getfixturevalue(name)
    write_term_workbook(term, tmp_path / "term.xlsx")
    assert read_term_workbook(tmp_path / "term.xlsx") == term
    assert load_term(tmp_path / "term.xlsx") == term
    assert [p.name for p in tmp_path.iterdir()] == ["term.xlsx"]  # no temp file left


@pytest.mark.parametrize("name", ["small", "rich"])
def test_csv_round_trip(name: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    term: Term = request.getfixturevalue(name)
    write_term_csv_folder(term, tmp_path / "term")
    assert read_term_csv_folder(tmp_path / "term") == term
    assert load_term(tmp_path / "term") == term
    write_term_csv_folder(term, tmp_path / "term")  # over an existing folder
    assert read_term_csv_folder(tmp_path / "term") == term
    assert [p.name for p in tmp_path.iterdir()] == ["term"]


def test_round_trip_is_not_vacuous(rich: Term, tmp_path: Path) -> None:
    write_term_workbook(rich, tmp_path / "term.xlsx")
    back = read_term_workbook(tmp_path / "term.xlsx")
    assert back.group_type("closed").allowed.genders == []
    assert back.group_type("closed").windows == []
    assert back.group_type("grp").windows is None
    assert back.participant("P3").current == {}
    assert back.participant("P1").current is None
    assert [r.day for r in back.vehicle("v1").runs] == ["mon", "tue", "wed", "thu", "fri"]
    assert back.weights.optional == 2
    back.participant("P2").current = {"grp": "grp-9"}
    assert back != rich


def test_written_workbook_is_pleasant(small: Term, tmp_path: Path) -> None:
    write_term_workbook(small, tmp_path / "term.xlsx")
    book = openpyxl.load_workbook(tmp_path / "term.xlsx")
    assert book.sheetnames == [
        "clinic",
        "rooms",
        "staff",
        "vehicles",
        "runs",
        "group_types",
        "participants",
    ]
    sheet = book["participants"]
    assert sheet["A1"].font.bold and sheet.freeze_panes == "B2"
    assert sheet["G2"].value == "Mon-Thu 09:00-15:30"
    assert 8 < sheet.column_dimensions["J"].width <= 60
    assert book["clinic"]["B10"].value == dt.time(9, 0)  # open, a real time cell


# -- typed cells and human spellings --------------------------------------------------------


def test_typed_excel_cells(small: Term, tmp_path: Path) -> None:
    path = tmp_path / "term.xlsx"
    write_term_workbook(small, path)
    book = openpyxl.load_workbook(path)
    clinic = book["clinic"]
    clinic["B6"] = dt.datetime(2027, 1, 4)  # term_start as a datetime
    clinic["B10"] = dt.time(9, 0)  # open as a time
    clinic["B11"] = 0.6666666666666666  # close as an unformatted Excel time (16:00)
    clinic["B12"] = 30.0  # slot_minutes as a float
    rooms = book["rooms"]
    rooms["C2"] = 10.0  # capacity as a float
    runs = book["runs"]
    runs["C2"] = dt.datetime(1899, 12, 30, 9, 0)  # arrive as Excel's datetime of a time
    runs["D2"] = dt.timedelta(hours=15, minutes=30)
    participants = book["participants"]
    participants["I2"] = False  # wheelchair as a bool cell
    book.save(path)
    assert read_term_workbook(path) == small


def test_headers_sheets_and_values_as_people_type_them(small: Term, folder: Path) -> None:
    rows = _rows(folder / "participants.csv")
    rows[0] = [h.replace("_", " ").title() for h in rows[0]] + ["Notes"]
    rows[1] += ["likes the garden"]
    rows[1][rows[0].index("Available")] = "monday 9-15:30, TUE 9:00–3:30pm; wed-thu 9am - 3:30pm"
    rows[1][rows[0].index("Program")] = "php"
    rows[1][rows[0].index("Requests")] = (
        "social-skills: Required; cooking = recommended; trauma-recovery:required"
    )
    (folder / "participants.csv").unlink()
    with (folder / "Participants.CSV").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(rows)
    assert read_term_csv_folder(folder) == small


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [("09:00", 540), ("9", 540), ("9:30", 570), ("1:30pm", 810), ("12am", 0), ("23:59", 1439)],
)
def test_clock_times(typed: str, minutes: int) -> None:
    assert clock_time(typed) == minutes


@pytest.mark.parametrize("typed", ["24:00", "9:60", "13pm", "nine", "9:00:30"])
def test_bad_clock_times(typed: str) -> None:
    with pytest.raises(CellError, match="is not a time like '09:00'"):
        clock_time(typed)


def test_windows_ranges_and_shared_pm() -> None:
    assert windows("Mon-Wed 1-3pm; Fri 11-1pm") == [
        {"day": d, "start": 780, "end": 900} for d in ("mon", "tue", "wed")
    ] + [{"day": "fri", "start": 660, "end": 780}]


def test_a_time_cell_off_the_minute_reads_as_excel_shows_it() -> None:
    with pytest.raises(CellError, match=r"^'09:00:34.560000' is not a time like '09:00'"):
        clock_time(dt.time(9, 0, 34, 560000))
    with pytest.raises(CellError, match=r"^'26 hours' is not a time"):
        clock_time(dt.timedelta(hours=26))


def test_days_as_the_tool_prints_them_are_read_back() -> None:
    """The summary and explain print ``Mon/Wed 10:00-11:00``: typed into a cell, it reads."""
    assert windows("Mon/Wed 09:00-12:00") == [
        {"day": d, "start": 540, "end": 720} for d in ("mon", "wed")
    ]
    assert windows("Tue-Thu/Sat 9-10") == [
        {"day": d, "start": 540, "end": 600} for d in ("tue", "wed", "thu", "sat")
    ]
    with pytest.raises(CellError, match="'Mon/Funday 9-10' is not a window"):
        windows("Mon/Funday 9-10")


# -- errors name sheet, row and column -------------------------------------------------------


def test_bad_window(folder: Path) -> None:
    _edit(folder, "participants", 13, "available", "Mon 9-12x; Tue 9-12")
    assert _problems(folder) == [
        "participants row 13, column available: 'Mon 9-12x' is not a window like 'Mon 09:00-12:00'"
    ]


def test_bad_time(folder: Path) -> None:
    _edit(folder, "runs", 3, "arrive", "9:75")
    assert _problems(folder) == ["runs row 3, column arrive: '9:75' is not a time like '09:00'"]


def test_unknown_group_type_in_requests(folder: Path) -> None:
    _edit(folder, "participants", 4, "requests", "social-skills:recommended; cookng:optional")
    assert _problems(folder) == [
        "participants row 4, column requests: unknown group type 'cookng' (did you mean 'cooking'?)"
    ]


def test_missing_column(folder: Path) -> None:
    rows = _rows(folder / "staff.csv")
    rows[0][rows[0].index("role")] = "rol"
    with (folder / "staff.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    assert _problems(folder) == [
        "staff, column role: required column is missing ('rol' is there: a typo of it?)"
    ]


def test_missing_sheet(small: Term, tmp_path: Path) -> None:
    path = tmp_path / "term.xlsx"
    write_term_workbook(small, path)
    book = openpyxl.load_workbook(path)
    book["group_types"].title = "grouptypes"
    book.save(path)
    with pytest.raises(ContractError) as caught:
        read_term_workbook(path)
    messages = [str(p) for p in caught.value.problems]
    assert messages == [
        "group_types: required sheet is missing ('grouptypes' is there: a typo of it?)"
    ]


def _rename(folder: Path, sheet: str, old: str, new: str) -> None:
    rows = _rows(folder / f"{sheet}.csv")
    rows[0][rows[0].index(old)] = new
    with (folder / f"{sheet}.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


def test_a_misspelt_optional_column_is_named_not_dropped(folder: Path) -> None:
    """A typo in an optional column's header would drop a clinical rule for everyone (every
    keep-apart pair, every room block) without a word; a column of the clinic's own is kept
    quiet."""
    _rename(folder, "participants", "keep_apart", "keep_appart")
    _rename(folder, "rooms", "blocked", "blockd")
    assert _problems(folder) == [
        "rooms row 1, column blockd: not a column of this file (did you mean 'blocked'?); "
        "rename it, or its values are not read",
        "participants row 1, column keep_appart: not a column of this file (did you mean "
        "'keep_apart'?); rename it, or its values are not read",
    ]
    _rename(folder, "participants", "keep_appart", "keep_apart")
    _rename(folder, "rooms", "blockd", "notes")
    assert read_term_csv_folder(folder).participant("P02").keep_apart


def test_a_misspelt_clinic_field_or_optional_sheet_is_named(small: Term, tmp_path: Path) -> None:
    path = tmp_path / "term.xlsx"
    write_term_workbook(small, path)
    book = openpyxl.load_workbook(path)
    book["runs"].title = "run"
    clinic = book["clinic"]
    for row in clinic.iter_rows():
        if row[0].value == "weight_optional":
            row[0].value = "weight_optinal"
    book.save(path)
    with pytest.raises(ContractError) as caught:
        read_term_workbook(path)
    assert [str(p) for p in caught.value.problems] == [
        "clinic row 15, field weight_optinal: not a field of a term (did you mean "
        "'weight_optional'?); rename it, or its value is not read",
        "run: not a sheet of a term (did you mean 'runs'?); rename it, or it is not read",
    ]


def test_a_blank_availability_or_request_cell_is_not_never(folder: Path, small: Term) -> None:
    """Blank reads as a cell forgotten, not as "never available"; (none) says it on purpose."""
    _edit(folder, "staff", 2, "available", "")
    _edit(folder, "vehicles", 2, "available", "")
    _edit(folder, "participants", 3, "requests", " ")
    assert _problems(folder) == [
        "staff row 2, column available: empty; write windows like 'Mon 09:00-12:00', or "
        "(none) for none",
        "vehicles row 2, column available: empty; write windows like 'Mon 09:00-12:00', or "
        "(none) for none",
        "participants row 3, column requests: empty; write requests like 'cooking:required', "
        "or (none) for none",
    ]
    _edit(folder, "staff", 2, "available", "(none)")
    _edit(folder, "vehicles", 2, "available", "(none)")
    _edit(folder, "participants", 3, "requests", "(None)")
    back = read_term_csv_folder(folder)
    assert back.staff[0].available == [] and back.participants[1].requests == []
    write_term_csv_folder(back, folder)  # written back as (none): the round trip holds
    assert _rows(folder / "staff.csv")[1][_rows(folder / "staff.csv")[0].index("available")] == (
        "(none)"
    )
    assert read_term_csv_folder(folder) == back


def test_a_number_in_a_time_cell_is_not_midnight(small: Term, tmp_path: Path) -> None:
    """Excel counts days in a cell formatted as a time: 9 typed there is 9 days (it shows
    00:00), read before as midnight without a word."""
    path = tmp_path / "term.xlsx"
    write_term_workbook(small, path)
    book = openpyxl.load_workbook(path)
    book["runs"]["C2"] = 9
    book["runs"]["C2"].number_format = "hh:mm"
    book.save(path)
    with pytest.raises(ContractError) as caught:
        read_term_workbook(path)
    assert [str(p) for p in caught.value.problems] == [
        "runs row 2, column arrive: 9 in a time cell is 9 days to Excel, not a time of day; "
        "type the time like '09:00'"
    ]


def test_missing_csv_file(folder: Path) -> None:
    (folder / "rooms.csv").unlink()
    assert _problems(folder) == ["rooms: required file rooms.csv is missing"]


def test_bad_enum_value(folder: Path) -> None:
    _edit(folder, "participants", 5, "acuity", "hgh")
    [message] = _problems(folder)
    assert message.startswith("participants row 5, column acuity: Input should be 'low'")
    assert "(got 'hgh')" in message


def test_duplicate_id(folder: Path) -> None:
    _edit(folder, "rooms", 4, "id", "group-a")
    assert _problems(folder) == ["rooms row 4, column id: duplicate id 'group-a' (also row 2)"]


def test_every_problem_is_reported_once(folder: Path) -> None:
    _edit(folder, "clinic", 10, "value", "nine")
    _edit(folder, "rooms", 2, "capacity", "ten")
    _edit(folder, "rooms", 3, "capacity", "0")
    _edit(folder, "group_types", 2, "min_size", "")
    _edit(folder, "participants", 3, "wheelchair", "maybe")
    _edit(folder, "runs", 2, "vehicle", "van-2")
    assert _problems(folder) == [
        "clinic row 10, field open: 'nine' is not a time like '09:00'",
        "rooms row 2, column capacity: 'ten' is not a whole number",
        "rooms row 3, column capacity: Input should be greater than or equal to 1 (got 0)",
        "runs row 2, column vehicle: unknown vehicle 'van-2' (did you mean 'van-1'?)",
        "group_types row 2, column min_size: empty; a value is required",
        "participants row 3, column wheelchair: 'maybe' is not yes or no",
    ]


def test_cross_field_problems_name_cells(folder: Path) -> None:
    _edit(folder, "clinic", 4, "value", "Mars/Base")
    _edit(folder, "runs", 3, "depart", "08:00")
    _edit(folder, "participants", 6, "current", "cooking=c1; nope=s")
    _edit(folder, "participants", 7, "available", "Mon 12-9")
    assert _problems(folder) == [
        "clinic row 4, field timezone: unknown IANA time zone 'Mars/Base'",
        "runs row 3, column depart: 08:00 is not after arrival 09:00",
        "participants row 6, column current: unknown group type 'nope'",
        "participants row 7, column available: 09:00 is not after start 12:00",
    ]


def test_missing_clinic_field(folder: Path) -> None:
    rows = [row for row in _rows(folder / "clinic.csv") if row[0] != "timezone"]
    with (folder / "clinic.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    assert _problems(folder) == ["clinic, field timezone: missing; a value is required"]


def test_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "term.xlsx"
    path.write_text("not a zip")
    with pytest.raises(ContractError, match=r"not a readable \.xlsx workbook"):
        read_term_workbook(path)
    with pytest.raises(ContractError, match="file not found"):
        read_term_workbook(tmp_path / "absent.xlsx")


# -- exports people open in a spreadsheet ---------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+1+cmd", "'+1+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("-2.5", "-2.5"),
        ("Art", "Art"),
        (3, 3),
        (None, None),
    ],
)
def test_formula_like_text_is_neutralised(value: object, shown: object) -> None:
    assert safe_cell(value) == shown


def test_the_schedule_export_neutralises_formulas(rich: Term) -> None:
    schedule = solve(rich, SolveOptions(time_limit=5)).schedule
    section = schedule.sections[0].model_copy(update={"group_type": "closed"})
    text = schedule_csv(rich, schedule.model_copy(update={"sections": [section]}))
    assert ",'=HYPERLINK(1)," in text.decode("utf-8-sig")
