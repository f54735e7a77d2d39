"""Writing a term as a workbook or a CSV folder, atomically, in the layout the readers accept."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from models.csv_cells import safe_cell
from models.files import replace_atomically, write_bytes_atomically
from models.spreadsheet.layout import (
    CLINIC,
    CLINIC_FIELDS,
    CLINIC_HEADER,
    LIST_SHEETS,
    RUNS,
    VEHICLES,
    CellValue,
    Column,
)
from models.term import Term

Sheet = tuple[str, list[str], list[list[CellValue]]]
_HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")
_FORMATS = {dt.time: "hh:mm", dt.date: "yyyy-mm-dd"}


def _value(obj: Any, column: Column) -> Any:
    for key in column.keys:
        obj = getattr(obj, key)
    return obj


def term_sheets(term: Term) -> list[Sheet]:
    """The sheets of a term in workbook order: name, header, rows of typed cell values."""
    clinic = [[c.name, c.kind.write(_value(term, c)), c.note] for c in CLINIC_FIELDS]
    sheets: list[Sheet] = [(CLINIC, list(CLINIC_HEADER), clinic)]
    for spec in LIST_SHEETS:
        items = getattr(term, spec.name)
        rows = [[c.kind.write(_value(item, c)) for c in spec.columns] for item in items]
        sheets.append((spec.name, [c.name for c in spec.columns], rows))
        if spec is VEHICLES:
            vehicle_column, *fields = RUNS.columns
            runs = [
                [vehicle.id, *(c.kind.write(_value(run, c)) for c in fields)]
                for vehicle in term.vehicles
                for run in vehicle.runs
            ]
            sheets.append((RUNS.name, [vehicle_column.name, *(c.name for c in fields)], runs))
    return sheets


def _width(value: CellValue) -> int:
    if isinstance(value, dt.time):
        return 5
    return len(value.isoformat() if isinstance(value, dt.date) else str(value or ""))


def _workbook(term: Term) -> Workbook:
    return sheets_workbook(term_sheets(term))


def sheets_workbook(sheets: list[Sheet]) -> Workbook:
    """A workbook of ``sheets``: bold header row, frozen panes, filters, typed cells."""
    book = Workbook()
    for default in book.worksheets:
        book.remove(default)
    for name, header, rows in sheets:
        sheet = book.create_sheet(name)
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.fill = _HEADER_FILL
        for line in sheet.iter_rows(min_row=2):
            for cell in line:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # text, not a formula
                kind = dt.time if isinstance(cell.value, dt.time) else type(cell.value)
                if kind in _FORMATS:
                    cell.number_format = _FORMATS[kind]
                    cell.alignment = Alignment(horizontal="left")
        sheet.freeze_panes = "A2" if name == CLINIC else "B2"
        if rows and name != CLINIC:
            sheet.auto_filter.ref = sheet.dimensions
        for index, title in enumerate(header, start=1):
            widest = max([len(title) + 2, *(_width(row[index - 1]) for row in rows)])
            sheet.column_dimensions[get_column_letter(index)].width = min(max(widest + 2, 9), 60)
    return book


def write_term_workbook(term: Term, path: str | Path) -> None:
    """Write ``term`` as an ``.xlsx`` workbook (bold frozen headers, sized columns), atomically."""
    book = _workbook(term)
    replace_atomically(Path(path), lambda tmp: book.save(tmp))


def _text(value: CellValue) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _csv(header: list[str], rows: list[list[CellValue]], export: bool = False) -> bytes:
    """UTF-8 CSV; ``export``: for people, formula-like text neutralised (:mod:`models.csv_cells`);
    otherwise verbatim (the term's CSV folder, read back by :mod:`models.spreadsheet.reader`)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    shown = safe_cell if export else str
    writer.writerows([shown(_text(v)) for v in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")  # the BOM lets Excel see UTF-8


def write_term_csv_folder(term: Term, path: str | Path) -> None:
    """Write ``term`` as a folder of ``<sheet>.csv`` files.

    A new folder is filled under a temporary name and renamed into place; in an existing
    folder each file is replaced atomically (other files there are left alone).
    """
    path = Path(path)
    files = {f"{name}.csv": _csv(header, rows) for name, header, rows in term_sheets(term)}
    if path.is_dir():
        for name, data in files.items():
            write_bytes_atomically(path / name, data)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    try:
        for name, data in files.items():
            with (tmp / name).open("wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        tmp.chmod(0o755)
        tmp.rename(path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
