"""The load script runs end to end on a small generated term (a smoke test, not a benchmark)."""

from __future__ import annotations

import json

import pytest

from benchmarks import api_load


def test_api_load_script_runs_and_checks_the_ledger(capsys: pytest.CaptureFixture[str]) -> None:
    code = api_load.main(["--participants", "40", "--clients", "4", "--seconds", "2", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0, report
    assert report["requests"] > 0 and report["server_errors_5xx"] == 0
    assert report["lost_writes"] == 0 and report["dates_breaking_a_rule"] == {}


def test_two_server_workers_book_no_seat_twice(capsys: pytest.CaptureFixture[str]) -> None:
    """Bookings answered by two worker processes on one ledger: still no seat booked twice, no
    lost write (each worker's day cache is checked against the ledger's row counts)."""
    load = ["--participants", "40", "--clients", "8", "--seconds", "3", "--think", "0"]
    code = api_load.main([*load, "--workers", "2", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0, report
    assert report["workers"] == 2 and report["bookings_2xx"] > 0
    assert report["server_errors_5xx"] == 0 and report["duplicate_makeups"] == 0
    assert report["lost_writes"] == 0 and report["dates_breaking_a_rule"] == {}
