"""``otgroups term``: running a published term from the ledger.

    otgroups term publish TERM SCHEDULE [--from DATE]
    otgroups term attend SESSION_ID PARTICIPANT STATUS [--minutes N]
    otgroups term makeup PARTICIPANT --missed SESSION_ID [--within DAYS]
    otgroups term book PARTICIPANT --missed SESSION_ID --option N
    otgroups term sessions DATE [--participant P]
    otgroups term close-day DATE [--reason R] [--dry-run] [--within DAYS]
    otgroups term admit PARTICIPANT_JSON --from DATE
    otgroups term discharge PARTICIPANT --from DATE [--reason R]
    otgroups term merge SECTION --into OTHER --from DATE
    otgroups term waitlist [list | offers | offer TYPE --from DATE | accept OFFER_ID |
                            decline OFFER_ID | expire]

Each takes ``--db URL`` (default ``$OTGROUPS_DB_URL``, else ``sqlite:///otgroups-ledger.sqlite``
in the current directory; a PostgreSQL URL works the same) and ``--json`` for JSON output. Exit
codes: 0 done; 1 the ledger refused (a booking that no longer fits, a mark for someone not on
the roster, a schedule that breaks a rule); 2 bad input (unknown file, id or option, nothing
published yet); 70 internal error. Errors are one plain line; participants appear by their
opaque ids only.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from api.cli_options import Db, Json
from api.console import lines as out
from api.console import lines_err as err
from api.ledger_views import dated_sessions, makeup_answer, publish_summary
from api.logistics_cli import logistics_app
from api.outputs import check_output, ledger_file
from ledger.admissions import UnknownParticipantError, admit, discharge, merge
from ledger.attendance import STATUSES, UnknownSessionError, record
from ledger.closures import close_day
from ledger.makeups import (
    MakeupError,
    MakeupOption,
    Search,
    UnknownMakeupError,
    book,
    booked_option,
    search,
)
from ledger.marks import as_requested
from ledger.publish import PublishError
from ledger.schema import DatedSession
from ledger.state import (
    NothingPublishedError,
    RefusedError,
    UnknownIdError,
    UnknownVersionError,
    published_cached,
    version_documents,
)
from ledger.store import DEFAULT_URL, Ledger, NoLedgerError, open_ledger
from ledger.waitlists import (
    UnknownOfferError,
    accept,
    decline,
    expire_offers,
    offer_next,
    offers_in,
    utc,
    waitlist,
)
from models import ContractError, format_time, load_schedule, load_term, write_json
from models.files import loads, read_json

term_app = typer.Typer(
    no_args_is_help=True,
    help="Run a published term: attendance, makeups, closures, admissions, discharges, "
    "merges and waitlists in the ledger.",
)

F = TypeVar("F", bound=Callable[..., Any])

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
            except (
                UnknownSessionError,
                NothingPublishedError,
                UnknownOfferError,
                UnknownParticipantError,
                UnknownMakeupError,
                UnknownVersionError,
                UnknownIdError,
            ) as exc:
                err.print(f"Input error: {exc}")
                raise typer.Exit(2) from None
            except ContractError as exc:
                problems = "; ".join(str(p) for p in exc.problems[:5])
                err.print(f"Input error: {exc.source}: {problems}")
                raise typer.Exit(2) from None
            except (RefusedError, PublishError) as exc:
                err.print(f"Refused: {exc}")
                raise typer.Exit(1) from None

        return friendly(guarded)()

    return wrapper  # type: ignore[return-value]


def _ledger(url: str, create: bool = False) -> Ledger:
    """The ledger at ``url``; a SQLite file must exist unless ``create``."""
    try:
        return open_ledger(url, create=create)
    except NoLedgerError as exc:
        raise _StopError(2, f"Input error: {exc}: run `otgroups term publish` first") from None


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
    undo_changes: Annotated[
        bool,
        typer.Option(
            "--undo-changes",
            help="Publish even if it undoes the ledger's changes to the term in force "
            "(discharges, admissions).",
        ),
    ] = False,
    db: Db = DEFAULT_URL,
    as_json: Json = False,
) -> None:
    """Publish a schedule: enrollments, dated sessions over the term, and the waitlist."""
    term = load_term(term_path)
    schedule = load_schedule(schedule_path, term)
    ledger = _ledger(db, create=True)
    try:
        start = from_date.date() if from_date is not None else None
        doc = publish_summary(ledger, term, schedule, start, undo_changes=undo_changes)
    finally:
        ledger.dispose()
    number, effective = doc["version"], doc["effective_from"]
    sessions, enrollments = doc["dated_sessions"], doc["enrollments"]
    _emit(
        as_json,
        doc,
        f"Published schedule v{number} from {effective}: {len(schedule.sections)} sections, "
        f"{sessions} dated sessions, {enrollments} enrollments, "
        f"{len(schedule.waitlist)} waitlisted requests.",
    )


@term_app.command("export")
@command
def export_command(
    out: Annotated[Path, typer.Option("--out", help="Where to write the term JSON.")],
    schedule_out: Annotated[
        Path | None,
        typer.Option("--schedule-out", help="Also write that version's schedule (for --previous)."),
    ] = None,
    version: Annotated[
        int | None, typer.Option("--version", min=1, help="A published version (default: latest).")
    ] = None,
    db: Db = DEFAULT_URL,
    as_json: Json = False,
) -> None:
    """Write the term in force, with the ledger's changes (admissions; discharged participants
    marked and requesting nothing): re-solve it with `otgroups solve TERM --previous SCHEDULE`
    and publish the result."""
    check_output(out, ledger_file(db))
    if schedule_out is not None:
        check_output(schedule_out, out, ledger_file(db))
    ledger = _ledger(db)
    try:
        with ledger.read() as s:
            term, schedule = version_documents(s, version)
    finally:
        ledger.dispose()
    write_json(out, as_requested(term))
    if schedule_out is not None:
        write_json(schedule_out, schedule)
    also = f" and its schedule to {schedule_out}" if schedule_out is not None else ""
    _emit(
        as_json,
        {"term": str(out), "schedule": str(schedule_out) if schedule_out else None},
        f"Wrote the term in force ({len(term.participants)} participants) to {out}{also}.",
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
    now: Now = None,
    db: Db = DEFAULT_URL,
    as_json: Json = False,
) -> None:
    """Record attendance at a dated session (a new mark supersedes the earlier one); only
    excused before the session starts."""
    if status not in STATUSES:
        raise _StopError(2, f"Input error: STATUS {status!r} is not one of {', '.join(STATUSES)}")
    ledger = _ledger(db)
    try:
        clock = now or dt.datetime.now(dt.UTC)
        mark = record(ledger, session_id, participant, status, minutes, by, clock)
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
    _emit(as_json, makeup_answer(found, within), "\n".join(lines))


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
        chosen = booked_option(ledger, chosen, makeup.id)
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
            listed = dated_sessions(s, day.date(), participant=participant)
    finally:
        ledger.dispose()
    lines = [f"Sessions on {day.date()}:"] + [
        f"  {d['session_id']:>6}  {d['start']}-{d['end']}  {d['section']}"
        f"{' (cancelled)' if d['cancelled'] else ''}  {d['room'] or d['vehicle']}  "
        f"{', '.join(d['staff'])}  [{len(d['participants'])}] {' '.join(d['participants'])}"
        for d in listed
    ]
    if not listed:
        whose = f" for {participant}" if participant else ""
        lines = [f"No sessions on {day.date():%a %Y-%m-%d}{whose}."]
    _emit(as_json, listed, "\n".join(lines))


# -- closures, admissions, discharges, merges, waitlists -------------------------------------------

DateArg = Annotated[dt.datetime, typer.Argument(metavar="DATE", formats=["%Y-%m-%d"])]
FromDate = Annotated[
    dt.datetime,
    typer.Option("--from", metavar="DATE", formats=["%Y-%m-%d"], help="Effective from this date."),
]


def _lost_line(x: Any) -> str:
    return f"{x.label()} ({x.priority})"


@term_app.command("close-day")
@command
def close_day_command(
    day: DateArg,
    reason: Annotated[str, typer.Option("--reason", help="Why the clinic is closed.")] = "",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Propose the makeups; write nothing.")
    ] = False,
    within: Annotated[int, typer.Option("--within", min=0, help="Days to make up within.")] = 14,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.1, help="Seconds for the joint choice.")
    ] = 2.0,
    now: Now = None,
    db: Db = DEFAULT_URL,
    as_json: Json = False,
) -> None:
    """Close a day: cancel its sessions and book makeups for everyone, chosen jointly."""
    ledger = _ledger(db)
    try:
        report = close_day(
            ledger, day.date(), reason, not dry_run, within, now, time_limit, booked_by="closure"
        )
    finally:
        ledger.dispose()
    verb = "Would close" if dry_run else "Closed"
    lines = [
        f"{verb} {report.date}{f' ({reason})' if reason else ''}: "
        f"{len(report.cancelled_sessions)} sessions and {len(report.cancelled_makeups)} makeups "
        f"cancelled, {len(report.lost)} participant-sessions lost"
        + (" (dry run: nothing written)." if dry_run else ".")
    ]
    lines.append(
        f"{'Proposed' if dry_run else 'Recovered'} {len(report.recovered)} (required first):"
    )
    for r in report.recovered:
        booked = f" (makeup {r.makeup_id})" if r.makeup_id is not None else ""
        lines.append(f"  {_lost_line(r.lost)} -> {r.option.label(seats=False)}{booked}")
    lines.append(f"Not recovered {len(report.unrecovered)}:")
    for u in report.unrecovered:
        lines.append(f"  {_lost_line(u.lost)}: {'; '.join(u.reasons)}")
    _emit(as_json, report.to_json(), "\n".join(lines))


def _participant_doc(source: str) -> dict[str, Any]:
    if source.lstrip().startswith("{"):
        doc = loads(source, "the participant given inline")
    else:
        doc = read_json(Path(source))
    if not isinstance(doc, dict):
        raise _StopError(2, f"Input error: {source} is not one participant (a JSON object)")
    return doc


@term_app.command("admit")
@command
def admit_command(
    participant_json: Annotated[
        str,
        typer.Argument(
            metavar="PARTICIPANT_JSON", help="A participant document (a file, or inline JSON)."
        ),
    ],
    from_date: FromDate,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.1, help="Seconds for placing them.")
    ] = 10.0,
    db: Db = DEFAULT_URL,
    as_json: Json = False,
) -> None:
    """Admit a participant mid-term: placed with everyone else pinned, or waitlisted."""
    doc = _participant_doc(participant_json)
    ledger = _ledger(db)
    try:
        done = admit(ledger, doc, from_date.date(), time_limit)
    finally:
        ledger.dispose()
    lines = [f"Admitted {done.participant} from {done.from_date} (schedule v{done.version})."]
    lines += [f"  placed {t} in {sid} ({p})" for t, sid, p in done.placed]
    lines += [f"  van {v} {a}-{b} on {d}" for d, v, a, b in done.rides]
    for w in done.waitlisted:
        lines.append(f"  waitlisted {w.group_type} ({w.priority}): {'; '.join(w.reasons[:3])}")
    _emit(as_json, done.to_json(), "\n".join(lines))


@term_app.command("discharge")
@command
def discharge_command(
    participant: Annotated[str, typer.Argument(metavar="PARTICIPANT")],
    from_date: FromDate,
    reason: Annotated[str, typer.Option("--reason", help="Why they leave.")] = "",
    now: Now = None,
    db: Db = DEFAULT_URL,
    as_json: Json = False,
) -> None:
    """Discharge a participant: free their places, offer them on, flag short sections."""
    ledger = _ledger(db)
    try:
        done = discharge(ledger, participant, from_date.date(), reason, now)
    finally:
        ledger.dispose()
    lines = [
        f"Discharged {done.participant} from {done.from_date} (schedule v{done.version}): left "
        f"{', '.join(done.left) or 'no section'}; {len(done.cancelled_makeups)} makeup(s) "
        f"cancelled, {len(done.withdrawn_offers)} offer(s) withdrawn."
    ]
    lines += [f"  {sid} had no one left: dropped" for sid in done.dropped]
    lines += [f"  {o.label()}" for o in done.offers]
    lines += [f"  {m.label()}" for m in done.under_min]
    _emit(as_json, done.to_json(), "\n".join(lines))


@term_app.command("merge")
@command
def merge_command(
    section: Annotated[str, typer.Argument(metavar="SECTION")],
    into: Annotated[str, typer.Option("--into", metavar="OTHER", help="The section to join.")],
    from_date: FromDate,
    db: Db = DEFAULT_URL,
    as_json: Json = False,
) -> None:
    """Move every member of a section into another of its type and drop it."""
    ledger = _ledger(db)
    try:
        done = merge(ledger, section, into, from_date.date())
    finally:
        ledger.dispose()
    cancelled = (
        f"; {len(done.cancelled_makeups)} makeup(s) cancelled" if done.cancelled_makeups else ""
    )
    _emit(
        as_json,
        done.to_json(),
        f"Merged {done.section} into {done.into} from {done.from_date} (schedule v{done.version}): "
        f"moved {', '.join(done.moved)}{cancelled}.",
    )


waitlist_app = typer.Typer(
    help="The waitlist in offer order, and offers of places that open.",
    invoke_without_command=True,
)
term_app.add_typer(waitlist_app, name="waitlist")


@waitlist_app.callback()
def waitlist_default(ctx: typer.Context, db: Db = DEFAULT_URL, as_json: Json = False) -> None:
    """Without a command: the waitlist (as `list`)."""
    if ctx.invoked_subcommand is None:
        waitlist_list_command(None, db, as_json)


@waitlist_app.command("list")
@command
def waitlist_list_command(
    group_type: Annotated[
        str | None, typer.Option("--type", metavar="TYPE", help="One group type only.")
    ] = None,
    db: Db = DEFAULT_URL,
    as_json: Json = False,
) -> None:
    """Standing waitlist entries: priority, then date requested, then entry."""
    ledger = _ledger(db)
    try:
        found = waitlist(ledger, group_type)
    finally:
        ledger.dispose()
    lines = [f"Waitlist ({len(found)} request(s), in offer order):"] + [
        f"  {w.entry_id:>5}  {w.participant}  {w.group_type}  {w.priority}  {w.requested_on}"
        + (f"  offer {w.offer_id} open" if w.offer_id else "")
        for w in found
    ]
    _emit(as_json, [w.to_json() for w in found], "\n".join(lines))


@waitlist_app.command("offers")
@command
def waitlist_offers_command(
    every: Annotated[bool, typer.Option("--all", help="Answered and expired ones too.")] = False,
    now: Now = None,
    db: Db = DEFAULT_URL,
    as_json: Json = False,
) -> None:
    """Open offers (or every offer with --all)."""
    ledger = _ledger(db)
    try:
        with ledger.read() as s:
            found = offers_in(s, _utc_now(s, now), open_only=not every)
    finally:
        ledger.dispose()
    lines = [f"{'Offers' if every else 'Open offers'} ({len(found)}):"]
    lines += [f"  {o.label()}" for o in found]
    _emit(as_json, [o.to_json() for o in found], "\n".join(lines))


def _utc_now(s: Any, now: dt.datetime | None) -> dt.datetime:
    return utc(now, published_cached(s).term) if now is not None else utc(None)


@waitlist_app.command("offer")
@command
def waitlist_offer_command(
    target: Annotated[str, typer.Argument(metavar="TYPE", help="A group type or a section.")],
    from_date: FromDate,
    hours: Annotated[float, typer.Option("--hours", min=0.0, help="Hours until it expires.")] = 48,
    now: Now = None,
    db: Db = DEFAULT_URL,
    as_json: Json = False,
) -> None:
    """Offer a free place to the first waiting request it fits."""
    ledger = _ledger(db)
    try:
        result = offer_next(ledger, target, from_date.date(), dt.timedelta(hours=hours), now)
    finally:
        ledger.dispose()
    lines = [result.label()] + [f"  passed over {r}: {why}" for r, why in result.passed_over]
    _emit(as_json, result.to_json(), "\n".join(lines))


OfferId = Annotated[int, typer.Argument(metavar="OFFER_ID")]


@waitlist_app.command("accept")
@command
def waitlist_accept_command(
    offer_id: OfferId,
    from_date: Annotated[
        dt.datetime | None,
        typer.Option("--from", formats=["%Y-%m-%d"], help="Enroll from (default: the offer's)."),
    ] = None,
    now: Now = None,
    db: Db = DEFAULT_URL,
    as_json: Json = False,
) -> None:
    """Accept an offer: enrolled from its date in a new schedule version."""
    ledger = _ledger(db)
    try:
        done = accept(ledger, offer_id, from_date.date() if from_date else None, now)
    finally:
        ledger.dispose()
    o = done.offer
    _emit(
        as_json,
        {"offer": o.to_json(), "version": done.version, "from_date": done.from_date.isoformat()},
        f"Accepted offer {o.offer_id}: {o.participant} enrolled in {o.section} from "
        f"{done.from_date} (schedule v{done.version}).",
    )


@waitlist_app.command("decline")
@command
def waitlist_decline_command(
    offer_id: OfferId, now: Now = None, db: Db = DEFAULT_URL, as_json: Json = False
) -> None:
    """Decline an offer: the place goes to the next waiting request it fits."""
    ledger = _ledger(db)
    try:
        info, nxt = decline(ledger, offer_id, now)
    finally:
        ledger.dispose()
    _emit(
        as_json,
        {"declined": info.to_json(), "next": nxt.to_json()},
        f"Declined offer {info.offer_id} ({info.participant}, {info.section}). {nxt.label()}",
    )


@waitlist_app.command("expire")
@command
def waitlist_expire_command(now: Now = None, db: Db = DEFAULT_URL, as_json: Json = False) -> None:
    """Record offers past their expiry and offer each place to the next request."""
    ledger = _ledger(db)
    try:
        with ledger.read() as s:
            moment = _utc_now(s, now)
        done = expire_offers(ledger, moment)
    finally:
        ledger.dispose()
    lines = [f"Expired {len(done)} offer(s)."]
    for info, nxt in done:
        lines.append(f"  offer {info.offer_id} ({info.participant}, {info.section}): {nxt.label()}")
    _emit(
        as_json,
        [{"expired": i.to_json(), "next": n.to_json()} for i, n in done],
        "\n".join(lines),
    )


term_app.add_typer(logistics_app)  # remind, calendar, supplies, manifest, contacts, outbox
