"""UNITS_EXCEED_TIME (audit/checks/units.py): timed units against the 8-minute rule per
participant and date. The clean case bills only the untimed 97150 group (10:00–11:00 Mondays);
one-on-one sessions are added at 13:00 unless a test is about overlapping the group."""

from __future__ import annotations

from datetime import date

from audit_cases import individual, line, of
from audit_helpers import records_doc, run


def test_units_exceed_time_raised_when_units_outrun_the_minutes() -> None:
    records = records_doc()
    records["sessions"].append(
        individual("P1", "2027-01-11", "13:00", 20, [line("97530", 2, "GO", minutes=20)])
    )
    [f] = of(run(records), "UNITS_EXCEED_TIME")
    assert (f.severity, f.participant, f.date, f.session) == (
        "error",
        "P1",
        date(2027, 1, 11),
        "P1-2027-01-11-13:00",
    )
    assert "bill 2 units for 20 one-on-one timed minutes; the 8-minute rule allows 1" in (f.message)
    assert f.rule.startswith("medicare-part-b.unit_minutes")


def test_units_exceed_time_not_raised_at_the_table_boundary() -> None:
    records = records_doc()
    records["sessions"].append(
        individual("P1", "2027-01-11", "13:00", 23, [line("97530", 2, "GO", minutes=23)])
    )
    assert of(run(records), "UNITS_EXCEED_TIME") == []


def test_units_exceed_time_totals_the_day_not_each_line() -> None:
    # 10 + 10 minutes: each alone earns a unit, the day's 20 minutes earn one in all.
    records = records_doc()
    records["sessions"] += [
        individual("P1", "2027-01-11", "13:00", 10, [line("97530", 1, "GO", minutes=10)]),
        individual("P1", "2027-01-11", "14:00", 10, [line("97535", 1, "GO", minutes=10)]),
    ]
    [f] = of(run(records), "UNITS_EXCEED_TIME")
    assert "bill 2 units for 20 one-on-one timed minutes; the 8-minute rule allows 1" in (f.message)


def test_units_exceed_time_untimed_group_minutes_do_not_count() -> None:
    # 7 one-on-one minutes earn nothing, however long the untimed 97150 group was.
    records = records_doc()
    records["sessions"].append(
        individual("P1", "2027-01-11", "13:00", 7, [line("97535", 1, "GO", minutes=7)])
    )
    [f] = of(run(records), "UNITS_EXCEED_TIME")
    assert "the 8-minute rule allows 0" in f.message


def test_units_exceed_time_timed_line_without_minutes_is_undocumented() -> None:
    records = records_doc()
    records["sessions"].append(
        individual("P1", "2027-01-11", "13:00", 30, [line("97530", 2, "GO")])
    )
    [f] = of(run(records), "UNITS_EXCEED_TIME")
    assert "97530 ×2 (no min)" in f.message and "allows 0" in f.message


def test_units_exceed_time_not_raised_for_separate_times_the_same_day() -> None:
    records = records_doc()
    records["sessions"].append(
        individual("P1", "2027-01-11", "11:00", 30, [line("97530", 2, "GO", "XU", minutes=30)])
    )
    assert of(run(records), "UNITS_EXCEED_TIME") == []
