"""``otgroups term``: running a published term from the ledger.

    otgroups term publish TERM SCHEDULE [--from DATE]
    otgroups term attend SESSION_ID PARTICIPANT STATUS [--minutes N]
    otgroups term makeup PARTICIPANT --missed SESSION_ID [--within DAYS]
    otgroups term book PARTICIPANT --missed SESSION_ID --option N
    otgroups term sessions DATE [--participant P]

Each takes ``--db URL`` (default ``sqlite:///otgroups-ledger.sqlite``; a PostgreSQL URL works the
same) and ``--json`` for JSON output. Exit codes: 0 done; 1 the ledger refused (a booking that
no longer fits, a mark for someone not on the roster, a schedule that breaks a rule); 2 bad
input (unknown file, id or option, nothing published yet); 70 internal error. Errors are one
plain line; participants appear by their opaque ids only.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from ledger.attendance import STATUSES, UnknownSessionError, record
from ledger.makeups import MakeupError, MakeupOption, Search, as_dicts, book, search
from ledger.publish import PublishError, publish
from ledger.schema import DatedSession, Enrollment
from ledger.state import NothingPublishedError, RefusedError, day_schedule, published_cached
from ledger.store import DEFAULT_URL, Ledger, open_ledger
from models import format_time, load_schedule, load_term

term_app = typer.Typer(
    no_args_is_help=True,
    help="Run a published term: attendance, makeups and bookings in the ledger.",
)
out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)

F = TypeVar("F", bound=Callable[..., Any])

Db = Annotated[
    str, typer.Option("--db", metavar="URL", help="Ledger database (SQLite file or PostgreSQL).")
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
Now = Annotated[
    dt.datetime | None,
    typer.Option(
        "--now",
        formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        help="Take this as the clinic's current time (default: the clock).",
    ),
]


class _StopError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def command(f: F) -> F:
    """The ledger's refusals and bad input as one plain line and an exit code; anything else
    goes to :func:`api.cli.friendly` (imported late: api.cli registers this sub-app)."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from api.cli import friendly

        def guarded() -> Any:
            try:
                return f(*args, **kwargs)
            except _StopError as exc:
                err.print(str(exc))
                raise typer.Exit(exc.code) from None
            except (UnknownSessionError, NothingPublishedError) as exc:
                err.print(f"Input error: {exc}")
                raise typer.Exit(2) from None
            except (RefusedError, PublishError) as exc:
                err.print(f"Refused: {exc}")
                raise typer.Exit(1) from None
            except ArgumentError as exc:
                err.print(f"Input error: --db is not a database URL ({exc})")
                raise typer.Exit(2) from None
            except OperationalError as exc:
                err.print(f"Cannot use the ledger database: {str(exc.orig or exc).strip()}")
                raise typer.Exit(2) from None

        return friendly(guarded)()

    return wrapper  # type: ignore[return-value]


def _ledger(url: str, create: bool = False) -> Ledger:
    """The ledger at ``url``; a SQLite file must exist unless ``create``."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not create:
        path = parsed.database
        if path and path != ":memory:" and not Path(path).exists():
            raise _StopError(
                2, f"Input error: no ledger at {path}: run `otgroups term publish` first"
            )
    return open_ledger(url)


def _emit(as_json: bool, doc: Any, text: str) -> None:
    if as_json:
        print(json.dumps(doc, indent=1, default=str))
    else:
        out.print(text)


@term_app.command("publish")
@command
def publish_command(
    term_path: Annotated[Path, typer.Argument(metavar="TERM", help="Term JSON, .xlsx or CSV.")],
    schedule_path: Annotated[Path, typer.Argument(metavar="SCHEDULE")],
    from_date: Annotated[
        dt.datetime | None,
        typer.Option(
            "--from", formats=["%Y-%m-%d"], help="Effective from (default: the term's start)."
        ),
    ] = None,
    db: Db = DEFAULT_URL,
    as_json: Json = False,
) -> None:
    """Publish a schedule: enrollments, dated sessions over the term, and the waitlist."""
    term = load_term(term_path)
    schedule = load_schedule(schedule_path, term)
    ledger = _ledger(db, create=True)
    try:
        start = from_date.date() if from_date is not None else None
        number = publish(ledger, term, schedule, start)
        with ledger.read() as s:
            sessions = s.scalar(select(func.count()).select_from(DatedSession)) or 0
            enrollments = s.scalar(select(func.count()).select_from(Enrollment)) or 0
    finally:
        ledger.dispose()
    effective = start or term.term.start
    doc = {
        "version": number,
        "effective_from": effective.isoformat(),
        "sections": len(schedule.sections),
        "dated_sessions": sessions,
        "enrollments": enrollments,
        "waitlisted": len(schedule.waitlist),
    }
    _emit(
        as_json,
        doc,
        f"Published schedule v{number} from {effective}: {len(schedule.sections)} sections, "
        f"{sessions} dated sessions, {enrollments} enrollments, "
        f"{len(schedule.waitlist)} waitlisted requests.",
    )


@term_app.command("attend")
@command
def attend_command(
    session_id: Annotated[int, typer.Argument(metavar="SESSION_ID")],
    participant: Annotated[str, typer.Argument(metavar="PARTICIPANT")],
    status: Annotated[str, typer.Argument(metavar="STATUS", help=" | ".join(STATUSES))],
    minutes: Annotated[
        int | None, typer.Option("--minutes", min=0, help="Minutes attended.")
    ] = None,
    by: Annotated[str, typer.Option("--by", help="Who records the mark.")] = "",
    db: Db = DEFAULT_URL,
    as_json: Json = False,
) -> None:
    """Record attendance at a dated session (a new mark supersedes the earlier one)."""
    if status not in STATUSES:
        raise _StopError(2, f"Input error: STATUS {status!r} is not one of {', '.join(STATUSES)}")
    ledger = _ledger(db)
    try:
        mark = record(ledger, session_id, participant, status, minutes, by)
        with ledger.read() as s:
            row = s.get(DatedSession, session_id)
            assert row is not None
            where = f"{row.section} {row.date} {format_time(row.start)}-{format_time(row.end)}"
    finally:
        ledger.dispose()
    doc = {
        "attendance_id": mark.id,
        "session_id": session_id,
        "participant": participant,
        "status": mark.status,
        "minutes": mark.minutes,
    }
    _emit(
        as_json,
        doc,
        f"Recorded {participant} {mark.status} ({mark.minutes} min) at session {session_id} "
        f"({where}).",
    )


def _search(ledger: Ledger, participant: str, missed: int, within: int, now: Any) -> Search:
    try:
        return search(ledger, participant, missed, within, now)
    except MakeupError as exc:
        raise _StopError(1, f"Refused: {exc}") from None


def _answer(found: Search, within: int) -> dict[str, Any]:
    missed = found.request.missed
    return {
        "format": "otgroups.makeup/1",
        "participant": found.request.participant.id,
        "group_type": found.request.group_type.id,
        "missed": {
            "section": missed.section,
            "date": missed.date.isoformat(),
            "session_id": missed.session_id,
        },
        "within_days": within,
        "options": as_dicts(found.options),
        "not_possible": [{"candidate": c, "reason": r} for c, r in found.rejected],
    }


@term_app.command("makeup")
@command
def makeup_command(
    participant: Annotated[str, typer.Argument(metavar="PARTICIPANT")],
    missed: Annotated[int, typer.Option("--missed", metavar="SESSION_ID", help="Missed session.")],
    within: Annotated[int, typer.Option("--within", min=0, help="Days after the missed one.")] = 14,
    now: Now = None,
    db: Db = DEFAULT_URL,
    as_json: Json = False,
) -> None:
    """Ranked makeup options for a missed session (numbered for `term book --option N`)."""
    ledger = _ledger(db)
    try:
        found = _search(ledger, participant, missed, within, now)
    finally:
        ledger.dispose()
    lines = [f"Makeups for {participant}, {found.request.missed.label()}, within {within} days:"]
    lines += [f"  {n}. {option.label()}" for n, option in enumerate(found.options, start=1)]
    if not found.options:
        lines.append("  none fits:")
        lines += [f"   - {candidate}: {reason}" for candidate, reason in found.rejected[:12]]
        if len(found.rejected) > 12:
            lines.append(f"   - … and {len(found.rejected) - 12} more (--json lists all)")
    _emit(as_json, _answer(found, within), "\n".join(lines))


@term_app.command("book")
@command
def book_command(
    participant: Annotated[str, typer.Argument(metavar="PARTICIPANT")],
    missed: Annotated[int, typer.Option("--missed", metavar="SESSION_ID", help="Missed session.")],
    option: Annotated[
        int, typer.Option("--option", metavar="N", min=1, help="Option number from `makeup`.")
    ],
    within: Annotated[int, typer.Option("--within", min=0, help="Days after the missed one.")] = 14,
    by: Annotated[str, typer.Option("--by", help="Who books it.")] = "",
    now: Now = None,
    db: Db = DEFAULT_URL,
    as_json: Json = False,
) -> None:
    """Book makeup option N (the options are computed again now, then N is booked)."""
    ledger = _ledger(db)
    try:
        found = _search(ledger, participant, missed, within, now)
        if option > len(found.options):
            raise _StopError(
                2,
                f"Input error: there is no option {option}: {participant} has "
                f"{len(found.options)} makeup option(s) for session {missed} now",
            )
        chosen: MakeupOption = found.options[option - 1]
        makeup = book(ledger, participant, missed, chosen, by)
    finally:
        ledger.dispose()
    doc = {
        "makeup_id": makeup.id,
        "participant": participant,
        "missed_session_id": missed,
        "session_id": makeup.session_id,
        "option": {"option": option, **chosen.to_json()},
    }
    _emit(
        as_json,
        doc,
        f"Booked makeup {makeup.id}: {participant} into {chosen.label(seats=False)} "
        f"(session {makeup.session_id}).",
    )


@term_app.command("sessions")
@command
def sessions_command(
    day: Annotated[dt.datetime, typer.Argument(metavar="DATE", formats=["%Y-%m-%d"])],
    participant: Annotated[
        str | None, typer.Option("--participant", help="Only this participant's sessions.")
    ] = None,
    db: Db = DEFAULT_URL,
    as_json: Json = False,
) -> None:
    """The dated sessions of a date with their ids and that date's rosters."""
    ledger = _ledger(db)
    try:
        with ledger.read() as s:
            pub = published_cached(s)
            view = {sec.id: sec for sec in day_schedule(s, day.date(), pub).sections}
            rows = s.scalars(
                select(DatedSession)
                .where(DatedSession.date == day.date())
                .order_by(DatedSession.start, DatedSession.section)
            ).all()
            listed: list[dict[str, Any]] = []
            for row in rows:
                roster = list(view[row.section].participants) if row.section in view else []
                if participant is not None and participant not in roster:
                    continue
                listed.append(
                    {
                        "session_id": row.id,
                        "section": row.section,
                        "group_type": row.group_type,
                        "kind": row.kind,
                        "start": format_time(row.start),
                        "end": format_time(row.end),
                        "room": row.room,
                        "vehicle": row.vehicle,
                        "staff": list(row.staff),
                        "cancelled": row.cancellation is not None,
                        "participants": roster,
                    }
                )
    finally:
        ledger.dispose()
    lines = [f"Sessions on {day.date()}:"] + [
        f"  {d['session_id']:>6}  {d['start']}-{d['end']}  {d['section']}"
        f"{' (cancelled)' if d['cancelled'] else ''}  {d['room'] or d['vehicle']}  "
        f"{', '.join(d['staff'])}  [{len(d['participants'])}] {' '.join(d['participants'])}"
        for d in listed
    ]
    _emit(as_json, listed, "\n".join(lines))
