"""A child process under a hard wall-clock guard, with its own resource usage.

The child runs in a new session (its own process group); past the guard the whole group is
killed. The parent reaps it with ``os.wait4``, which also gives the child's peak resident
memory, so even a killed or crashed run has a peak measured.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Exit:
    """How a guarded child ended."""

    returncode: int
    """Exit code, or minus the signal number that ended it (as in :mod:`subprocess`)."""
    timed_out: bool
    """The guard fired and killed the child."""
    seconds: float
    """Wall seconds from start to exit."""
    peak_mib: float
    """Peak resident memory of the child (``ru_maxrss`` from ``wait4``), MiB."""


def run_guarded(
    cmd: Sequence[str],
    guard_seconds: float,
    log: Path,
    env: Mapping[str, str] | None = None,
) -> Exit:
    """Run ``cmd`` with stdout and stderr to ``log``; kill its process group after the guard."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            list(cmd),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            start_new_session=True,
        )
    started = time.monotonic()
    deadline = started + guard_seconds
    timed_out = False
    reaped = False
    try:
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() >= deadline:
                timed_out = True
                _kill_group(proc.pid)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(POLL_SECONDS)
        reaped = True
    finally:
        if not reaped:  # interrupted (Ctrl-C): take the child down with us
            _kill_group(proc.pid)
            os.wait4(proc.pid, 0)
    seconds = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Exit(proc.returncode, timed_out, seconds, usage.ru_maxrss / 1024)


def _kill_group(pid: int) -> None:
    """SIGKILL the child's process group (the child leads it: ``start_new_session``)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
