"""The web desk in headless Chromium (Playwright driving Debian's ``/usr/bin/chromium``).

Two walks against the real service under uvicorn on a loopback port, each on its own temporary
SQLite ledger: the VA's makeup booking (sign in, today's sessions, mark someone absent, find a
makeup, book it, see it booked) and the director's solve-and-publish (sign in, upload a small
term, start a short solve, watch it finish, publish, see the timetable). Screenshots go to
``$OTGROUPS_ARTIFACTS`` (default ``tests/artifacts/``, ignored by git).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import pytest
from helpers import tiny_term
from sqlalchemy import select

from api.http.auth import new_token
from ledger.makeups import makeup_options
from ledger.publish import publish
from ledger.schema import DatedSession
from ledger.store import open_ledger
from models import load_schedule, load_term
from tests.http_support import REHEARSAL_NOW

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="headless Chromium (/usr/bin/chromium) is not installed"
)
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = files("models") / "examples"
DEMO_DAY = dt.date(2027, 9, 13)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def artifacts() -> Path:
    folder = Path(os.environ.get("OTGROUPS_ARTIFACTS") or ROOT / "tests" / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Service:
    """``create_app`` under uvicorn in a child process, on a loopback port."""

    def __init__(self, db: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "OTGROUPS_DB_URL": f"sqlite:///{db}",
            "OTGROUPS_MAX_SOLVE_SECONDS": "5",
            "OTGROUPS_SOLVE_WORKERS": "1",
            "OTGROUPS_NOW": REHEARSAL_NOW,
        }
        code = (
            "import uvicorn; from api.http.app import create_app; "
            f"uvicorn.run(create_app(), host='127.0.0.1', port={self.port}, log_level='warning')"
        )
        self.process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1):
                    return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError("the service exited at start") from None
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the service did not answer /healthz")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        handle = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield handle
        handle.close()


def _sign_in(page: object, service: Service, token: str) -> None:
    page.goto(service.url + "/login")  # type: ignore[attr-defined]
    page.get_by_label("API token").fill(token)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]


def _makeup_case(db: Path) -> tuple[int, str]:
    """A session on the demo's first Monday and a member who could make it up."""
    ledger = open_ledger(f"sqlite:///{db}")
    try:
        with ledger.read() as s:
            rows = s.execute(
                select(DatedSession.id, DatedSession.section).where(DatedSession.date == DEMO_DAY)
            ).all()
        term = load_term(str(EXAMPLES / "demo_clinic.json"))
        schedule = load_schedule(str(EXAMPLES / "demo_schedule.json"), term)
        for sid, section in rows:
            for pid in schedule.section(section).participants:
                if makeup_options(ledger, pid, sid):
                    return sid, pid
    finally:
        ledger.dispose()
    raise AssertionError("no makeup case on the demo's first Monday")


def test_va_books_a_makeup(browser: object, tmp_path: Path) -> None:
    db = tmp_path / "va.sqlite"
    ledger = open_ledger(f"sqlite:///{db}")
    term = load_term(str(EXAMPLES / "demo_clinic.json"))
    publish(ledger, term, load_schedule(str(EXAMPLES / "demo_schedule.json"), term))
    token = new_token(ledger, "scheduler", "va")[1]
    ledger.dispose()
    sid, pid = _makeup_case(db)
    service = Service(db)
    shots = artifacts()
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
        _sign_in(page, service, token)
        page.wait_for_url(re.compile(r"/desk/today"))
        page.get_by_label("Date").fill(DEMO_DAY.isoformat())
        page.get_by_role("button", name="Show").click()
        page.wait_for_url(re.compile(r"date=2027-09-13"))
        card = page.locator(f"#session-{sid}")
        card.get_by_role("button", name=f"Absent: {pid}").click()
        page.get_by_role("status").filter(has_text=f"{pid} marked absent").wait_for()
        page.screenshot(path=str(shots / "va-1-today-marked-absent.png"), full_page=False)
        page.locator(f"#session-{sid}").get_by_role("link", name=f"Find makeup for {pid}").click()
        page.get_by_role("heading", name=re.compile("Options for session")).wait_for()
        first = page.get_by_role("button", name=re.compile(r"^Book option 1:"))
        assert page.locator(".seats").first.inner_text().endswith("left")
        page.screenshot(path=str(shots / "va-2-makeup-options.png"), full_page=False)
        first.click()
        page.get_by_role("status").filter(has_text=f"Booked makeup 1: {pid} into").wait_for()
        assert page.locator(".booked").first.inner_text() == "Booked"
        page.screenshot(path=str(shots / "va-3-makeup-booked.png"), full_page=False)
        # tablet width: the same page stays usable (no horizontal scroll of the page itself)
        page.set_viewport_size({"width": 800, "height": 1000})
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 800
        page.screenshot(path=str(shots / "va-4-tablet.png"), full_page=False)
    finally:
        service.stop()


def test_director_solves_and_publishes(browser: object, tmp_path: Path) -> None:
    db = tmp_path / "director.sqlite"
    ledger = open_ledger(f"sqlite:///{db}")
    token = new_token(ledger, "director", "director")[1]
    ledger.dispose()
    term_file = tmp_path / "small-term.json"
    term_file.write_text(json.dumps(tiny_term(8)))
    service = Service(db)
    shots = artifacts()
    errors: list[str] = []
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        _sign_in(page, service, token)
        page.wait_for_url(re.compile(r"/director$"))
        page.get_by_label(re.compile("^Term: contract JSON")).set_input_files(str(term_file))
        page.get_by_role("button", name="Upload and check").click()
        page.get_by_role("status").filter(has_text="Term 1 (small-term.json)").wait_for()
        page.get_by_label("seconds").fill("2")
        page.get_by_role("button", name="Start a solve of term 1").click()
        page.wait_for_url(re.compile(r"/director/solves/\w+$"))
        page.screenshot(path=str(shots / "director-1-solving.png"), full_page=False)
        publish_button = page.get_by_role("button", name="Publish")
        publish_button.wait_for(timeout=90_000)  # the page reloads itself when the solve ends
        assert page.locator("#p-state").inner_text() == "done"
        assert page.locator("#p-score").inner_text() != "—"
        page.screenshot(path=str(shots / "director-2-solved.png"), full_page=True)
        publish_button.click()
        page.get_by_role("status").filter(has_text="Published schedule v1").wait_for()
        page.locator("#timetable .main-svg").first.wait_for(timeout=30_000)
        page.screenshot(path=str(shots / "director-3-timetable.png"), full_page=True)
        assert not errors, errors
    finally:
        service.stop()


def test_the_api_documentation_renders_with_no_network(browser: object, tmp_path: Path) -> None:
    """/docs draws from the service's own files: a clinic network without internet (or a
    firewall) still shows the whole API. Requests off the loopback are refused here."""
    service = Service(tmp_path / "docs.sqlite")
    elsewhere: list[str] = []

    def only_here(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if url.startswith(service.url):
            route.continue_()  # type: ignore[attr-defined]
        else:
            elsewhere.append(url)
            route.abort()  # type: ignore[attr-defined]

    try:
        page = browser.new_page()  # type: ignore[attr-defined]
        page.route("**/*", only_here)
        page.goto(service.url + "/docs")
        page.locator(".swagger-ui .info .title").filter(has_text="otgroups").wait_for()
        page.get_by_text("/v1/sessions", exact=True).first.wait_for()
        assert elsewhere == []
    finally:
        service.stop()
