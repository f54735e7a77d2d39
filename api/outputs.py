"""Where a command writes: checked before any work, so a long solve never ends in a file error.

An output must not be one of the command's inputs (writing the schedule over the term it came
from would lose the term), must not be an existing folder (unless the command writes a folder),
and its folder must take a new file (a missing folder: the nearest one that exists, since the
writers create the rest; nothing is created here).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


class BadOutputError(Exception):
    """An output path the command cannot or must not write; the message names it."""


def check_output(out: Path, *inputs: Path | None, folder: bool = False) -> None:
    """Raise :class:`BadOutputError` unless ``out`` can be written without harming ``inputs``;
    ``folder``: the command writes a folder of files there (a CSV term)."""
    if str(out) == "":
        raise BadOutputError("the output path is empty")
    for source in (p for p in inputs if p is not None):
        if _same(out, source):
            raise BadOutputError(
                f"{out} is also an input of this command; choose another output name"
            )
    if out.is_dir() and not folder:
        raise BadOutputError(f"{out} is a folder; give a file name")
    parent = out if folder and out.is_dir() else out.parent
    while not parent.exists() and parent != parent.parent:  # the writer creates the rest
        parent = parent.parent
    try:
        with tempfile.TemporaryFile(dir=parent):
            pass
    except OSError as exc:
        raise BadOutputError(f"cannot write in {parent}: {exc.strerror or exc}") from None


def _same(a: Path, b: Path) -> bool:
    """One file: the same existing file (links too), or the same path before either exists."""
    try:
        if a.exists() and b.exists():
            return a.samefile(b)
        return a.resolve() == b.resolve()
    except OSError:
        return False


def ledger_file(url: str) -> Path | None:
    """The file a SQLite ``--db`` URL names (an input every writing command must spare)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None  # the ledger's own check names a bad URL
    name = parsed.database
    if parsed.get_backend_name() != "sqlite" or not name or name == ":memory:":
        return None
    return Path(name)
