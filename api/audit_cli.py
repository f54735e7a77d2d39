"""``otgroups audit``: billing and documentation findings for a schedule and the records."""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from api.console import out
from audit import audit, summary, to_csv
from audit.findings import Finding
from models import load_records, load_schedule, load_term


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def findings_table(findings: list[Finding]) -> Table:
    table = Table(title=f"{len(findings)} findings", title_justify="left")
    for col in ("Participant", "Date", "Code", "Severity", "Message"):
        table.add_column(col, overflow="fold")
    for f in findings:
        style = "red" if f.severity == "error" else "yellow"
        table.add_row(
            f.participant, str(f.date or ""), f.code, Text(f.severity, style=style), f.message
        )
    return table


def counts_table(findings: list[Finding]) -> Table:
    by_code = summary(findings)["code"]
    table = Table(title="By finding code", title_justify="left")
    for col in ("Code", "Errors", "Warnings"):
        table.add_column(col, justify="left" if col == "Code" else "right")
    for code, row in by_code.iterrows():
        table.add_row(str(code), str(int(row["error"])), str(int(row["warning"])))
    return table


def audit_command(
    term_path: Annotated[Path, typer.Argument(metavar="TERM")],
    schedule_path: Annotated[Path, typer.Argument(metavar="SCHEDULE")],
    records_path: Annotated[Path, typer.Argument(metavar="RECORDS")],
    as_of: Annotated[
        dt.datetime | None,
        typer.Option(
            "--as-of",
            formats=["%Y-%m-%d"],
            help="Sessions up to this date are held (records), later ones planned (default today).",
        ),
    ] = None,
    output: Annotated[Format, typer.Option("--format", help="table, json or csv.")] = Format.table,
) -> None:
    """Audit a schedule and the held sessions against the payers' rule profiles."""
    term = load_term(term_path)
    schedule = load_schedule(schedule_path, term)
    records = load_records(records_path, term)
    day = as_of.date() if as_of is not None else dt.date.today()
    findings = audit(term, schedule, records, day, str(records_path))
    if output is Format.json:
        print(json.dumps([f.model_dump(mode="json") for f in findings], indent=1))
    elif output is Format.csv:
        print(to_csv(findings), end="")
    else:
        out.print(findings_table(findings))
        if findings:
            out.print(counts_table(findings))
