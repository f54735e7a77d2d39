"""Reading a term from a workbook or a CSV folder, with errors named by sheet, row and column.

Sheets become a term document cell by cell; every cell that cannot be read is reported. The
document then goes through :func:`models.parse_term`, and each problem it finds (a JSON path such
as ``participants[3].requests[0].group_type``) is traced back to the cell it came from.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from models.errors import ContractError, Problem
from models.files import parse_term
from models.spreadsheet import cells
from models.spreadsheet.layout import (
    CLINIC,
    CLINIC_FIELDS,
    LIST_SHEETS,
    OMIT,
    RUNS,
    SHEET_ORDER,
    VEHICLES,
    Column,
    SheetSpec,
    normalize,
)
from models.term import TERM_FORMAT, Term

_LIST_REF = re.compile(r"\b(?:rooms|staff|vehicles|group_types|participants)\[\d+\]")
_REQUEST_REF = re.compile(r"\brequests\[(\d+)\]")
_LAST_STEP = re.compile(r"(?:\.[^.\[\]]*|\[\d+\])$")


@dataclass(frozen=True)
class Location:
    """A place in the workbook: a sheet, maybe a row, maybe a column (a field on ``clinic``)."""

    sheet: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        out = self.sheet if self.row is None else f"{self.sheet} row {self.row}"
        if self.column is not None:
            out += f", {'field' if self.sheet == CLINIC else 'column'} {self.column}"
        return out

    def covers(self, other: Location) -> bool:
        """True when a problem here already explains a problem at ``other``."""
        return (
            self.sheet == other.sheet
            and self.row in (None, other.row)
            and self.column in (None, other.column)
        )


@dataclass
class Table:
    """One sheet as read: its normalised header and its non-blank rows with their numbers."""

    name: str
    header: list[str] = field(default_factory=list)
    header_row: int = 1
    rows: list[tuple[int, Sequence[object]]] = field(default_factory=list)

    @classmethod
    def of(cls, name: str, raw_rows: Iterable[Sequence[object]]) -> Table:
        """The first non-blank row is the header; blank rows are skipped, numbers kept."""
        table = cls(name)
        for number, row in enumerate(raw_rows, start=1):
            if all(cells.is_blank(value) for value in row):
                continue
            if table.header:
                table.rows.append((number, row))
            else:
                table.header, table.header_row = [normalize(v) for v in row], number
        return table


class _Reader:
    """Turns tables into a term, collecting every problem with its location."""

    def __init__(self, tables: dict[str, Table], source: str, container: str) -> None:
        self.tables = tables
        self.source = source
        self.container = container  # "sheet" or "file"
        self.problems: list[tuple[Location | None, Problem]] = []
        self.flagged: list[Location] = []
        self.where: dict[str, Location] = {}

    def term(self) -> Term:
        doc: dict[str, Any] = {"format": TERM_FORMAT}
        optional = [t.name for t in (*LIST_SHEETS, RUNS) if not t.required]
        for name in self.tables:  # a missing required sheet names its typo itself
            hint = _did_you_mean(name, [n for n in optional if n not in self.tables], MISSPELT)
            if name not in SHEET_ORDER and hint:
                self._problem(
                    Location(name),
                    f"not a {self.container} of a term{hint}; rename it, or it is not read",
                )
        self._clinic(doc)
        for spec in LIST_SHEETS:
            doc[spec.name] = self._list_sheet(spec)
        self._runs(doc[VEHICLES.name])
        sheet_missing = any(where.row is None and where.column is None for where in self.flagged)
        try:  # without a whole sheet, every reference into it would be reported: check later
            term = None if sheet_missing else parse_term(doc, self.source)
        except ContractError as exc:
            for problem in exc.problems:
                self._model_problem(problem)
        else:
            if term is not None and not self.problems:
                return term
        order = {name: i for i, name in enumerate(SHEET_ORDER)}
        self.problems.sort(
            key=lambda p: (order.get(p[0].sheet, 99), p[0].row or 0) if p[0] else (100, 0)
        )
        raise ContractError(self.source, [problem for _, problem in self.problems])

    # -- problems ---------------------------------------------------------------------------

    def _problem(self, where: Location, message: str) -> None:
        """A problem found while reading cells; later problems it explains are dropped."""
        self.problems.append((where, Problem(str(where), message)))
        self.flagged.append(where)

    def _model_problem(self, problem: Problem) -> None:
        where = self._locate(problem.path)
        if where is None:
            self.problems.append((None, problem))
            return
        if any(flag.covers(where) for flag in self.flagged):
            return
        message = _LIST_REF.sub(self._row_ref, problem.message)
        message = _REQUEST_REF.sub(lambda m: f"request {int(m[1]) + 1}", message)
        if message == "required field is missing" and where.column is not None:
            message = "empty; a value is required" if where.row else "missing; a value is required"
        self.problems.append((where, Problem(str(where), message)))

    def _locate(self, path: str) -> Location | None:
        while path:
            if path in self.where:
                return self.where[path]
            path = _LAST_STEP.sub("", path)
        return None

    def _row_ref(self, match: re.Match[str]) -> str:
        where = self.where.get(match[0])
        return f"row {where.row}" if where and where.row else match[0]

    def _missing(self, name: str) -> None:
        if self.container == "file":
            message = f"required file {name}.csv is missing"
        else:
            others = [t for t in self.tables if t not in SHEET_ORDER]
            message = f"required sheet is missing{_misspelt_as(name, others)}"
        self._problem(Location(name), message)

    # -- cells ------------------------------------------------------------------------------

    def _put(self, item: dict[str, Any], column: Column, value: object, where: Location) -> None:
        """Read one cell into ``item`` at ``column.keys`` (parents are always created)."""
        *parents, key = column.keys
        for parent in parents:
            item = item.setdefault(parent, {})
        if cells.is_blank(value) and column.kind.empty is not None:
            self._problem(where, column.kind.empty)
            return
        if cells.is_blank(value):
            result = column.kind.blank
        else:
            try:
                result = column.kind.read(value)
            except cells.CellError as exc:
                self._problem(where, str(exc))
                return
        if result is not OMIT:
            item[key] = result

    def _columns(self, table: Table, spec: SheetSpec) -> dict[str, int]:
        """Column index by name; reports missing required columns and repeated ones."""
        found: dict[str, int] = {}
        known = {c.name for c in spec.columns}
        for index, name in enumerate(table.header):
            if name in found and name in known:
                where = Location(spec.name, table.header_row, name)
                self._problem(where, "the column appears twice")
            found.setdefault(name, index)
        unknown = [name for name in found if name and name not in known]
        absent = [c.name for c in spec.columns if c.name not in found and not c.required]
        for name in unknown:  # a missing required column names its typo below
            hint = _did_you_mean(name, absent, MISSPELT)
            if hint:
                self._problem(
                    Location(spec.name, table.header_row, name),
                    f"not a column of this {self.container}{hint}; rename it, or its values "
                    "are not read",
                )
        for column in spec.columns:
            if column.required and column.name not in found:
                hint = _misspelt_as(column.name, unknown)
                self._problem(
                    Location(spec.name, None, column.name), f"required column is missing{hint}"
                )
        return found

    def _table(self, spec: SheetSpec) -> Table | None:
        table = self.tables.get(spec.name)
        if table is None and spec.required:
            self._missing(spec.name)
        return table

    # -- sheets -----------------------------------------------------------------------------

    def _clinic(self, doc: dict[str, Any]) -> None:
        for top in ("clinic", "term", "calendar", "weights"):
            self.where[top] = Location(CLINIC)
        table = self.tables.get(CLINIC)
        if table is None:
            self._missing(CLINIC)
            return
        columns = {name: i for i, name in reversed(list(enumerate(table.header)))}
        if "field" not in columns or "value" not in columns:
            missing = [c for c in ("field", "value") if c not in columns]
            for name in missing:
                self._problem(Location(CLINIC), f"required column {name!r} is missing")
            return
        rows: dict[str, tuple[int | None, object]] = {}
        for number, row in table.rows:
            name = normalize(_cell(row, columns["field"]))
            if name in rows:
                where = Location(CLINIC, number, name)
                self._problem(where, f"the field appears twice (also row {rows[name][0]})")
            elif name:
                rows[name] = (number, _cell(row, columns["value"]))
        names = [c.name for c in CLINIC_FIELDS]
        for name, (line, _) in rows.items():
            hint = _did_you_mean(name, [n for n in names if n not in rows], MISSPELT)
            if name not in names and hint:
                self._problem(
                    Location(CLINIC, line, name),
                    f"not a field of a term{hint}; rename it, or its value is not read",
                )
        for column in CLINIC_FIELDS:
            row_number, value = rows.get(column.name, (None, None))
            where = Location(CLINIC, row_number, column.name)
            self.where[".".join(column.keys)] = where
            self._put(doc, column, value, where)

    def _list_sheet(self, spec: SheetSpec) -> list[dict[str, Any]]:
        self.where[spec.name] = Location(spec.name)
        table = self._table(spec)
        if table is None:
            return []
        columns = self._columns(table, spec)
        items = []
        for i, (number, row) in enumerate(table.rows):
            prefix = f"{spec.name}[{i}]"
            self.where[prefix] = Location(spec.name, number)
            item: dict[str, Any] = {}
            for column in spec.columns:
                where = Location(spec.name, number, column.name)
                self.where[".".join((prefix, *column.keys))] = where
                self._put(item, column, _cell(row, columns.get(column.name)), where)
            items.append(item)
        return items

    def _runs(self, vehicles: list[dict[str, Any]]) -> None:
        """Each row of ``runs`` joins the runs of the vehicle it names."""
        table = self._table(RUNS)
        if table is None:
            return
        columns = self._columns(table, RUNS)
        index: dict[str, int] = {}
        for i, vehicle in enumerate(vehicles):
            if "id" in vehicle:
                index.setdefault(vehicle["id"], i)
        vehicle_column, *fields = RUNS.columns
        for number, row in table.rows:
            run: dict[str, Any] = {}
            for column in fields:
                self._put(
                    run,
                    column,
                    _cell(row, columns.get(column.name)),
                    Location("runs", number, column.name),
                )
            where = Location(RUNS.name, number, vehicle_column.name)
            name = _cell(row, columns.get(vehicle_column.name))
            vehicle_id = cells.text(name) if not cells.is_blank(name) else ""
            if vehicle_id not in index:
                message = f"unknown vehicle {vehicle_id!r}{_did_you_mean(vehicle_id, index)}"
                if VEHICLES.name not in self.tables:
                    message += f" (there is no {VEHICLES.name} {self.container})"
                if not vehicle_id:
                    message = "empty; a value is required"
                if vehicle_column.name in columns:
                    self._problem(where, message)
                continue
            runs = vehicles[index[vehicle_id]].setdefault("runs", [])
            prefix = f"vehicles[{index[vehicle_id]}].runs[{len(runs)}]"
            self.where[prefix] = Location(RUNS.name, number)
            for column in fields:
                self.where[f"{prefix}.{column.name}"] = Location(RUNS.name, number, column.name)
            runs.append(run)


def _cell(row: Sequence[object], index: int | None) -> object:
    return row[index] if index is not None and index < len(row) else None


def _did_you_mean(value: str, choices: Iterable[str], cutoff: float = 0.6) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=cutoff)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _misspelt_as(value: str, found: Iterable[str]) -> str:
    """For a name that is missing: the name in the file that looks like a typo of it."""
    close = difflib.get_close_matches(value, list(found), n=1)
    return f" ({close[0]!r} is there: a typo of it?)" if close else ""


MISSPELT = 0.8
"""How close an unknown column, field or sheet name must be to a known one to be taken for a
typo of it (stricter than for a missing one: a workbook may carry notes columns of its own)."""


def read_term_workbook(path: str | Path) -> Term:
    """A checked term from an ``.xlsx`` workbook, or :class:`ContractError` naming the cells."""
    path = Path(path)
    source = str(path)
    try:
        with path.open("rb") as handle:
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
            try:
                tables: dict[str, Table] = {}
                for sheet in book.worksheets:
                    name = normalize(sheet.title)
                    if name not in tables:
                        tables[name] = Table.of(name, sheet.iter_rows(values_only=True))
            finally:
                book.close()
    except FileNotFoundError:
        raise ContractError(source, [Problem("", "file not found")]) from None
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        problem = Problem("", f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})")
        raise ContractError(source, [problem]) from None
    return _Reader(tables, source, "sheet").term()


def _csv_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        content = raw.decode("cp1252", errors="replace")  # Excel's "CSV" on Windows
    first = content.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)  # Excel writes ';' where ',' is the decimal mark
    return list(csv.reader(io.StringIO(content, newline=""), delimiter=delimiter))


def read_term_csv_folder(path: str | Path) -> Term:
    """A checked term from a folder of ``<sheet>.csv`` files, or :class:`ContractError`."""
    path = Path(path)
    source = str(path)
    if not path.is_dir():
        raise ContractError(source, [Problem("", "not a folder of CSV files")])
    tables: dict[str, Table] = {}
    for file in sorted(path.iterdir()):
        name = normalize(file.stem)
        if file.suffix.lower() == ".csv" and name in SHEET_ORDER and name not in tables:
            try:
                tables[name] = Table.of(name, _csv_rows(file))
            except (OSError, csv.Error) as exc:
                raise ContractError(source, [Problem(file.name, f"cannot read: {exc}")]) from None
    return _Reader(tables, source, "file").term()
