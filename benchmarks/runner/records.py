"""One row per run: what the child reported, re-checked here by the validator."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import asdict, dataclass, fields
from typing import Any

from benchmarks.generator.report import placement
from models import ContractError, Status, Term, parse_schedule
from models.validation import validate_schedule

SCHEDULE_STATUSES = frozenset(str(s) for s in Status)
"""Row statuses that come with a schedule; the others are ``timeout``, ``unavailable``,
``error`` (the solver raised) and ``crashed`` (the child died without a result)."""


@dataclass(frozen=True)
class RunSpec:
    """What one run is: a solver on the instance ``generate_term(size, seed)``."""

    size: int
    seed: int
    solver: str
    time_limit: float
    workers: int


@dataclass
class RunRecord:
    """One solver on one instance. Field order is the CSV column order."""

    size: int
    seed: int
    solver: str
    time_limit: float
    workers: int
    status: str
    valid: bool | None
    """The parent's validator found nothing; None when there is no schedule."""
    violations: int | None
    score: int | None
    bound: int | None
    gap: float | None
    """The schedule's relative gap (:func:`models.schedule.relative_gap`) when it has a bound."""
    seconds: float | None
    """Wall seconds of the solver call in the child (term already loaded)."""
    first_valid_seconds: float | None
    peak_mib: float | None
    placed_required: int | None
    placed_recommended: int | None
    placed_optional: int | None
    requests_required: int
    requests_recommended: int
    requests_optional: int
    process_seconds: float
    """Wall seconds of the whole child process (interpreter start, imports, load, solve)."""
    implementation: str
    note: str

    @property
    def has_schedule(self) -> bool:
        return self.status in SCHEDULE_STATUSES

    def placed(self, priority: str) -> int | None:
        value: int | None = getattr(self, f"placed_{priority}")
        return value

    def requests(self, priority: str) -> int:
        value: int = getattr(self, f"requests_{priority}")
        return value


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(RunRecord))


def build_record(
    spec: RunSpec,
    term: Term,
    payload: dict[str, Any] | None,
    *,
    process_seconds: float,
    peak_mib: float,
    timed_out: bool,
    returncode: int,
) -> RunRecord:
    """The row of one run from the child's result file (``payload``; None when it wrote none).

    The schedule is re-parsed against the term and re-validated here, so a bug in the child
    cannot pass an invalid schedule off as valid.
    """
    totals: Counter[str] = Counter(
        str(req.priority) for person in term.participants for req in person.requests
    )
    record = RunRecord(
        size=spec.size,
        seed=spec.seed,
        solver=spec.solver,
        time_limit=spec.time_limit,
        workers=spec.workers,
        status="error",
        valid=None,
        violations=None,
        score=None,
        bound=None,
        gap=None,
        seconds=None,
        first_valid_seconds=None,
        peak_mib=round(peak_mib, 1),
        placed_required=None,
        placed_recommended=None,
        placed_optional=None,
        requests_required=totals["required"],
        requests_recommended=totals["recommended"],
        requests_optional=totals["optional"],
        process_seconds=round(process_seconds, 2),
        implementation="",
        note="",
    )
    if timed_out:
        record.status = "timeout"
        record.note = f"killed by the guard after {process_seconds:.0f} s"
        return record
    if payload is None:
        record.status = "crashed"
        record.note = f"no result file; exit code {returncode}"
        return record
    record.status = str(payload.get("status", "error"))
    record.implementation = str(payload.get("implementation", ""))
    record.note = _one_line(str(payload.get("note", "")))
    if record.status == "unavailable":
        record.peak_mib = None  # nothing ran: the figure would be the bare interpreter's
    elif payload.get("peak_mib") is not None:
        record.peak_mib = round(float(payload["peak_mib"]), 1)
    if "schedule" not in payload:
        return record
    record.seconds = _round(payload.get("seconds"), 3)
    record.first_valid_seconds = _round(payload.get("first_valid_seconds"), 3)
    try:
        schedule = parse_schedule(payload["schedule"], term, source=f"{spec.solver} schedule")
    except ContractError as exc:
        record.valid, record.violations = False, len(exc.problems)
        record.note = _join(record.note, f"schedule does not parse: {_one_line(str(exc))}")
        return record
    found = validate_schedule(term, schedule)
    record.valid, record.violations = not found, len(found)
    if found:
        shown = "; ".join(f"{v.rule} {v.subject}: {v.message}" for v in found[:3])
        record.note = _join(record.note, f"{len(found)} violations: {shown}")
    if payload.get("child_violations") != len(found):
        record.note = _join(
            record.note,
            f"child reported {payload.get('child_violations')} violations, parent found "
            f"{len(found)}",
        )
    record.score, record.bound = schedule.score, schedule.bound
    most = sum(term.weights.of(r.priority) for person in term.participants for r in person.requests)
    if schedule.bound is not None and schedule.bound > most:
        record.note = _join(
            record.note, f"bound {schedule.bound:,} is above the total requested weight {most:,}"
        )
    if schedule.gap is not None:
        record.gap = round(schedule.gap, 5)
    for priority, (placed, _requested) in placement(term, schedule).items():
        setattr(record, f"placed_{priority}", placed)
    return record


def to_csv(records: list[RunRecord]) -> str:
    """The CSV text of the rows, columns in :data:`COLUMNS` order; None as an empty cell."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({k: "" if v is None else v for k, v in asdict(record).items()})
    return out.getvalue()


def _round(value: Any, digits: int) -> float | None:
    return None if value is None else round(float(value), digits)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)
