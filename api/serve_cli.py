"""``otgroups serve``: the HTTP API under uvicorn (settings from ``OTGROUPS_…`` variables)."""

from __future__ import annotations

from typing import Annotated

import typer

from api.term_cli import command
from ledger.store import DEFAULT_URL, open_ledger


@command
def serve_command(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    db: Annotated[
        str | None, typer.Option("--db", metavar="URL", help=f"Ledger (default {DEFAULT_URL}).")
    ] = None,
) -> None:
    """Serve the HTTP API (``/docs`` has the OpenAPI document); Ctrl-C stops it. Uvicorn's
    access log is off: URLs can name a participant, and the ledger's access log records who
    read what instead."""
    import uvicorn

    from api.http.app import create_app
    from api.http.settings import Settings

    settings = Settings() if db is None else Settings(db_url=db)
    open_ledger(settings.db_url).dispose()  # a bad URL or database is one plain line, here
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=False)
