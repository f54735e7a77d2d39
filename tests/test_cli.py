"""The command line end to end: what a director types, what they see, what lands on disk."""

from __future__ import annotations

import json
import time
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest
from helpers import DATA, group_type, participant, tiny_schedule, tiny_term, window
from rich.console import Console
from typer.testing import CliRunner

from api.cli import app
from api.render import participant_week, summary
from models import load_schedule, load_term

SMALL = str(DATA / "small-term.json")
EXAMPLES = Path(str(files("models") / "examples"))
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
    assert "did you mean" not in missing.output
    lower = run("explain", SMALL, str(small_schedule), "p07")
    assert lower.exit_code == 2 and "(did you mean 'P07'?)" in lower.output


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


def test_the_summary_reads_for_a_director() -> None:
    """The score and bound in words, one line per section with its time and room by name, and
    each meeting's own hours when a section's meetings differ."""
    term = load_term(EXAMPLES / "demo_clinic.json")
    schedule = load_schedule(EXAMPLES / "demo_schedule.json", term)
    sec = schedule.section("social-skills-1")
    moved = sec.meetings[1].model_copy(update={"start": 13 * 60, "end": 14 * 60})
    sec.meetings[1] = moved
    console = Console(width=100, record=True)
    console.print(summary(term, schedule))
    text = console.export_text()
    gap = schedule.bound - schedule.score
    assert f"the best possible scores at most {gap} more" in text
    assert "Sections: when and where" in text
    line = next(x for x in text.splitlines() if "social-skills-1 " in x)
    assert "Mon 10:00-11:00; Wed 13:00-14:00" in line and "Group Room C" in line
    assert "people moved from their current section" in text
    week = Console(width=80, record=True)
    week.print(participant_week(term, schedule, "P0019"))
    assert "stress-management-1" in week.export_text(), "an id is never cut at 80 columns"


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


def flat(output: str) -> str:
    """Output with rich's line wrapping undone."""
    return " ".join(output.split())


def test_cpsat_named_values_and_lists_are_taken_and_wrong_ones_named(tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    ok = run(
        "solve", SMALL, "--out", str(out), "--time-limit", "5",
        "--cpsat", "search_branching=FIXED_SEARCH",
        "--cpsat", 'restart_algorithms=["LUBY_RESTART"]',
    )  # fmt: skip
    assert ok.exit_code == 0 and out.exists(), ok.output
    for pair, wanted in [
        ("search_branching=NOPE", "one of AUTOMATIC_SEARCH, FIXED_SEARCH"),
        ("restart_algorithms=1", "restart_algorithms takes a JSON list"),
        ('num_workers="x"', "num_workers takes a whole number"),
    ]:
        bad = run("solve", SMALL, "--out", str(tmp_path / "b.json"), "--cpsat", pair)
        assert bad.exit_code == 2 and wanted in flat(bad.output), bad.output
    assert not (tmp_path / "b.json").exists()


CLINIC = tiny_term(2)["clinic"]


def _written(tmp_path: Path, doc: object, name: str = "term.json") -> Path:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


@pytest.mark.parametrize(
    ("doc", "said"),
    [
        ("[" * 100_000, "JSON nested too deeply"),
        ('{"n": ' + "9" * 5000 + "}", "not usable JSON"),
        ({**tiny_term(2), "clinic": {**CLINIC, "timezone": "x" * 300}}, "clinic.timezone"),
        ({**tiny_term(2), "weights": {"required": 10**17}}, "weights.required: 10000000000"),
    ],
    ids=["deep", "long-number", "long-time-zone", "huge-weight"],
)  # fmt: skip
def test_a_term_no_solver_could_take_is_an_input_error(tmp_path: Path, doc, said: str) -> None:
    term = _written(tmp_path, doc)
    out = tmp_path / "s.json"
    result = run("solve", str(term), "--out", str(out), "--time-limit", "5")
    assert result.exit_code == 2 and said in flat(result.output), result.output[-500:]
    assert "Internal error" not in result.output and "P0" not in result.output
    assert not out.exists()


def test_an_output_that_cannot_be_written_is_refused_before_the_search(tmp_path: Path) -> None:
    term = _written(tmp_path, tiny_term(2))
    before = term.read_text()
    started = time.monotonic()
    cases = [
        (str(term), "is also an input of this command"),
        (str(tmp_path), "is a folder; give a file name"),
        ("/proc/otgroups-test.json", "cannot write in /proc"),
    ]
    for out, said in cases:
        result = run("solve", str(term), "--out", out, "--time-limit", "30")
        assert result.exit_code == 2 and said in flat(result.output), result.output
        assert "Nothing was written" in flat(result.output)
    assert time.monotonic() - started < 10  # refused up front, not after 30 s of search
    assert term.read_text() == before
    report = run("report", str(term), str(term), "--out", str(term))
    assert report.exit_code == 2 and term.read_text() == before
    assert run("convert", str(term), str(term)).exit_code == 2


def test_seed_and_time_limit_stay_in_range(tmp_path: Path) -> None:
    out = str(tmp_path / "s.json")
    assert run("solve", SMALL, "--out", out, "--seed", str(2**31)).exit_code == 2
    assert run("solve", SMALL, "--out", out, "--time-limit", "inf").exit_code == 2
    assert not Path(out).exists()


def test_a_ledger_url_the_ledger_cannot_use_is_an_input_error(tmp_path: Path) -> None:
    text = _written(tmp_path, "not a database\n" * 100, "notes.db")
    result = run("term", "sessions", "2027-09-27", "--db", f"sqlite:///{text}")
    assert result.exit_code == 2 and "Cannot use the ledger database" in flat(result.output)
    result = run("token", "list", "--db", "mysql://user:secret@localhost/db")
    assert result.exit_code == 2
    assert "not a SQLite or PostgreSQL database URL" in flat(result.output)
    assert "secret" not in result.output


def test_text_from_the_files_is_printed_as_it_is_not_as_markup(tmp_path: Path) -> None:
    """Rich markup in a name or a quoted value is shown literally (``[/]`` made rich raise)."""
    doc = tiny_term(3)
    doc["group_types"][0]["name"] = "[b]Art[/]"
    term = tmp_path / "term.json"
    term.write_text(json.dumps(doc), encoding="utf-8")
    solved = run("solve", str(term), "--time-limit", "5", "--out", str(tmp_path / "s.json"))
    assert solved.exit_code == 0, solved.output
    assert "[b]Art[/]" in solved.output
    doc["participants"][0]["requests"][0]["group_type"] = "[/]"
    term.write_text(json.dumps(doc), encoding="utf-8")
    refused = run("solve", str(term), "--out", str(tmp_path / "s.json"))
    assert refused.exit_code == 2 and "unknown group type '[/]'" in refused.output


def test_convert_writes_terms_that_meet_the_json_schema(tmp_path: Path) -> None:
    """A participant without ``current`` has no such field (the schema allows an object or
    nothing; ``null`` broke it), through a workbook and back and from JSON."""
    schema = json.loads((files("models") / "schemas" / "term.schema.json").read_text())
    demo = str(files("models") / "examples" / "demo_clinic.json")
    assert run("convert", demo, str(tmp_path / "t.xlsx")).exit_code == 0
    assert run("convert", str(tmp_path / "t.xlsx"), str(tmp_path / "back.json")).exit_code == 0
    doc = json.loads((tmp_path / "back.json").read_text())
    jsonschema.validate(doc, schema)
    assert all("current" not in p for p in doc["participants"])


def test_a_previous_schedule_naming_what_the_term_no_longer_has_is_kept_in_part(
    tmp_path: Path,
) -> None:
    # Mid-term, P5 left, the leader of b resigned and group c stopped; today's schedule still
    # names them. The re-solve keeps a as it is, b's people with a new leader, and says what
    # it drops.
    both = [{"group_type": t, "priority": "required"} for t in "ab"]
    term = tiny_term(
        participants=[participant(f"P{i}", requests=both) for i in range(1, 5)],
        group_types=[group_type("a"), group_type("b")],
    )
    term["staff"] += [{**term["staff"][0], "id": "ot3"}]
    term_file = tmp_path / "term.json"
    term_file.write_text(json.dumps(term))

    def section(sid: str, day: str, staff: str, people: list[str]) -> dict:
        meeting = {"day": day, "start": "09:00", "end": "10:00"}
        return {
            **tiny_schedule()["sections"][0],
            "id": sid,
            "group_type": sid[0],
            "meetings": [meeting],
            "staff": [staff],
            "participants": people,
        }

    today = tiny_schedule()
    four = ["P1", "P2", "P3", "P4"]
    today["sections"] = [
        section("a-1", "mon", "ot1", four),
        section("b-1", "tue", "ot2", [*four, "P5"]),
        section("c-1", "wed", "ot1", ["P1", "P2"]),
    ]
    today_file = tmp_path / "today.json"
    today_file.write_text(json.dumps(today))
    out = tmp_path / "after.json"
    result = run("solve", str(term_file), "--previous", str(today_file), "--out", str(out))
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert (
        "today.json names what the term no longer has (1 group type (c); 1 staff member (ot2); "
        "1 participant (P5)): their places are not kept"
    ) in said
    assert run("validate", str(term_file), str(out)).exit_code == 0
    after = {s["id"]: s for s in json.loads(out.read_text())["sections"]}
    assert set(after) == {"a-1", "b-1"}
    assert after["a-1"]["meetings"][0]["day"] == "mon" and after["a-1"]["staff"] == ["ot1"]
    assert after["a-1"]["participants"] == four and after["b-1"]["participants"] == four


def test_a_previous_schedule_with_a_duplicate_section_id_is_refused(
    small_schedule: Path, tmp_path: Path
) -> None:
    doc = json.loads(small_schedule.read_text())
    doc["sections"][1]["id"] = doc["sections"][0]["id"]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(doc))
    out = tmp_path / "after.json"
    result = run("solve", SMALL, "--previous", str(broken), "--out", str(out))
    assert result.exit_code == 2 and "sections[1].id: duplicate section id" in result.output
    assert not out.exists()
