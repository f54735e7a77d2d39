"""``otgroups term remind|calendar|supplies|manifest|contacts|outbox``: the commands over a
published ledger, their JSON, one-line errors and exit codes; and migration 0002 matching the
schema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from logistics_helpers import MATERIALS, demo_ledger, two_makeups_one_cancellation
from typer.testing import CliRunner

from api.cli import app
from ledger.store import Ledger

runner = CliRunner()


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("published")


@pytest.fixture
def db(tmp_path: Path, cache_dir: Path) -> Iterator[str]:
    handle: Ledger = demo_ledger(tmp_path, cache_dir)
    two_makeups_one_cancellation(handle)
    url = handle.url
    handle.dispose()
    yield url


def term(*args: Any) -> Any:
    return runner.invoke(app, ["term", *map(str, args)], catch_exceptions=False)


def test_commands_end_to_end(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTGROUPS_MATERIALS", str(MATERIALS))
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(
        "participant,channel,address,opt_in\nP0045,email,p45@example.org,yes\n"
        "P0045,sms,+15550100045,no\n"
    )
    result = term("contacts", "import", contacts, "--db", db, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"added": 2, "unchanged": 0, "opted_in": 1}

    result = term("remind", "--days-ahead", 3, "--now", "2027-09-13 07:00", "--db", db, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["by_kind"]["makeup"] == 1 and doc["by_kind"]["cancellation"] == 1
    assert {q["participant"] for q in doc["queued"]} == {"P0045"}
    assert {q["channel"] for q in doc["queued"]} == {"email"}
    assert "p45@example.org" not in result.output
    again = term("remind", "--days-ahead", 3, "--now", "2027-09-13 07:00", "--db", db)
    assert again.exit_code == 0 and "Queued 0 message(s)" in again.output

    result = term("outbox", "--db", db, "--json")
    assert json.loads(result.output)["counts"] == {"email pending": len(doc["queued"])}

    ics = tmp_path / "p45.ics"
    result = term("calendar", "--participant", "P0045", "--out", ics, "--db", db)
    assert result.exit_code == 0 and "1 cancelled" in result.output, result.output
    cal = Calendar.from_ical(ics.read_bytes())
    assert any("makeup" in str(e["SUMMARY"]) for e in cal.walk("VEVENT"))
    staff = tmp_path / "quinn.ics"
    assert term("calendar", "--staff", "ot-quinn", "--out", staff, "--db", db).exit_code == 0

    result = term("supplies", "count", "clay", 30, "--on", "2027-09-13", "--db", db)
    assert result.exit_code == 0 and "Counted 30 kg of clay on 2027-09-13" in result.output
    assert term("supplies", "reorder-point", "clay", 5, "--db", db).exit_code == 0
    result = term("supplies", "--as-of", "2027-09-14", "--format", "json", "--db", db)
    assert result.exit_code == 0, result.output
    projection = json.loads(result.output)
    rows = {r["item"]: r for r in projection["rows"]}
    # only the two absences of creative-expression-1 are marked: the rate so far is 0 of 2,
    # and clay goes only to the two makeups (0.5 kg each)
    assert projection["attendance_rates"]["creative-expression"] == {"rate": 0.0, "marks": 2}
    assert rows["clay"]["stock"] == 30 and rows["clay"]["need_to_term_end"] == 1.0
    assert rows["clay"]["runs_out"] is None and rows["clay"]["order_by"] is None
    assert rows["paint"]["status"] == "not counted"
    csv_out = tmp_path / "reorder.csv"
    result = term(
        "supplies", "--as-of", "2027-09-14", "--format", "csv", "--out", csv_out, "--db", db
    )
    assert result.exit_code == 0 and csv_out.read_text().startswith("item,name,unit,stock")
    term("supplies", "count", "handout", 100, "--on", "2027-09-13", "--db", db)
    table = term("supplies", "--as-of", "2027-09-14", "--db", db)
    assert table.exit_code == 0 and "overdue: order now" in table.output, table.output

    for fmt in ("csv", "html"):
        out = tmp_path / f"manifest.{fmt}"
        result = term("manifest", "2027-09-14", "--format", fmt, "--out", out, "--db", db)
        assert result.exit_code == 0 and "1 outing(s)" in result.output, result.output
        assert "Pine Hollow Public Library" in out.read_text()


def test_errors_are_one_line_with_exit_codes(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OTGROUPS_MATERIALS", raising=False)
    empty = tmp_path / "empty.toml"
    empty.write_text('format = "otgroups.materials/1"\n')
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("participant,channel,address,opt_in\nP0001,email,secret@example.org,ok\n")
    cases = [
        (("contacts", "import", bad_csv), 2, "row 2, column opt_in"),
        (("contacts", "import", tmp_path / "none.csv"), 2, "no contacts file"),
        (("calendar", "--participant", "P9999", "--out", tmp_path / "x.ics"), 2, "P9999"),
        (("calendar", "--out", tmp_path / "x.ics"), 2, "exactly one of"),
        (("supplies",), 2, "pass --materials FILE"),
        (("supplies", "--materials", empty), 2, f"{empty}: no [items.…] tables"),
        (("supplies", "count", "glue", 1, "--materials", MATERIALS), 2, "unknown item 'glue'"),
        (("manifest", "2028-01-03", "--out", tmp_path / "m.csv"), 2, "outside the term"),
        (
            ("manifest", "2027-09-14", "--out", tmp_path / "m.x", "--format", "pdf"),
            2,
            "csv or html",
        ),
        (("remind", "--templates", tmp_path / "nowhere"), 2, "no templates folder"),
        (("outbox", "resolve", 99, "--not-delivered"), 1, "no outbox message 99"),
    ]
    for args, code, words in cases:
        result = term(*args, "--db", db)
        assert result.exit_code == code, (args, result.output)
        assert words in result.output and "Traceback" not in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1, result.output
        assert "secret@example.org" not in result.output
    missing = term("remind", "--db", f"sqlite:///{tmp_path / 'none.sqlite'}")
    assert missing.exit_code == 2 and "run `otgroups term publish` first" in missing.output
