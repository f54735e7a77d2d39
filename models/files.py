"""Reading and writing contract documents: parse at the edge, write atomically."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from models.errors import ContractError, Problem, problems_from_validation
from models.records import RECORDS_FORMAT, Records
from models.records_checks import records_problems
from models.schedule import SCHEDULE_FORMAT, Schedule
from models.schedule_checks import schedule_problems
from models.term import TERM_FORMAT, Term
from models.term_checks import term_problems


def read_json(path: Path) -> Any:
    """Parse a JSON file; a syntax error names the line and column."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContractError(str(path), [Problem("", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ContractError(str(path), [Problem("", f"cannot read: {exc}")]) from None
    return loads(text, str(path))


def loads(text: str | bytes, source: str) -> Any:
    """Parse JSON text read from ``source``; anything unreadable is a :class:`ContractError`
    naming the source (a syntax error: its line and column)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        problem = Problem("", f"not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}")
        raise ContractError(source, [problem]) from None
    except RecursionError:
        raise ContractError(source, [Problem("", "JSON nested too deeply")]) from None
    except ValueError as exc:  # not UTF-8 bytes, an integer of thousands of digits
        raise ContractError(source, [Problem("", f"not usable JSON: {exc}")]) from None


def _check_format(data: Any, expected: str, source: str) -> None:
    if not isinstance(data, dict):
        raise ContractError(source, [Problem("", "expected a JSON object at the top level")])
    if "format" not in data:
        raise ContractError(source, [Problem("format", f"missing; expected {expected!r}")])
    if data["format"] != expected:
        found = data["format"]
        raise ContractError(source, [Problem("format", f"expected {expected!r}, got {found!r}")])


def parse_term(data: Any, source: str = "term") -> Term:
    """A checked :class:`Term` from a decoded document, or :class:`ContractError`."""
    _check_format(data, TERM_FORMAT, source)
    try:
        term = Term.model_validate(data)
    except ValidationError as exc:
        raise ContractError(source, problems_from_validation(exc)) from None
    problems = term_problems(term)
    if problems:
        raise ContractError(source, problems)
    return term


def parse_schedule(data: Any, term: Term | None = None, source: str = "schedule") -> Schedule:
    """A :class:`Schedule`, its ids checked against ``term`` when given."""
    _check_format(data, SCHEDULE_FORMAT, source)
    try:
        schedule = Schedule.model_validate(data)
    except ValidationError as exc:
        raise ContractError(source, problems_from_validation(exc)) from None
    if term is not None:
        problems = schedule_problems(schedule, term)
        if problems:
            raise ContractError(source, problems)
    return schedule


def parse_records(data: Any, term: Term, source: str = "records") -> Records:
    """A :class:`Records` document, its ids checked against ``term``."""
    _check_format(data, RECORDS_FORMAT, source)
    try:
        records = Records.model_validate(data)
    except ValidationError as exc:
        raise ContractError(source, problems_from_validation(exc)) from None
    problems = records_problems(records, term)
    if problems:
        raise ContractError(source, problems)
    return records


def load_records(path: str | Path, term: Term) -> Records:
    """Load a records JSON file, checking its ids against ``term``."""
    path = Path(path)
    return parse_records(read_json(path), term, source=str(path))


NOT_A_TERM_FILE = {
    ".xls": "an old-format Excel file: save it as an Excel Workbook (.xlsx) and use that",
    ".ods": "an OpenDocument spreadsheet: save it as an Excel Workbook (.xlsx) and use that",
    ".csv": "one CSV file: a term in CSV is a folder of files, one per sheet "
    "(otgroups convert term.json FOLDER writes one to start from)",
}
"""Files people try as a term, and what to do instead (read as JSON they fail obscurely)."""


def load_term(path: str | Path) -> Term:
    """Load a term from JSON, an ``.xlsx`` workbook or a folder of CSV files."""
    path = Path(path)
    if path.is_dir():
        from models.spreadsheet import read_term_csv_folder

        return read_term_csv_folder(path)
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        from models.spreadsheet import read_term_workbook

        return read_term_workbook(path)
    if path.suffix.lower() in NOT_A_TERM_FILE:
        raise ContractError(str(path), [Problem("", NOT_A_TERM_FILE[path.suffix.lower()])])
    return parse_term(read_json(path), source=str(path))


def load_schedule(path: str | Path, term: Term | None = None) -> Schedule:
    """Load a schedule JSON file, checking its ids against ``term`` when given."""
    path = Path(path)
    return parse_schedule(read_json(path), term, source=str(path))


def document(model: BaseModel) -> dict[str, Any]:
    """The JSON-ready contract document of a model (times as ``HH:MM``, dates ISO)."""
    return model.model_dump(mode="json", exclude_none=False)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def replace_atomically(path: str | Path, write: Callable[[Path], object]) -> None:
    """Fill a temporary file beside ``path`` with ``write``, then rename it over ``path``: a
    reader sees the old file or the new one, never half, and a failed write leaves nothing
    behind. The file gets the usual mode (the umask's), not a temporary file's 0600."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        try:
            os.fchmod(fd, 0o666 & ~_umask())
        finally:
            os.close(fd)
        write(tmp)
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes_atomically(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through :func:`replace_atomically`."""
    replace_atomically(path, lambda tmp: tmp.write_bytes(data))


def write_text_atomically(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8, line ends as given) through :func:`replace_atomically`."""
    write_bytes_atomically(path, text.encode("utf-8"))


def write_json(path: str | Path, payload: BaseModel | dict[str, Any]) -> None:
    """Write a document atomically: a reader sees the old file or the new one, never half."""
    data = document(payload) if isinstance(payload, BaseModel) else payload
    write_text_atomically(path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
