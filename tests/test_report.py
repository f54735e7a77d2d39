"""``otgroups report``: one self-contained HTML page that renders without a network.

The rendering test opens the report in headless Chromium (Debian's ``chromium`` package, which
``.ci/run`` installs) with every host name unresolvable, dumps the DOM after plotly has drawn,
and looks for the timetable's SVG.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analysis import report as report_module
from api.cli import app
from audit.profile import PROFILE_DIR

EXAMPLES = Path(str(files("models") / "examples"))
TERM = EXAMPLES / "demo_clinic.json"
SCHEDULE = EXAMPLES / "demo_schedule.json"
RECORDS = EXAMPLES / "demo_records.json"
PID = re.compile(r"\bP\d{4}\b")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NO_CHROMIUM = (
    "chromium is not installed: apt-get install -y --no-install-recommends chromium "
    "(.ci/run installs it)"
)

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's report with the audit as of 2027-10-24."""
    out = tmp_path_factory.mktemp("report") / "term.html"
    result = run("report", TERM, SCHEDULE, RECORDS, "--as-of", "2027-10-24", "--out", out)
    assert result.exit_code == 0, result.output
    assert "Report written to" in result.output and "with the audit summary" in result.output
    return out


def test_report_is_one_self_contained_file(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert [p.name for p in report.parent.iterdir()] == ["term.html"], "no temporary file left"
    # plotly's JavaScript is inside the page, nothing is loaded from elsewhere
    assert "plotly.js v" in html or "plotly.js" in html
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+href=", html)
    assert html.count("Plotly.newPlot") == 3  # timetable, demand, audit findings
    for div in ('id="timetable"', 'id="demand"', 'id="findings"'):
        assert div in html


def test_report_shows_timetable_fill_waitlist_and_audit(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    assert "Pine Hollow Community Mental Health Center: Fall 2027" in html
    assert "Weekly timetable" in html
    assert "social-skills-1" in html and "Mon/Wed 10:00-11:00" in html  # the fill table
    assert "Demand, capacity and the waitlist" in html
    assert "ADL Skills: Cooking" in html
    assert "Billing and documentation audit" in html
    assert "up to 2027-10-24" in html and "164 findings" in html
    assert "PROGRESS_REPORT_DUE" in html and "medicare-php" in html


def test_report_names_no_participant(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    assert not PID.findall(html)


def test_report_without_records_has_no_audit(tmp_path: Path) -> None:
    out = tmp_path / "nested" / "term.html"
    result = run("report", TERM, SCHEDULE, "--out", out)
    assert result.exit_code == 0, result.output
    assert "(no audit: no records given)" in result.output
    html = out.read_text(encoding="utf-8")
    assert 'id="timetable"' in html
    assert "Billing and documentation audit" not in html
    assert html.count("Plotly.newPlot") == 2


def test_as_of_needs_records(tmp_path: Path) -> None:
    out = tmp_path / "term.html"
    result = run("report", TERM, SCHEDULE, "--as-of", "2027-10-24", "--out", out)
    assert result.exit_code == 2
    assert "--as-of" in result.output and "RECORDS" in result.output
    assert not out.exists()


def test_bad_input_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "term.html"
    result = run("report", TERM, tmp_path / "missing.json", "--out", out)
    assert result.exit_code == 2
    assert "Input error" in result.output and "file not found" in result.output
    assert not out.exists()


def test_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "term.html"
    report_module.write_report(out, "<p>old</p>")
    assert out.read_text() == "<p>old</p>"

    def broken(_fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(OSError, match="disk full"):
        report_module.write_report(out, "<p>new</p>")
    assert out.read_text() == "<p>old</p>", "a failed write leaves the old report"
    assert [p.name for p in tmp_path.iterdir()] == ["term.html"]


@pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)
def test_report_renders_offline_in_headless_chromium(report: Path, tmp_path: Path) -> None:
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # no host name resolves: no network at all
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=5000",
        "--dump-dom",
        report.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    start = dom.index('id="timetable"')
    timetable = dom[start : dom.index("</section>", start)]
    assert 'class="main-svg"' in timetable, "plotly drew the timetable's SVG"
    assert re.search(r'class="gtitle"[^>]*>Weekly timetable<', timetable)
    assert 'class="barlayer' in timetable and "bartext" in timetable, "bars with labels"
    assert re.search(r">social-skills-1<", timetable), "section blocks are labelled"
    assert re.search(r">Teaching Kitchen<", timetable), "rooms are on the axis"
    assert 'id="findings"' in dom and dom.count('class="main-svg"') >= 6


@pytest.mark.parametrize("command", ["audit", "report"])
@pytest.mark.parametrize(
    ("rules", "path"),
    [
        ("medicare-part-q", "payers[0].rules.profile"),
        (
            {"profile": "medicare-part-b", "overrides": {"cert_within_days": "soon"}},
            "payers[0].rules.overrides.cert_within_days",
        ),
    ],
)
def test_a_payers_wrong_rules_are_named_in_the_records_file(
    tmp_path: Path, command: str, rules: object, path: str
) -> None:
    doc = json.loads(RECORDS.read_text(encoding="utf-8"))
    doc["payers"][0]["rules"] = rules
    records = tmp_path / "records.json"
    records.write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "term.html"
    extra = ["--out", out] if command == "report" else []
    result = run(command, TERM, SCHEDULE, records, "--as-of", "2027-10-24", *extra)
    assert result.exit_code == 2, result.output
    assert f"Input error in {records}" in result.output.replace("\n", "")
    assert path in result.output and str(PROFILE_DIR) not in result.output
    assert not out.exists()


def test_a_closed_pipe_ends_the_command_quietly() -> None:
    """``otgroups audit … | head`` stops without a 'System error' when head has read enough."""
    script = (
        f'"{sys.executable}" -c "from api.cli import app; app()" audit "{TERM}" "{SCHEDULE}" '
        f'"{RECORDS}" --as-of 2027-10-24 --format json | head -c 10 >/dev/null; '
        'echo "${PIPESTATUS[0]}"'
    )
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=False)
    assert done.stdout.strip() == "141", done.stderr
    assert "error" not in done.stderr.lower()
