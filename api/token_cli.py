"""``otgroups token``: bearer tokens of the HTTP API.

    otgroups token create --role ROLE [--label L] [--staff-id S]   (prints the token once)
    otgroups token list
    otgroups token revoke ID

Each takes ``--db URL`` (default ``$OTGROUPS_DB_URL``, else ``sqlite:///otgroups-ledger.sqlite``:
the ledger ``otgroups serve`` uses). Only a token's SHA-256
is stored: a lost token cannot be shown again, only revoked and replaced.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from api.cli_options import Db
from api.console import lines as out
from api.console import lines_err as err
from api.http.auth import ROLES, UnknownTokenError, list_tokens, new_token, revoke_token
from api.term_cli import command
from ledger.store import DEFAULT_URL, open_ledger

token_app = typer.Typer(no_args_is_help=True, help="Bearer tokens of the HTTP API.")


@token_app.command("create")
@command
def create_command(
    role: Annotated[str, typer.Option("--role", help=" | ".join(ROLES))],
    label: Annotated[str, typer.Option("--label", help="Whose token, for the list.")] = "",
    staff_id: Annotated[
        str | None, typer.Option("--staff-id", help="A clinician's staff id (their sections).")
    ] = None,
    db: Db = DEFAULT_URL,
) -> None:
    """Make a token and print it once (only its hash is kept)."""
    ledger = open_ledger(db)
    try:
        token_id, token = new_token(ledger, role, label, staff_id)
    except ValueError as exc:
        err.print(f"Input error: {exc}")
        raise typer.Exit(2) from None
    finally:
        ledger.dispose()
    err.print(f"Token {token_id} ({role}{f', {label}' if label else ''}); it is shown only once:")
    print(token)


@token_app.command("list")
@command
def list_command(
    db: Db = DEFAULT_URL,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every token: id, role, label, staff id, made, revoked."""
    ledger = open_ledger(db, create=False)
    try:
        tokens = list_tokens(ledger)
    finally:
        ledger.dispose()
    if as_json:
        print(json.dumps([t.to_json() for t in tokens], indent=1))
        return
    for t in tokens:
        revoked = f"  revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else ""
        staff = f"  staff {t.staff_id}" if t.staff_id else ""
        made = f"made {t.created_at:%Y-%m-%d}"
        out.print(f"{t.id:>4}  {t.role:<9}  {t.label}{staff}  {made}{revoked}")


@token_app.command("revoke")
@command
def revoke_command(
    token_id: Annotated[int, typer.Argument(metavar="ID")],
    reason: Annotated[str, typer.Option("--reason", help="Why.")] = "",
    db: Db = DEFAULT_URL,
) -> None:
    """Revoke a token for good."""
    ledger = open_ledger(db, create=False)
    try:
        revoke_token(ledger, token_id, reason)
    except UnknownTokenError as exc:
        err.print(f"Input error: {exc}")
        raise typer.Exit(2) from None
    finally:
        ledger.dispose()
    out.print(f"Revoked token {token_id}.")
