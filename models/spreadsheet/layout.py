"""The spreadsheet layout of a term: which sheets, which columns, and how each cell reads.

A column's :class:`Kind` turns a non-blank cell into a document value and a model value back
into a cell. A blank cell gives ``Kind.blank``: :data:`OMIT` (the model's default, or null) or an
empty list; or, for a list that must be written out (``available``, ``requests``), a problem
``Kind.empty`` names, since a cell left blank by mistake would read as "never" or "nothing".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, get_args

from models.common import DAY_NAMES
from models.spreadsheet import cells
from models.term import PRIORITIES, Acuity, AgeBand, Program, Role, Transport

CellValue = str | int | bool | dt.date | dt.time | None
OMIT: Final = object()
"""A blank cell that leaves the field out, so the model's default (or null) applies."""


@dataclass(frozen=True)
class Kind:
    """How one kind of cell reads (``read``: a non-blank cell) and is written (``write``)."""

    read: Callable[[object], Any]
    write: Callable[[Any], CellValue]
    blank: Any = OMIT
    empty: str | None = None
    """When set, a blank cell is this problem, not ``blank``."""


def _same(value: Any) -> CellValue:
    return value


def _enum(choices: tuple[str, ...]) -> Kind:
    return Kind(lambda v: cells.canon(cells.text(v), choices), _same)


def _enum_list(choices: tuple[str, ...]) -> Kind:
    return Kind(lambda v: [cells.canon(x, choices) for x in cells.split_items(v)], cells.join_items)


def _nullable(kind: Kind, empty: list[Any] | dict[str, Any]) -> Kind:
    """Blank is null; ``(none)`` is an explicit empty list (or mapping)."""

    def read(value: object) -> Any:
        if cells.text(value).lower() == cells.NONE_MARK:
            return type(empty)()
        return kind.read(value)

    def write(value: Any) -> CellValue:
        if value is None:
            return None
        return kind.write(value) if value else cells.NONE_MARK

    return Kind(read, write)


def _requests(value: object) -> list[dict[str, str]]:
    pairs = cells.pairs(value, "a request", "cooking:required")
    return [{"group_type": gt, "priority": cells.canon(pr, PRIORITIES)} for gt, pr in pairs]


def _write_requests(requests: list[Any]) -> CellValue:
    return cells.join_items(f"{r.group_type}:{r.priority}" for r in requests)


def _current(value: object) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, section in cells.pairs(value, "an enrollment", "cooking=cooking-1"):
        if key in found:
            raise cells.CellError(f"group type {key!r} is listed twice")
        found[key] = section
    return found


def _write_current(current: Mapping[str, str]) -> CellValue:
    return cells.join_items(f"{gt}={section}" for gt, section in current.items())


def _written_out(kind: Kind, example: str) -> Kind:
    """A list a blank cell must not stand for: ``(none)`` is the empty list, blank a problem."""

    def read(value: object) -> Any:
        if cells.text(value).lower() == cells.NONE_MARK:
            return []
        return kind.read(value)

    def write(value: Any) -> CellValue:
        return kind.write(value) if value else cells.NONE_MARK

    empty = f"empty; write {example}, or {cells.NONE_MARK} for none"
    return Kind(read, write, empty=empty)


TEXT = Kind(cells.text, lambda v: v or None)
INT = Kind(cells.whole_number, _same)
FLAG = Kind(cells.flag, _same)
TIME = Kind(cells.clock_time, cells.time_cell)
DATE = Kind(cells.date_value, _same)
DATES = Kind(cells.dates, lambda v: cells.join_items(d.isoformat() for d in v), blank=[])
DAY = Kind(lambda v: cells.day(cells.text(v)), lambda d: DAY_NAMES[d])
DAYS = Kind(cells.days, cells.format_days, blank=[])
LIST = Kind(cells.split_items, cells.join_items, blank=[])
WINDOWS = Kind(cells.windows, cells.format_windows, blank=[])
REQUESTS = _written_out(Kind(_requests, _write_requests), "requests like 'cooking:required'")
AVAILABLE = _written_out(WINDOWS, "windows like 'Mon 09:00-12:00'")
CURRENT = _nullable(Kind(_current, _write_current), {})
ROLES: tuple[str, ...] = get_args(Role)


@dataclass(frozen=True)
class Column:
    """One column of a list sheet (or one field row of the clinic sheet)."""

    name: str
    kind: Kind
    path: tuple[str, ...] = ()
    required: bool = False
    note: str = ""

    @property
    def keys(self) -> tuple[str, ...]:
        """Where the value sits in the item's document (``("staff", "count")``)."""
        return self.path or (self.name,)


@dataclass(frozen=True)
class SheetSpec:
    """A sheet holding one term list, one row per item."""

    name: str
    columns: tuple[Column, ...]
    required: bool = True


def _col(name: str, kind: Kind, *path: str, required: bool = False) -> Column:
    return Column(name, kind, tuple(path), required)


CLINIC = "clinic"
CLINIC_HEADER = ("field", "value", "notes")
CLINIC_FIELDS: tuple[Column, ...] = (
    Column("id", TEXT, ("clinic", "id"), True, "clinic id"),
    Column("name", TEXT, ("clinic", "name"), True, "display name"),
    Column("timezone", TEXT, ("clinic", "timezone"), True, "IANA time zone, America/Chicago"),
    Column("term_name", TEXT, ("term", "name"), True, "e.g. Winter 2027"),
    Column("term_start", DATE, ("term", "start"), True, "first day of the term, YYYY-MM-DD"),
    Column("term_end", DATE, ("term", "end"), True, "last day of the term, YYYY-MM-DD"),
    Column("closures", DATES, ("term", "closures"), False, "days shut: 2027-01-18; 2027-02-15"),
    Column("days", DAYS, ("calendar", "days"), True, "days groups run: Mon-Fri or Mon; Wed"),
    Column("open", TIME, ("calendar", "open"), True, "opening time; the slot grid starts here"),
    Column("close", TIME, ("calendar", "close"), True, "closing time; meetings end by then"),
    Column("slot_minutes", INT, ("calendar", "slot_minutes"), True, "15 or 30: start grid"),
    Column(
        "weight_required", INT, ("weights", "required"), False, "points per placed required request"
    ),
    Column(
        "weight_recommended", INT, ("weights", "recommended"), False, "points per recommended one"
    ),
    Column("weight_optional", INT, ("weights", "optional"), False, "points per optional one"),
)

ROOMS = SheetSpec(
    "rooms",
    (
        _col("id", TEXT, required=True),
        _col("name", TEXT),
        _col("capacity", INT, required=True),
        _col("features", LIST),
        _col("blocked", WINDOWS),
    ),
)
STAFF = SheetSpec(
    "staff",
    (
        _col("id", TEXT, required=True),
        _col("name", TEXT),
        _col("role", _enum(ROLES), required=True),
        _col("skills", LIST),
        _col("available", AVAILABLE, required=True),
        _col("max_sessions_per_day", INT),
        _col("max_sessions_per_week", INT),
    ),
)
VEHICLES = SheetSpec(
    "vehicles",
    (
        _col("id", TEXT, required=True),
        _col("name", TEXT),
        _col("seats", INT, required=True),
        _col("wheelchair_seats", INT),
        _col("available", AVAILABLE),
    ),
    required=False,
)
RUNS = SheetSpec(
    "runs",
    (
        _col("vehicle", TEXT, required=True),
        _col("day", DAY, required=True),
        _col("arrive", TIME, required=True),
        _col("depart", TIME, required=True),
    ),
    required=False,
)
GROUP_TYPES = SheetSpec(
    "group_types",
    (
        _col("id", TEXT, required=True),
        _col("name", TEXT),
        _col("category", TEXT),
        _col("duration_minutes", INT, required=True),
        _col("meetings_per_week", INT),
        _col("min_size", INT, required=True),
        _col("max_size", INT, required=True),
        _col("max_sections", INT, required=True),
        _col("room_features", LIST),
        _col("offsite", FLAG),
        _col("travel_minutes", INT),
        _col("staff_count", INT, "staff", "count", required=True),
        _col("staff_roles", _enum_list(ROLES), "staff", "roles", required=True),
        _col("staff_skills", LIST, "staff", "skills"),
        _col(
            "allowed_age_bands",
            _nullable(_enum_list(get_args(AgeBand)), []),
            "allowed",
            "age_bands",
        ),
        _col("allowed_genders", _nullable(LIST, []), "allowed", "genders"),
        _col(
            "allowed_programs", _nullable(_enum_list(get_args(Program)), []), "allowed", "programs"
        ),
        _col("allowed_tracks_any", _nullable(LIST, []), "allowed", "tracks_any"),
        _col("max_high_acuity", INT),
        _col("single_program", FLAG),
        _col("windows", _nullable(WINDOWS, [])),
    ),
)
PARTICIPANTS = SheetSpec(
    "participants",
    (
        _col("id", TEXT, required=True),
        _col("age_band", _enum(get_args(AgeBand)), required=True),
        _col("gender", TEXT),
        _col("program", _enum(get_args(Program)), required=True),
        _col("acuity", _enum(get_args(Acuity)), required=True),
        _col("tracks", LIST),
        _col("available", AVAILABLE, required=True),
        _col("transport", _enum(get_args(Transport))),
        _col("wheelchair", FLAG),
        _col("requests", REQUESTS, required=True),
        _col("keep_apart", LIST),
        _col("current", CURRENT),
    ),
)

LIST_SHEETS: tuple[SheetSpec, ...] = (ROOMS, STAFF, VEHICLES, GROUP_TYPES, PARTICIPANTS)
SHEET_ORDER: tuple[str, ...] = (
    CLINIC,
    "rooms",
    "staff",
    "vehicles",
    "runs",
    "group_types",
    "participants",
)


def normalize(name: object) -> str:
    """``Max Sessions Per Day`` → ``max_sessions_per_day``: how headers and sheets are matched."""
    return "_".join(cells.text(name).lower().replace("-", " ").split()) if name is not None else ""
