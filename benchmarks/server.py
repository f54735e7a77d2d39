"""A real ``otgroups serve`` process on a free loopback port, for load runs and end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


class ServerStoppedError(RuntimeError):
    """The server process ended (or never answered) before it was ready."""


@dataclass
class Served:
    base: str
    """``http://127.0.0.1:PORT``."""
    errors: str = ""
    """The server's standard error, once it has stopped."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve_process(db_url: str, workers: int = 1, wait: float = 30.0) -> Iterator[Served]:
    """``otgroups serve --db db_url --workers N`` on 127.0.0.1, ready (``/healthz`` answers)
    when this yields; stopped (SIGTERM, as Ctrl-C would) on leaving. It runs this checkout's code
    and sees this process's ``OTGROUPS_…`` settings."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1"]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--db", db_url, "--workers", str(workers)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    served = Served(f"http://127.0.0.1:{port}")
    try:
        _wait_until_up(served.base, server, wait)
        yield served
    finally:
        server.terminate()
        try:
            _, served.errors = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            _, served.errors = server.communicate()


def _wait_until_up(base: str, server: subprocess.Popen[str], wait: float) -> None:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if server.poll() is not None:
            tail = server.stderr.read()[-2000:] if server.stderr else ""
            raise ServerStoppedError(f"the server stopped: {tail}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise ServerStoppedError(f"the server did not answer {base}/healthz within {wait:.0f} s")
