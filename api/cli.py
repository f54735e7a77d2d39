"""The ``otgroups`` command line.

Exit codes: 0 done; 1 the schedule breaks a hard rule (``validate``); 2 bad input; 3 no valid
schedule could be produced; 70 internal error. Errors are one plain paragraph, never a traceback
(``--debug`` shows one for developers).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import sys
import time
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from sqlalchemy.exc import DatabaseError

from api import LOADED
from api.audit_cli import audit_command
from api.console import err, out, styled
from api.outputs import BadOutputError, check_output
from api.progress import ProgressLine
from api.render import participant_week, print_violations, summary
from api.report_cli import report_command
from api.serve_cli import serve_command
from api.term_cli import term_app
from api.token_cli import token_app
from ledger.store import URL_VARIABLE, LedgerUrlError, NoLedgerError
from models import ContractError, Term, load_schedule, load_term, write_json
from models.schedule_checks import carry_over
from models.validation import validate_schedule
from optimizer import SolveOptions, solve
from optimizer.diagnose import term_warnings
from optimizer.prepare import prepare
from optimizer.waitlist import build_waitlist

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Group scheduling for mental-health occupational therapy programs.",
    pretty_exceptions_enable=False,
)
DEBUG = {"on": False}
PIPE_CLOSED = 141
"""The exit code of a command whose output pipe closed early (128 + SIGPIPE, as shells say)."""
MAX_OWN_TIME_SHOWN = 5
"""Participants whose week cannot hold all their groups, named before a solve; the rest are
counted (a large clinic can have dozens)."""

F = TypeVar("F", bound=Callable[..., Any])


class StopError(Exception):
    """A planned stop with a message and an exit code."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def friendly(command: F) -> F:
    """Turn input errors and surprises into a message and an exit code, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ContractError as exc:
            err.print(styled("Input error", f" in {exc}"), highlight=False)
            raise typer.Exit(2) from None
        except StopError as exc:
            err.print(str(exc), highlight=False)
            raise typer.Exit(exc.code) from None
        except NoLedgerError as exc:
            err.print(styled("Input error", f": {exc}; check --db"), highlight=False)
            raise typer.Exit(2) from None
        except LedgerUrlError as exc:
            err.print(styled("Input error", f": --db (or {URL_VARIABLE}) {exc}"), highlight=False)
            raise typer.Exit(2) from None
        except DatabaseError as exc:  # not a database file, unreachable, not migrated
            reason = str(exc.orig or exc).strip()
            err.print(styled("Cannot use the ledger database", f": {reason}"), highlight=False)
            raise typer.Exit(2) from None
        except BadOutputError as exc:
            err.print(styled("Output error", f": {exc}. Nothing was written."), highlight=False)
            raise typer.Exit(2) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:  # the reader went away (`| head`): stop quietly, as tools do
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(PIPE_CLOSED) from None
        except OSError as exc:  # a file that cannot be read or written, a network refusal
            what = f"File error {exc.filename}" if exc.filename else "System error"
            detail = f": {exc.strerror or exc}. Nothing was written."
            err.print(styled(what, detail), highlight=False)
            raise typer.Exit(2) from None
        except OverflowError as exc:  # a date or number past what the clock or database holds
            detail = f": a date or number is out of range ({exc}). Nothing was written."
            err.print(styled("Input error", detail), highlight=False)
            raise typer.Exit(2) from None
        except Exception as exc:
            if DEBUG["on"]:
                raise
            detail = (
                f" ({type(exc).__name__}): {exc}\n"
                "Nothing was written. Re-run with --debug for details and report it."
            )
            err.print(styled("Internal error", detail), highlight=False)
            raise typer.Exit(70) from None

    return wrapper  # type: ignore[return-value]


@app.callback()
def main_options(
    debug: Annotated[bool, typer.Option(help="Show tracebacks (developers).")] = False,
) -> None:
    DEBUG["on"] = debug


TimeLimit = Annotated[
    float,
    typer.Option(
        "--time-limit",
        min=0.1,
        max=7 * 24 * 3600,
        help="Seconds for the command: reading, checks and search.",
    ),
]
Workers = Annotated[int, typer.Option("--workers", min=1, help="CP-SAT worker threads.")]
Seed = Annotated[
    int, typer.Option("--seed", min=0, max=2**31 - 1, help="Random seed for the search.")
]
Log = Annotated[bool, typer.Option("--log", help="Print the CP-SAT search log.")]
CpsatParams = Annotated[
    list[str] | None,
    typer.Option(
        "--cpsat",
        metavar="NAME=VALUE",
        help="Any other CP-SAT parameter, e.g. --cpsat linearization_level=2 (repeatable).",
    ),
]


def cpsat_parameters(pairs: list[str] | None) -> dict[str, Any]:
    """``name=value`` pairs checked against CP-SAT's parameter set, values parsed as JSON."""
    from ortools.sat import sat_parameters_pb2
    from ortools.sat.python import cp_model

    from optimizer.cpsat.model import set_parameter

    fields = sat_parameters_pb2.SatParameters.DESCRIPTOR.fields_by_name
    out: dict[str, Any] = {}
    for pair in pairs or []:
        name, _, raw = pair.partition("=")
        if name not in fields or not raw:
            raise StopError(
                2, f"Input error: --cpsat {pair!r} is not NAME=VALUE of a CP-SAT parameter"
            )
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        try:
            set_parameter(cp_model.CpSolver().parameters, name, value)
        except Exception:  # CP-SAT's own refusal, whatever its type
            raise StopError(
                2, f"Input error: --cpsat {pair!r}: {_expected(fields[name])}"
            ) from None
        out[name] = value
    return out


def _expected(field: Any) -> str:
    """What a CP-SAT parameter takes, for a refused ``--cpsat`` value."""
    what = {
        field.TYPE_BOOL: "true or false",
        field.TYPE_STRING: "text",
        field.TYPE_DOUBLE: "a number",
        field.TYPE_FLOAT: "a number",
    }.get(field.type, "a whole number")
    if field.enum_type is not None:
        what = "one of " + ", ".join(v.name for v in field.enum_type.values)
    if field.is_repeated:
        return f"{field.name} takes a JSON list, each item {what}"
    return f"{field.name} takes {what}"


PROCESS: dict[str, float] = {}
"""``started``: when the ``otgroups`` process began loading, set by :func:`main`."""


def command_started() -> float:
    """When this command began (monotonic clock): for the ``otgroups`` process, when the
    ``api`` package began loading (its imports count against ``--time-limit``); for a command
    invoked inside a longer-lived process, such as the tests, now."""
    return PROCESS.get("started", time.monotonic())


MIN_SEARCH_SECONDS = 1.0
"""The search gets at least this long, however long reading and checking the term took."""


def _solve_and_check(
    term: Term,
    options: SolveOptions,
    previous_path: Path | None,
    started: float,
    quiet: bool = False,
):
    """Warn about the term, solve it and insist the schedule is valid. ``started`` (monotonic
    clock): when the command began, so that reading and checking count against the time limit
    and the command as a whole keeps to it."""
    previous = None
    if previous_path is not None:
        previous, note = carry_over(load_schedule(previous_path), term, str(previous_path))
        if note:
            err.print(styled("warning", f" {note}", "yellow"), highlight=False)
    prep = prepare(term)
    warnings = term_warnings(prep)
    crowded = [w for w in warnings if w.own_time]
    for warning in [w for w in warnings if not w.own_time] + crowded[:MAX_OWN_TIME_SHOWN]:
        err.print(styled("warning", f" {warning.message}", "yellow"), highlight=False)
    if len(crowded) > MAX_OWN_TIME_SHOWN:
        more = (
            f" and {len(crowded) - MAX_OWN_TIME_SHOWN} more participants whose week cannot hold "
            "all their groups; `otgroups explain` shows one participant's week"
        )
        err.print(styled("warning", more, "yellow"), highlight=False)
    left = max(MIN_SEARCH_SECONDS, options.time_limit - (time.monotonic() - started))
    searching = dataclasses.replace(options, time_limit=min(options.time_limit, left))
    with ProgressLine(err, enabled=not quiet and not options.log) as progress:
        result = solve(term, searching, previous=previous, progress=progress, prep=prep)
    if result.violations:
        err.print(styled("The solver produced a schedule that breaks hard rules", ":"))
        print_violations(err, result.violations)
        raise StopError(3, "Nothing was written. This is a bug: please report it with the term.")
    if result.schedule.status.value == "UNKNOWN":
        raise StopError(
            3,
            f"No schedule was found within {options.time_limit:g} s. "
            "Nothing was written; try a longer --time-limit.",
        )
    return result


@app.command("solve")
@friendly
def solve_command(
    term_path: Annotated[Path, typer.Argument(metavar="TERM", help="JSON, .xlsx or CSV folder.")],
    out_path: Annotated[Path, typer.Option("--out", help="Where to write the schedule JSON.")],
    time_limit: TimeLimit = 60.0,
    workers: Workers = 2,
    seed: Seed = 0,
    log: Log = False,
    cpsat: CpsatParams = None,
    previous: Annotated[
        Path | None,
        typer.Option("--previous", help="Today's schedule: keep people where they are."),
    ] = None,
) -> None:
    """Schedule a term and write the schedule (only if it passes the validator)."""
    started = command_started()
    check_output(out_path, term_path, previous)
    term = load_term(term_path)
    options = SolveOptions(
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        log=log,
        cpsat_parameters=cpsat_parameters(cpsat),
    )
    result = _solve_and_check(term, options, previous, started)
    write_json(out_path, result.schedule)
    out.print(summary(term, result.schedule))
    out.print(f"Schedule written to {out_path}", highlight=False)


@app.command("validate")
@friendly
def validate_command(
    term_path: Annotated[Path, typer.Argument(metavar="TERM")],
    schedule_path: Annotated[Path, typer.Argument(metavar="SCHEDULE")],
) -> None:
    """Re-check every hard rule (H1–H11), the score and the waitlist of a schedule."""
    term = load_term(term_path)
    schedule = load_schedule(schedule_path, term)
    violations = validate_schedule(term, schedule)
    if violations:
        out.print(styled("INVALID", f": {len(violations)} violation(s)"))
        print_violations(out, violations)
        raise typer.Exit(1)
    out.print(styled("VALID", f": every hard rule holds; score {schedule.score}", "bold green"))


@app.command("explain")
@friendly
def explain_command(
    term_path: Annotated[Path, typer.Argument(metavar="TERM")],
    schedule_path: Annotated[Path, typer.Argument(metavar="SCHEDULE")],
    participant: Annotated[str, typer.Argument(metavar="PARTICIPANT", help="Participant id.")],
) -> None:
    """One participant's week and why each unplaced request is unplaced."""
    term = load_term(term_path)
    schedule = load_schedule(schedule_path, term)
    ids = {p.id for p in term.participants}
    if participant not in ids:
        same = sorted(pid for pid in ids if pid.casefold() == participant.casefold())
        hint = f" (did you mean {same[0]!r}?)" if same else ""
        raise StopError(2, f"Input error: no participant {participant!r} in {term_path}{hint}")
    schedule.waitlist = build_waitlist(term, schedule, prepare(term), only={participant})
    out.print(participant_week(term, schedule, participant))


@app.command("demo")
@friendly
def demo_command(
    time_limit: TimeLimit = 30.0,
    workers: Workers = 2,
    seed: Seed = 0,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Also write the schedule JSON here.")
    ] = None,
) -> None:
    """Solve the bundled demo clinic and print a readable summary."""
    started = command_started()
    source = Path(str(files("models") / "examples" / "demo_clinic.json"))
    if out_path is not None:
        check_output(out_path, source)
    term = load_term(source)
    out.print(
        f"Demo clinic: {term.clinic.name}, {len(term.participants)} participants, "
        f"{len(term.group_types)} group types, {len(term.rooms)} rooms, "
        f"{len(term.staff)} staff, {len(term.vehicles)} vehicles",
        highlight=False,
    )
    options = SolveOptions(time_limit=time_limit, workers=workers, seed=seed)
    result = _solve_and_check(term, options, None, started)
    out.print(summary(term, result.schedule))
    if out_path is not None:
        write_json(out_path, result.schedule)
        out.print(f"Schedule written to {out_path}", highlight=False)


@app.command("convert")
@friendly
def convert_command(
    source: Annotated[Path, typer.Argument(metavar="TERM", help="JSON, .xlsx or CSV folder.")],
    target: Annotated[
        Path, typer.Argument(metavar="OUT", help=".json, .xlsx, or a folder for CSV files.")
    ],
) -> None:
    """Convert a term between JSON, an Excel workbook and a folder of CSV files."""
    from models.spreadsheet import write_term_csv_folder, write_term_workbook

    suffix = target.suffix.lower()
    check_output(target, source, folder=suffix == "")
    term = load_term(source)
    if suffix == ".json":
        write_json(target, term)
    elif suffix == ".xlsx":
        write_term_workbook(term, target)
    elif suffix == "":
        write_term_csv_folder(term, target)
    else:
        raise StopError(2, f"Input error: {target} should end in .json or .xlsx, or be a folder")
    out.print(f"Term written to {target}", highlight=False)


app.command("audit")(friendly(audit_command))
app.command("report")(friendly(report_command))
app.add_typer(term_app, name="term")
app.add_typer(token_app, name="token")
app.command("serve")(serve_command)


def main() -> None:
    """Console-script entry point."""
    PROCESS["started"] = LOADED
    app(prog_name="otgroups")


if __name__ == "__main__":  # pragma: no cover
    main()
