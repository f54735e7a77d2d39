"""``otgroups report``: one self-contained HTML page of a term's schedule to share.

    otgroups report TERM SCHEDULE [RECORDS] [--as-of DATE] --out term.html

The page (plotly's JavaScript inside it, so it opens without a network) shows the timetable,
each section's fill, demand against capacity with the waitlist by priority and, when billing
records are given, the audit summary. It names no participant. Written atomically.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from api.console import lines as out
from api.outputs import check_output
from audit.profile import check_payers
from models import load_records, load_schedule, load_term


def report_command(
    term_path: Annotated[Path, typer.Argument(metavar="TERM", help="JSON, .xlsx or CSV folder.")],
    schedule_path: Annotated[Path, typer.Argument(metavar="SCHEDULE")],
    out_path: Annotated[Path, typer.Option("--out", help="Where to write the HTML report.")],
    records_path: Annotated[
        Path | None,
        typer.Argument(metavar="[RECORDS]", help="Billing records: adds the audit summary."),
    ] = None,
    as_of: Annotated[
        dt.datetime | None,
        typer.Option(
            "--as-of",
            formats=["%Y-%m-%d"],
            help="Audit: sessions up to this date are held, later ones planned (default today).",
        ),
    ] = None,
) -> None:
    """Write a self-contained HTML term report: timetable, fill, waitlist, audit summary."""
    from analysis.report import build_report, write_report
    from api.cli import StopError

    if as_of is not None and records_path is None:
        raise StopError(2, "Input error: --as-of dates the audit, which needs RECORDS")
    check_output(out_path, term_path, schedule_path, records_path)
    term = load_term(term_path)
    schedule = load_schedule(schedule_path, term)
    records = None
    if records_path is not None:
        records = load_records(records_path, term)
        check_payers(records, str(records_path))
    day = as_of.date() if as_of is not None else None
    html = build_report(term, schedule, records, day)
    write_report(out_path, html)
    what = "with the audit summary" if records is not None else "no audit: no records given"
    out.print(f"Report written to {out_path} ({what})", highlight=False)
