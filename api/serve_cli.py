"""``otgroups serve``: the HTTP API under uvicorn (settings from ``OTGROUPS_…`` variables)."""

from __future__ import annotations

import os
import secrets
import socket
from typing import Annotated

import typer
from pydantic import ValidationError

from api.cli_options import Db
from api.term_cli import _StopError, command
from ledger.store import DEFAULT_URL, in_memory_url, open_ledger

SECRET_KEY_VARIABLE = "OTGROUPS_WEB_SECRET_KEY"


@command
def serve_command(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    db: Db = DEFAULT_URL,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Worker processes; they share solve jobs and desk sessions through the ledger.",
        ),
    ] = 1,
) -> None:
    """Serve the HTTP API and the web desk; /docs lists every route. Ctrl-C stops it.

    Uvicorn's access log is off (URLs can name a participant); the ledger's access log records
    who read what instead."""
    import uvicorn

    from api.http.app import create_app
    from api.http.settings import Settings

    try:
        settings = Settings(db_url=db)
    except ValidationError as exc:  # a variable set wrong: name it, as bad input
        first = exc.errors(include_url=False)[0]
        name = "OTGROUPS_" + str(first["loc"][0]).upper() if first["loc"] else "a variable"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise _StopError(2, f"Input error: {name}={first.get('input')!r}: {message}") from None
    if workers > 1 and in_memory_url(settings.db_url):
        raise _StopError(2, "Input error: --workers above 1 needs a ledger file or server URL")
    open_ledger(settings.db_url).dispose()  # a bad URL or database is one plain line, here
    _check_listen(host, port)
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=False)
        return
    # Each worker builds its settings from the environment. Every worker must sign and check
    # desk cookies with one key: without a configured key, one is drawn here for this run (a
    # restart signs everyone out, as with one worker).
    os.environ["OTGROUPS_DB_URL"] = settings.db_url
    os.environ.setdefault(SECRET_KEY_VARIABLE, secrets.token_urlsafe(32))
    uvicorn.run(
        "api.http.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
    )


def _check_listen(host: str, port: int) -> None:
    """Refuse, as bad input (exit 2), an address the server could not listen on: a port in
    use or a host that is not this machine's (uvicorn would exit 3, the CLI's "no schedule")."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except (OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise _StopError(2, f"Input error: cannot listen on {host}:{port}: {reason}") from None
