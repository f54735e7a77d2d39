"""The command line end to end: what a director types, what they see, what lands on disk."""

from __future__ import annotations

import json
import time
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest
from helpers import DATA, group_type, participant, tiny_term, window
from typer.testing import CliRunner

from api.cli import app

SMALL = str(DATA / "small-term.json")
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def small_schedule(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("solve") / "schedule.json"
    result = run("solve", SMALL, "--time-limit", "10", "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def test_solve_writes_a_schedule_that_meets_the_json_schema(small_schedule: Path) -> None:
    schema = json.loads((files("models") / "schemas" / "schedule.schema.json").read_text())
    doc = json.loads(small_schedule.read_text())
    jsonschema.validate(doc, schema)
    assert doc["status"] == "OPTIMAL" and doc["score"] == doc["bound"]


def test_validate_accepts_the_solved_schedule(small_schedule: Path) -> None:
    result = run("validate", SMALL, str(small_schedule))
    assert result.exit_code == 0 and "VALID" in result.output


def test_validate_rejects_a_broken_schedule(small_schedule: Path, tmp_path: Path) -> None:
    doc = json.loads(small_schedule.read_text())
    doc["sections"][0]["meetings"][0]["start"] = "06:00"
    doc["sections"][0]["meetings"][0]["end"] = "07:00"
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(doc))
    result = run("validate", SMALL, str(broken))
    assert result.exit_code == 1 and "INVALID" in result.output and "H3" in result.output


def test_explain_shows_week_and_reasons(small_schedule: Path) -> None:
    result = run("explain", SMALL, str(small_schedule), "P07")
    assert result.exit_code == 0
    assert "age band adolescent" in result.output
    missing = run("explain", SMALL, str(small_schedule), "P99")
    assert missing.exit_code == 2 and "no participant 'P99'" in missing.output


def test_malformed_term_exits_2_names_path_and_writes_nothing(tmp_path: Path) -> None:
    doc = tiny_term(3)
    doc["participants"][2]["requests"][0]["group_type"] = "cookng"
    term = tmp_path / "term.json"
    term.write_text(json.dumps(doc))
    out = tmp_path / "schedule.json"
    result = run("solve", str(term), "--out", str(out), "--time-limit", "5")
    assert result.exit_code == 2
    assert "participants[2].requests[0].group_type: unknown group type 'cookng'" in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_time_limit_must_be_positive(tmp_path: Path) -> None:
    result = run("solve", SMALL, "--out", str(tmp_path / "s.json"), "--time-limit", "0")
    assert result.exit_code == 2 and not (tmp_path / "s.json").exists()


def test_convert_to_workbook_and_solve_from_it(tmp_path: Path) -> None:
    book = tmp_path / "term.xlsx"
    assert run("convert", SMALL, str(book)).exit_code == 0
    out = tmp_path / "s.json"
    result = run("solve", str(book), "--time-limit", "10", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["score"] > 0


def test_demo_prints_a_summary(tmp_path: Path) -> None:
    out = tmp_path / "demo.json"
    result = run("demo", "--time-limit", "20", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Sections per group" in result.output and "Requests by priority" in result.output
    assert json.loads(out.read_text())["format"] == "otgroups.schedule/1"


def test_cpsat_parameters_pass_through_and_are_checked(tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    ok = run(
        "solve", SMALL, "--out", str(out), "--time-limit", "5", "--cpsat", "linearization_level=2"
    )
    assert ok.exit_code == 0 and out.exists()
    bad = run("solve", SMALL, "--out", str(tmp_path / "b.json"), "--cpsat", "no_such_knob=1")
    assert bad.exit_code == 2 and "no_such_knob" in bad.output


def test_many_crowded_weeks_are_counted_not_listed(tmp_path: Path) -> None:
    # Seven participants free one hour a week ask for two one-hour groups: five are named
    # before the solve, the other two counted.
    hour = [window("mon", "09:00", "10:00")]
    both = [{"group_type": t, "priority": "required"} for t in ("a", "b")]
    people = [participant(f"P{i}", available=hour, requests=both) for i in range(1, 8)]
    doc = tiny_term(participants=people, group_types=[group_type("a"), group_type("b")])
    term = tmp_path / "term.json"
    term.write_text(json.dumps(doc))
    result = run("solve", str(term), "--time-limit", "5", "--out", str(tmp_path / "s.json"))
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())  # the console wraps long lines
    assert [f"warning P{i}:" in output for i in range(1, 8)] == [True] * 5 + [False] * 2
    assert "and 2 more participants whose week cannot hold all their groups" in output


def test_time_limit_counts_what_the_command_did_before_the_search(tmp_path: Path, monkeypatch):
    """``--time-limit`` bounds the whole command: when the process has already spent 5 of its
    6 s (reading, checks), the search gets the 1 s minimum, not 6 s."""
    from api import cli
    from benchmarks.generate import generate_term

    term = tmp_path / "term.json"
    term.write_text(json.dumps(generate_term(250, 0)))
    out = tmp_path / "schedule.json"
    monkeypatch.setitem(cli.PROCESS, "started", time.monotonic() - 5.0)
    result = run("solve", str(term), "--time-limit", "6", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["solve_seconds"] < 3.5


def test_the_search_reserve_grows_with_requests_but_never_past_half_the_limit() -> None:
    from optimizer.solve import reserve_seconds

    assert reserve_seconds(60, 6000) > reserve_seconds(60, 100) > 0
    assert reserve_seconds(4, 100_000) == 2.0
