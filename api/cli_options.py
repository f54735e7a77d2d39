"""Command-line options the ledger's commands share, declared once."""

from __future__ import annotations

from typing import Annotated

import typer

from ledger.store import DEFAULT_URL, URL_VARIABLE

Db = Annotated[
    str,
    typer.Option(
        "--db",
        metavar="URL",
        envvar=URL_VARIABLE,
        show_envvar=True,
        help=f"Ledger database: a SQLite file or a PostgreSQL URL (default {DEFAULT_URL}, "
        "relative to the current directory).",
    ),
]
"""``--db URL``, or the server's variable when it is not given: ``otgroups serve``, ``term``,
``token`` and ``logistics`` commands then share one ledger."""
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
