"""``otgroups term`` logistics commands: reminders, calendars, supplies, transport, contacts.

    otgroups term remind [--days-ahead N] [--horizon DAYS] [--send]
    otgroups term calendar (--participant P | --staff S) --out FILE.ics
    otgroups term supplies [--as-of DATE] [--format table|csv|json] [--daily] [--out FILE]
    otgroups term supplies count ITEM QUANTITY [--on DATE]
    otgroups term supplies reorder-point ITEM QUANTITY
    otgroups term manifest DATE [--format csv|html] --out FILE
    otgroups term contacts import FILE.csv
    otgroups term outbox [send | resolve ID (--delivered | --not-delivered)]

Like the rest of ``otgroups term``: ``--db URL``, ``--json``, one-line errors, exit codes 0 done,
1 refused (or, for ``--send``, the SMTP server could not be used), 2 bad input, 70 internal
error. The logistics file comes from ``--materials`` or ``$OTGROUPS_MATERIALS``; templates from
``--templates`` or ``$OTGROUPS_TEMPLATES``; SMTP settings from ``$OTGROUPS_SMTP_*``. Output names
participants by id only and never prints an address.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from api.cli_options import Db, Json
from api.outputs import check_output, ledger_file
from ledger.state import published
from ledger.store import DEFAULT_URL
from logistics.calendars import Feeds, UnknownPersonError, write_feed
from logistics.config import (
    ENV,
    Logistics,
    LogisticsInputError,
    load_logistics,
    materials_source,
)
from logistics.messages import (
    CHANNELS,
    CONTACT_COLUMNS,
    Templates,
    import_contacts,
    queue_messages,
)
from logistics.smtp import DeliveryReport, SmtpSettings, deliver, outbox_state, resolve
from logistics.supplies import REORDER_COLUMNS, project, record_count, record_reorder_point
from logistics.transport import day_manifest, manifest_csv, manifest_html
from models.csv_cells import safe_cell
from models.files import write_text_atomically

logistics_app = typer.Typer()
supplies_app = typer.Typer(
    invoke_without_command=True, help="Materials: the reorder list, stock counts."
)
contacts_app = typer.Typer(no_args_is_help=True, help="Participants' contacts and opt-ins.")
outbox_app = typer.Typer(invoke_without_command=True, help="The message outbox.")
logistics_app.add_typer(supplies_app, name="supplies")
logistics_app.add_typer(contacts_app, name="contacts")
logistics_app.add_typer(outbox_app, name="outbox")

F = TypeVar("F", bound=Callable[..., Any])

Materials = Annotated[
    Path | None,
    typer.Option(
        "--materials",
        metavar="FILE",
        help="Logistics file (TOML; default $OTGROUPS_MATERIALS).",
    ),
]
TemplatesDir = Annotated[
    Path | None,
    typer.Option(
        "--templates", metavar="DIR", help="Template folder (default $OTGROUPS_TEMPLATES)."
    ),
]
Day = Annotated[dt.datetime, typer.Argument(metavar="DATE", formats=["%Y-%m-%d"])]


def command(f: F) -> F:
    """:func:`api.term_cli.command`, with the logistics inputs' errors as input errors (exit 2).
    term_cli is imported when a command runs: it registers this module's commands."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from api import term_cli

        @functools.wraps(f)
        def guarded(*a: Any, **k: Any) -> Any:
            try:
                return f(*a, **k)
            except (LogisticsInputError, UnknownPersonError) as exc:
                raise term_cli._StopError(2, f"Input error: {exc}") from None

        return term_cli.command(guarded)(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _open(db: str) -> Any:
    from api.term_cli import _ledger

    return _ledger(db)


def _emit(as_json: bool, doc: Any, text: str) -> None:
    from api.term_cli import _emit as emit

    emit(as_json, doc, text)


def _stop(code: int, message: str) -> Exception:
    from api.term_cli import _StopError

    return _StopError(code, message)


def _logistics(path: Path | None, required: bool = False) -> Logistics:
    found = load_logistics(path)
    if required and not found.items:
        demo = "models/examples/demo_materials.toml"
        source = materials_source(path)
        if source is None:
            raise LogisticsInputError(
                f"no materials: pass --materials FILE or set {ENV} (the demo's is {demo})"
            )
        raise LogisticsInputError(
            f"{source}: no [items.…] tables: this command counts the materials each group "
            f"uses (see {demo})"
        )
    return found


def _inputs(materials: Path | None, db: str) -> tuple[Path | None, Path | None]:
    """What a command reads and must not overwrite: the logistics file, the SQLite ledger."""
    source = materials_source(materials)
    return (Path(source) if source else None), ledger_file(db)


def _published(ledger: Any) -> Any:
    with ledger.read() as s:
        return published(s)


# -- remind --------------------------------------------------------------------------------------


def _delivery_doc(report: DeliveryReport) -> dict[str, Any]:
    return {
        "sent": report.sent,
        "failed": [
            {"outbox_id": i, "detail": d, "retry_at": r.isoformat() if r else None}
            for i, d, r in report.failed
        ],
        "unknown": report.unknown,
        "skipped": report.skipped,
        "server_error": report.server_error or None,
        "waiting": report.waiting,
        "sms_queued": report.sms_queued,
        "needs_person": [
            {
                "outbox_id": st.outbox_id,
                "participant": st.participant,
                "status": st.status,
                "attempt": st.attempt,
                "since": st.at.isoformat() if st.at else None,
            }
            for st in report.needs_person
        ],
    }


def _delivery_lines(report: DeliveryReport) -> list[str]:
    lines = [
        f"Delivered {len(report.sent)} email(s); {len(report.failed)} failed this run "
        f"({report.waiting} waiting to be retried)."
    ]
    if report.unknown:
        lines.append(f"Outcome unknown (not retried): outbox {report.unknown}.")
    for st in report.needs_person:
        lines.append(
            f"  needs a person: outbox {st.outbox_id} ({st.participant}) is {st.status} since "
            f"{st.at:%Y-%m-%d %H:%M} UTC: check whether it arrived, then "
            f"`otgroups term outbox resolve {st.outbox_id} --delivered|--not-delivered`"
            if st.at
            else f"  needs a person: outbox {st.outbox_id} ({st.participant}) is {st.status}"
        )
    return lines


def _send(ledger: Any, now: dt.datetime | None) -> DeliveryReport:
    moment = None
    if now is not None:
        from models.dated import clinic_time

        moment = clinic_time(_published(ledger).term, now)
    return deliver(ledger, SmtpSettings.from_environment(), moment)


@logistics_app.command("remind")
@command
def remind_command(
    days_ahead: Annotated[
        int, typer.Option("--days-ahead", min=0, help="Remind of sessions up to N days ahead.")
    ] = 2,
    horizon: Annotated[
        int, typer.Option("--horizon", min=0, help="Announce cancellations up to DAYS ahead.")
    ] = 14,
    send: Annotated[bool, typer.Option("--send", help="Then deliver the email outbox.")] = False,
    now: Annotated[
        dt.datetime | None,
        typer.Option(
            "--now",
            formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
            help="Take this as the clinic's current time (default: the clock).",
        ),
    ] = None,
    materials: Materials = None,
    templates: TemplatesDir = None,
    db: Db = DEFAULT_URL,
    as_json: Json = False,
) -> None:
    """Queue reminders, makeup and offer notices and cancellations (opted-in channels only);
    queueing again never queues a message twice."""
    logistics = _logistics(materials)
    chosen = Templates(templates)
    ledger = _open(db)
    try:
        report = queue_messages(ledger, now, days_ahead, horizon, logistics, chosen)
        delivery = _send(ledger, now) if send else None
    finally:
        ledger.dispose()
    counts = report.counts()
    doc: dict[str, Any] = {
        "queued": [
            {"outbox_id": i, "kind": k, "participant": p, "channel": c}
            for i, k, p, c in report.queued
        ],
        "by_kind": counts,
        "already_queued": report.already,
        "not_opted_in": report.not_opted_in,
        "refused": [{"kind": k, "participant": p, "word": w} for k, p, w in report.refused],
    }
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "nothing new"
    lines = [
        f"Queued {len(report.queued)} message(s): {kinds}; {report.already} already queued, "
        f"{report.not_opted_in} not sent (no opted-in channel)."
    ]
    for kind, pid, word in report.refused:
        lines.append(
            f"  refused a {kind} message for {pid}: it would say {word!r} (check the templates)"
        )
    if delivery is not None:
        doc["delivery"] = _delivery_doc(delivery)
        lines += _delivery_lines(delivery)
    _emit(as_json, doc, "\n".join(lines))
    if delivery is not None and delivery.server_error:
        raise _stop(1, f"Could not deliver: {delivery.server_error}; the messages stay queued.")


# -- calendar ------------------------------------------------------------------------------------


@logistics_app.command("calendar")
@command
def calendar_command(
    out: Annotated[Path, typer.Option("--out", metavar="FILE.ics", help="Where to write it.")],
    participant: Annotated[
        str | None, typer.Option("--participant", metavar="P", help="A participant's feed.")
    ] = None,
    staff: Annotated[
        str | None, typer.Option("--staff", metavar="S", help="A staff member's feed.")
    ] = None,
    materials: Materials = None,
    db: Db = DEFAULT_URL,
    as_json: Json = False,
) -> None:
    """An iCalendar feed of one participant's or staff member's sessions over the term."""
    if (participant is None) == (staff is None):
        raise _stop(2, "Input error: give exactly one of --participant P or --staff S")
    check_output(out, *_inputs(materials, db))
    logistics = _logistics(materials)
    ledger = _open(db)
    try:
        with ledger.read() as s:
            feeds = Feeds(s, published(s), logistics)
            cal = feeds.participant(participant) if participant else feeds.staff(staff or "")
    finally:
        ledger.dispose()
    events = write_feed(cal, out)
    cancelled = sum(1 for e in cal.events if str(e.get("STATUS")) == "CANCELLED")
    who = participant or staff
    _emit(
        as_json,
        {"out": str(out), "person": who, "events": events, "cancelled": cancelled},
        f"Wrote {events} event(s) ({cancelled} cancelled) for {who} to {out}.",
    )


# -- supplies ------------------------------------------------------------------------------------


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}" if value == round(value, 3) else f"{value:.3f}"
    return str(value)


@supplies_app.callback()
@command
def supplies_command(
    ctx: typer.Context,
    as_of: Annotated[
        dt.datetime | None,
        typer.Option("--as-of", formats=["%Y-%m-%d"], help="Project from this date (today)."),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="table | csv | json", metavar="FORMAT")
    ] = "table",
    daily: Annotated[
        bool, typer.Option("--daily", help="Use per item per date instead of the reorder list.")
    ] = False,
    out: Annotated[Path | None, typer.Option("--out", metavar="FILE")] = None,
    materials: Materials = None,
    db: Db = DEFAULT_URL,
) -> None:
    """The reorder list: when each counted item runs out and when to order it."""
    if ctx.invoked_subcommand is not None:
        return
    if fmt not in ("table", "csv", "json"):
        raise _stop(2, f"Input error: --format {fmt!r} is not table, csv or json")
    if out is not None:
        check_output(out, *_inputs(materials, db))
    logistics = _logistics(materials, required=True)
    ledger = _open(db)
    try:
        with ledger.read() as s:
            projection = project(
                s, published(s), logistics, as_of.date() if as_of is not None else None
            )
    finally:
        ledger.dispose()
    if daily:
        rows = [
            {"item": item, "date": day.isoformat(), "use": round(amount, 3)}
            for item, days in projection.daily.items()
            for day, amount in sorted(days.items())
        ]
        columns: tuple[str, ...] = ("item", "date", "use")
    else:
        rows = [line.to_json() for line in projection.items]
        rows.sort(key=lambda r: (r["order_by"] is None, r["order_by"] or "", r["item"]))
        columns = REORDER_COLUMNS
    if fmt == "json":
        doc = {
            "as_of": projection.as_of.isoformat(),
            "term_end": projection.end.isoformat(),
            "attendance_rates": {
                gt: {"rate": round(rate, 4), "marks": marks}
                for gt, (rate, marks) in sorted(projection.rates.items())
            },
            "default_attendance_rate": logistics.default_attendance_rate,
            "rows": rows,
        }
        text = json.dumps(doc, indent=1)
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, columns, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows({k: safe_cell(_fmt(v)) for k, v in r.items()} for r in rows)
        text = buffer.getvalue().rstrip("\n")
    else:
        text = _table(projection.as_of, rows, daily)
    if out is not None:
        write_text_atomically(out, text + "\n")
        print(f"Wrote {len(rows)} row(s) to {out}.")
    else:
        print(text)


def _table(as_of: dt.date, rows: list[dict[str, Any]], daily: bool) -> str:
    if daily:
        lines = [f"Use per item per date from {as_of}:"]
        lines += [f"  {r['date']}  {r['item']:<18} {_fmt(r['use']):>10}" for r in rows]
        return "\n".join(lines)
    lines = [f"Supplies as of {as_of} (to the end of the term):"]
    lines.append(
        f"  {'item':<18} {'stock':>9} {'need':>10} {'runs out':>10} {'order by':>10} "
        f"{'to order':>9}  status"
    )
    for r in rows:
        unit = r["unit"]
        lines.append(
            f"  {r['item']:<18} {_fmt(r['stock']) or '-':>9} {_fmt(r['need_to_term_end']):>10} "
            f"{r['runs_out'] or '-':>10} {r['order_by'] or '-':>10} "
            f"{_fmt(r['to_order']) if r['order_by'] else '-':>9}  {r['status']} ({unit})"
        )
    return "\n".join(lines)


@supplies_app.command("count")
@command
def count_command(
    item: Annotated[str, typer.Argument(metavar="ITEM")],
    quantity: Annotated[float, typer.Argument(metavar="QUANTITY", min=0)],
    on: Annotated[
        dt.datetime | None,
        typer.Option("--on", formats=["%Y-%m-%d"], help="Counted at the start of (today)."),
    ] = None,
    by: Annotated[str, typer.Option("--by", help="Who counted.")] = "",
    materials: Materials = None,
    db: Db = DEFAULT_URL,
    as_json: Json = False,
) -> None:
    """Record a stock count of ITEM (a new row; the latest count is the one used)."""
    logistics = _logistics(materials, required=True)
    ledger = _open(db)
    try:
        row = record_count(
            ledger, logistics, item, quantity, on.date() if on is not None else None, by
        )
    finally:
        ledger.dispose()
    unit = logistics.item(item).unit
    _emit(
        as_json,
        {"count_id": row.id, "item": item, "quantity": quantity, "counted_on": str(row.counted_on)},
        f"Counted {_fmt(quantity)} {unit} of {item} on {row.counted_on}.",
    )


@supplies_app.command("reorder-point")
@command
def reorder_point_command(
    item: Annotated[str, typer.Argument(metavar="ITEM")],
    quantity: Annotated[float, typer.Argument(metavar="QUANTITY", min=0)],
    materials: Materials = None,
    db: Db = DEFAULT_URL,
    as_json: Json = False,
) -> None:
    """Set ITEM's reorder point (a new row supersedes the old one)."""
    logistics = _logistics(materials, required=True)
    ledger = _open(db)
    try:
        row = record_reorder_point(ledger, logistics, item, quantity)
    finally:
        ledger.dispose()
    _emit(
        as_json,
        {"reorder_point_id": row.id, "item": item, "quantity": quantity},
        f"Reorder {item} when {_fmt(quantity)} {logistics.item(item).unit} are left.",
    )


# -- manifest ------------------------------------------------------------------------------------


@logistics_app.command("manifest")
@command
def manifest_command(
    day: Day,
    out: Annotated[Path, typer.Option("--out", metavar="FILE", help="Where to write it.")],
    fmt: Annotated[str, typer.Option("--format", help="csv | html", metavar="FORMAT")] = "csv",
    materials: Materials = None,
    templates: TemplatesDir = None,
    db: Db = DEFAULT_URL,
    as_json: Json = False,
) -> None:
    """Van run manifests and outing sheets of a date (CSV, or printable HTML)."""
    if fmt not in ("csv", "html"):
        raise _stop(2, f"Input error: --format {fmt!r} is not csv or html")
    check_output(out, *_inputs(materials, db))
    logistics = _logistics(materials)
    ledger = _open(db)
    try:
        with ledger.read() as s:
            manifest = day_manifest(s, published(s), day.date(), logistics)
    finally:
        ledger.dispose()
    text = manifest_csv(manifest) if fmt == "csv" else manifest_html(manifest, templates)
    write_text_atomically(out, text)
    riders = sum(len(r.riders) for r in manifest.runs)
    outing_riders = sum(len(o.riders) for o in manifest.outings)
    what = (
        "the clinic is closed"
        if manifest.closed
        else f"{len(manifest.runs)} run(s) with {riders} rider(s), {len(manifest.outings)} "
        f"outing(s) with {outing_riders} participant(s)"
    )
    _emit(
        as_json,
        {
            "out": str(out),
            "date": manifest.date.isoformat(),
            "closed": manifest.closed,
            "runs": len(manifest.runs),
            "riders": riders,
            "outings": len(manifest.outings),
            "outing_participants": outing_riders,
        },
        f"Wrote the transport of {manifest.date} to {out}: {what}.",
    )


# -- contacts ------------------------------------------------------------------------------------


@contacts_app.command("import")
@command
def contacts_import_command(
    path: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help=f"CSV with the header {','.join(CONTACT_COLUMNS)} (channel: "
            f"{' or '.join(CHANNELS)}; opt_in: yes or no).",
        ),
    ],
    db: Db = DEFAULT_URL,
    as_json: Json = False,
) -> None:
    """Import contacts and opt-ins (only changed lines are added; nothing on any error)."""
    ledger = _open(db)
    try:
        result = import_contacts(ledger, path)
    finally:
        ledger.dispose()
    _emit(
        as_json,
        {"added": result.added, "unchanged": result.unchanged, "opted_in": result.opted_in},
        f"Imported {path.name}: {result.added} contact(s) added or changed, {result.unchanged} "
        f"unchanged; {result.opted_in} participant-channel(s) opted in.",
    )


# -- outbox --------------------------------------------------------------------------------------


@outbox_app.callback()
@command
def outbox_command(ctx: typer.Context, db: Db = DEFAULT_URL, as_json: Json = False) -> None:
    """Where the outbox stands, and the messages a person must check."""
    if ctx.invoked_subcommand is not None:
        return
    ledger = _open(db)
    try:
        with ledger.read() as s:
            states = outbox_state(s)
    finally:
        ledger.dispose()
    counts: dict[str, int] = {}
    for st in states:
        key = f"{st.channel} {st.status}"
        counts[key] = counts.get(key, 0) + 1
    attention = [st for st in states if st.needs_person]
    doc = {
        "counts": counts,
        "needs_person": [
            {"outbox_id": st.outbox_id, "participant": st.participant, "status": st.status}
            for st in attention
        ],
    }
    lines = [f"Outbox: {len(states)} message(s)"] + [
        f"  {n:>5}  {k}" for k, n in sorted(counts.items())
    ]
    lines += [
        f"  needs a person: outbox {st.outbox_id} ({st.participant}) is {st.status}"
        for st in attention
    ]
    _emit(as_json, doc, "\n".join(lines))


@outbox_app.command("send")
@command
def outbox_send_command(db: Db = DEFAULT_URL, as_json: Json = False) -> None:
    """Deliver the email outbox now (due messages only; never one twice)."""
    ledger = _open(db)
    try:
        report = deliver(ledger, SmtpSettings.from_environment())
    finally:
        ledger.dispose()
    _emit(as_json, _delivery_doc(report), "\n".join(_delivery_lines(report)))
    if report.server_error:
        raise _stop(1, f"Could not deliver: {report.server_error}; the messages stay queued.")


@outbox_app.command("resolve")
@command
def outbox_resolve_command(
    outbox_id: Annotated[int, typer.Argument(metavar="ID")],
    delivered: Annotated[
        bool,
        typer.Option(
            "--delivered/--not-delivered",
            help="It arrived (record it sent) / it did not (allow another try).",
        ),
    ],
    by: Annotated[str, typer.Option("--by", help="Who checked.")] = "",
    db: Db = DEFAULT_URL,
    as_json: Json = False,
) -> None:
    """A person's answer for a message left sending, unknown or given up."""
    ledger = _open(db)
    try:
        state = resolve(ledger, outbox_id, delivered, by)
    finally:
        ledger.dispose()
    _emit(
        as_json,
        {"outbox_id": outbox_id, "status": state.status},
        f"Outbox {outbox_id} is now {state.status}.",
    )
