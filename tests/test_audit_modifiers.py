"""Modifier checks (audit/checks/modifiers.py): one raised/not-raised pair per code.

Fees in the clean case: 97150 $30 per unit. Each participant's ytd_ot_allowed ($500) is the
spend at as_of, the four held January sessions ($120) included, so the spend after the n-th
held line is ytd - 120 + 30·n and each planned Monday adds $30. 2027 is not in the profile's
kx_threshold table: 2026's $2,480 stands in. The review level is $3,000 in 2027.
"""

from __future__ import annotations

from datetime import date

import pytest
from audit_cases import individual, line, of, override, session
from audit_helpers import records_doc, run

from audit.checks.modifiers import money
from audit.checks.units import units_for


# -- MODIFIER_MISSING ------------------------------------------------------------------------
def test_modifier_missing_go() -> None:
    records = records_doc()
    session(records, "P1", "2027-01-11")["lines"][0]["modifiers"] = []
    [f] = of(run(records), "MODIFIER_MISSING")
    assert (f.severity, f.participant, f.date, f.session) == (
        "error",
        "P1",
        date(2027, 1, 11),
        "P1-2027-01-11",
    )
    assert f.message.startswith("Add GO to P1's 97150 line of 2027-01-11")
    assert f.rule.startswith("medicare-part-b.discipline_modifier")


def test_modifier_missing_co_when_an_ota_furnished_part() -> None:
    records = records_doc()
    session(records, "P1", "2027-01-11")["furnished_by"] = ["ot1", "ota1"]
    [f] = of(run(records), "MODIFIER_MISSING")
    assert (f.severity, f.participant, f.date) == ("error", "P1", date(2027, 1, 11))
    assert "Add CO to P1's 97150 line of 2027-01-11: ota1 (OTA) furnished" in f.message


def test_modifier_missing_not_raised_with_go_and_co() -> None:
    records = records_doc()
    s = session(records, "P1", "2027-01-11")
    s["furnished_by"] = ["ot1", "ota1"]
    s["lines"][0]["modifiers"] = ["GO", "CO"]
    assert of(run(records), "MODIFIER_MISSING") == []


def test_modifier_missing_kx_from_the_line_that_passes_the_threshold() -> None:
    records = records_doc()
    records["ytd_ot_allowed"]["P1"] = 2500.0  # 2380 before Jan 4; Jan 25 reaches 2500
    [f] = of(run(records), "MODIFIER_MISSING")
    assert (f.severity, f.participant, f.date) == ("error", "P1", date(2027, 1, 25))
    assert "Add KX to P1's 97150 line of 2027-01-25" in f.message
    assert "reaches $2,500 with it, past the $2,480 threshold" in f.message
    assert "2027 threshold not in the profile; using 2026's $2,480" in f.message
    assert "UNCONFIRMED" in f.rule


def test_modifier_missing_kx_not_raised_when_kx_is_there_or_no_threshold() -> None:
    records = records_doc()
    records["ytd_ot_allowed"]["P1"] = 2500.0
    session(records, "P1", "2027-01-25")["lines"][0]["modifiers"] = ["GO", "KX"]
    assert of(run(records), "MODIFIER_MISSING") == []
    no_threshold = records_doc()
    no_threshold["ytd_ot_allowed"]["P1"] = 9000.0
    override(no_threshold, kx_threshold={}, review_threshold={})
    found = run(no_threshold)
    assert of(found, "MODIFIER_MISSING") == [] and of(found, "THRESHOLD_KX") == []


# -- MODIFIER_INVALID ------------------------------------------------------------------------
def test_modifier_invalid_wrong_discipline() -> None:
    records = records_doc()
    session(records, "P1", "2027-01-11")["lines"][0]["modifiers"] = ["GO", "GP"]
    [f] = of(run(records), "MODIFIER_INVALID")
    assert (f.severity, f.participant, f.date) == ("error", "P1", date(2027, 1, 11))
    assert f.message.startswith("Replace GP on P1's 97150 line of 2027-01-11 with GO")


def test_modifier_invalid_co_without_go() -> None:
    records = records_doc()
    s = session(records, "P1", "2027-01-11")
    s["furnished_by"] = ["ota1"]
    s["lines"][0]["modifiers"] = ["CO"]
    findings = run(records)
    [f] = of(findings, "MODIFIER_INVALID")
    assert "carries CO without GO" in f.message
    [missing] = of(findings, "MODIFIER_MISSING")
    assert missing.message.startswith("Add GO")


def test_modifier_invalid_59_with_an_x_modifier() -> None:
    records = records_doc()
    session(records, "P1", "2027-01-11")["lines"][0]["modifiers"] = ["GO", "59", "XU"]
    [f] = of(run(records), "MODIFIER_INVALID")
    assert "carries 59 and XU: keep the X modifier and drop 59" in f.message


def test_modifier_invalid_not_raised_for_go_with_one_distinct_modifier() -> None:
    records = records_doc()
    session(records, "P1", "2027-01-11")["lines"][0]["modifiers"] = ["GO", "XU"]
    assert of(run(records), "MODIFIER_INVALID") == []


# -- THRESHOLD_KX ----------------------------------------------------------------------------
def test_threshold_kx_first_planned_session_that_needs_kx() -> None:
    records = records_doc()
    records["ytd_ot_allowed"]["P1"] = 2400.0  # Feb 1 2430, Feb 8 2460, Feb 15 2490
    [f] = of(run(records), "THRESHOLD_KX")
    assert (f.severity, f.participant, f.date, f.session) == (
        "warning",
        "P1",
        date(2027, 2, 15),
        None,
    )
    assert f.message.startswith(
        "From 2027-02-15 P1's lines need KX: year-to-date OT spend passes $2,480"
    )
    assert "2027 threshold not in the profile; using 2026's $2,480" in f.message


def test_threshold_kx_uses_the_years_own_value_when_known() -> None:
    records = records_doc()
    records["ytd_ot_allowed"]["P1"] = 2500.0
    override(records, kx_threshold={"2026": 2480, "2027": 2550})
    [f] = of(run(records), "THRESHOLD_KX")  # Feb 1 2530, Feb 8 2560
    assert f.date == date(2027, 2, 8)
    assert "passes $2,550" in f.message and "not in the profile" not in f.message


def test_threshold_kx_warns_at_the_review_level() -> None:
    records = records_doc()
    records["ytd_ot_allowed"]["P1"] = 2900.0  # Feb 1 2930 … Feb 22 3020
    kx, review = of(run(records), "THRESHOLD_KX")
    assert kx.date == date(2027, 2, 1)
    assert (review.severity, review.date) == ("warning", date(2027, 2, 22))
    assert "year-to-date OT spend passes $3,000, the targeted medical-review level" in (
        review.message
    )
    assert review.rule.startswith("medicare-part-b.review_threshold")


def test_threshold_kx_not_raised_below_the_threshold() -> None:
    assert of(run(), "THRESHOLD_KX") == []  # 500 + 8 × 30 = 740


# -- NCCI_PAIR -------------------------------------------------------------------------------
def test_ncci_pair_indicator_1_without_a_distinct_modifier() -> None:
    records = records_doc()
    records["sessions"].append(
        individual("P1", "2027-01-11", "13:00", 30, [line("97530", 2, "GO", minutes=30)])
    )
    [f] = of(run(records), "NCCI_PAIR")
    assert (f.severity, f.participant, f.date, f.session) == (
        "error",
        "P1",
        date(2027, 1, 11),
        "P1-2027-01-11-13:00",
    )
    assert "97150 and 97530 are both billed for P1 on 2027-01-11" in f.message
    assert "add XE/XU/59 to the 97530 line only if the note shows separate time blocks" in (
        f.message
    )
    assert "the pair 97150+97530 is UNCONFIRMED" in f.rule


def test_ncci_pair_indicator_1_not_raised_with_a_distinct_modifier() -> None:
    records = records_doc()
    records["sessions"].append(
        individual("P1", "2027-01-11", "13:00", 30, [line("97530", 2, "GO", "XE", minutes=30)])
    )
    assert of(run(records), "NCCI_PAIR") == []


def test_ncci_pair_indicator_0_even_with_a_modifier() -> None:
    records = records_doc()
    evals = [line("97165", 1, "GO"), line("97168", 1, "GO", "XU")]
    records["sessions"].append(individual("P1", "2027-01-11", "13:00", 45, evals))
    [f] = of(run(records), "NCCI_PAIR")
    assert "97165 and 97168 are both billed for P1 on 2027-01-11" in f.message
    assert "never payable together" in f.message


def test_ncci_pair_confirmed_pair_has_no_pair_warning_in_rule() -> None:
    records = records_doc()
    records["sessions"].append(
        individual(
            "P1",
            "2027-01-11",
            "13:00",
            60,
            [line("97168", 1, "GO"), line("97530", 2, "GO", minutes=30)],
        )
    )
    findings = of(run(records), "NCCI_PAIR")
    by_pair = {f.message.split(" are both")[0]: f for f in findings}
    assert "the pair" not in by_pair["97168 and 97530"].rule
    assert "the pair 97150+97530 is UNCONFIRMED" in by_pair["97150 and 97530"].rule


def test_ncci_pair_not_raised_on_different_days() -> None:
    records = records_doc()
    records["sessions"].append(
        individual("P1", "2027-01-12", "13:00", 30, [line("97530", 2, "GO", minutes=30)])
    )
    assert of(run(records), "NCCI_PAIR") == []


# -- helpers ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("minutes", "units"),
    [
        *[(0, 0), (7, 0), (8, 1), (22, 1), (23, 2), (37, 2), (38, 3), (52, 3), (53, 4)],
        *[(67, 4), (68, 5), (82, 5), (83, 6), (97, 6), (98, 7), (112, 7), (113, 8), (127, 8)],
    ],
)
def test_units_for_follows_the_eight_minute_table(minutes: int, units: int) -> None:
    assert units_for(minutes, 15) == units


def test_money() -> None:
    assert (money(2480), money(2480.5), money(30.0)) == ("$2,480", "$2,480.50", "$30")
