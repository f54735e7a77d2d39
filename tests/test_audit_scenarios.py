"""billing-facts §8 scenarios 1–7, 11 and 12 on the clean audit case, each with the finding the
fact sheet expects (and, where it helps, the twin that is clean)."""

from __future__ import annotations

from datetime import date

from audit_cases import individual, line, of, plan, session
from audit_helpers import held, records_doc, run


def test_scenario_01_ota_led_group_without_co() -> None:
    # Medicare Part B, OTA-led 97150 group billed 97150-GO: CO is missing (paid at 85 %).
    records = records_doc()
    session(records, "P1", "2027-01-18")["furnished_by"] = ["ota1"]
    [f] = of(run(records), "MODIFIER_MISSING")
    assert (f.severity, f.participant, f.date) == ("error", "P1", date(2027, 1, 18))
    assert f.message.startswith("Add CO to P1's 97150 line of 2027-01-18: ota1 (OTA)")
    assert f.rule.startswith("medicare-part-b.assistant_modifier")


def test_scenario_02_wrong_discipline_modifier() -> None:
    # 97150-GP: wrong discipline (and GO missing).
    records = records_doc()
    session(records, "P1", "2027-01-18")["lines"][0]["modifiers"] = ["GP"]
    findings = run(records)
    [invalid] = of(findings, "MODIFIER_INVALID")
    assert (invalid.severity, invalid.participant, invalid.date) == (
        "error",
        "P1",
        date(2027, 1, 18),
    )
    assert invalid.message.startswith("Replace GP on P1's 97150 line of 2027-01-18 with GO")
    assert [f.message.split(":")[0] for f in of(findings, "MODIFIER_MISSING")] == [
        "Add GO to P1's 97150 line of 2027-01-18"
    ]


def test_scenario_02_co_with_gp() -> None:
    # 97150-CO-GP by the OTA: GP is wrong and CO without GO is invalid.
    records = records_doc()
    s = session(records, "P1", "2027-01-18")
    s["furnished_by"] = ["ota1"]
    s["lines"][0]["modifiers"] = ["CO", "GP"]
    messages = [f.message for f in of(run(records), "MODIFIER_INVALID")]
    assert len(messages) == 2
    assert any(m.startswith("Replace GP") for m in messages)
    assert any("carries CO without GO" in m for m in messages)


def test_scenario_03_group_and_individual_same_day_without_modifier() -> None:
    # 60-min group (97150) plus a separate 20-min ADL session (97535 ×1), no modifier.
    records = records_doc()
    adl = individual("P1", "2027-01-18", "13:00", 20, [line("97535", 1, "GO", minutes=20)])
    records["sessions"].append(adl)
    findings = run(records)
    [f] = of(findings, "NCCI_PAIR")
    assert (f.severity, f.participant, f.date) == ("error", "P1", date(2027, 1, 18))
    assert "without a distinct-service modifier" in f.message
    assert "separate time blocks" in f.message and "bill 97150 alone" in f.message
    assert of(findings, "UNITS_EXCEED_TIME") == []  # 20 separate minutes support 1 unit
    adl["lines"][0]["modifiers"] = ["GO", "XE"]  # the twin: separate encounter, XE
    assert of(run(records), "NCCI_PAIR") == []


def test_scenario_04_over_the_threshold_without_kx() -> None:
    # Year-to-date OT allowed already past $2,480 before January's sessions: every held line
    # lacks KX, the planned ones will need it, and the $3,000 review level comes in February.
    records = records_doc()
    records["ytd_ot_allowed"]["P1"] = 2990.0
    findings = run(records)
    missing = of(findings, "MODIFIER_MISSING")
    assert [f.date for f in missing] == [date(2027, 1, d) for d in (4, 11, 18, 25)]
    assert all(f.message.startswith("Add KX") and f.severity == "error" for f in missing)
    kx, review = of(findings, "THRESHOLD_KX")
    assert (kx.severity, kx.date) == ("warning", date(2027, 2, 1))
    assert "lines need KX" in kx.message
    assert (review.severity, review.date) == ("warning", date(2027, 2, 1))  # 3,020
    assert "targeted medical-review level" in review.message


def test_scenario_05_progress_report_by_the_ota_only() -> None:
    # P1's only report was written by the OTA: it does not reset the count.
    records = records_doc()
    records["progress_reports"][0]["written_by"] = "ota1"
    [f] = of(run(records), "PROGRESS_REPORT_DUE")
    assert (f.severity, f.participant, f.date) == ("warning", "P1", date(2027, 3, 8))
    assert "P1's progress report is due by 2027-03-08, the 10th treatment day" in f.message
    assert "2027-01-25 by ota1 (OTA) do not count" in f.message


def test_scenario_05_twelfth_treatment_day_without_a_report() -> None:
    # No OT report since treatment began; 12 treatment days held by as_of Mar 28.
    records = records_doc()
    records["progress_reports"][0]["written_by"] = "ota1"
    for day in ("2027-02-01", "2027-02-08", "2027-02-15", "2027-02-22", "2027-03-01"):
        records["sessions"].append(held("P1", day))
    for day in ("2027-03-08", "2027-03-15", "2027-03-22"):
        records["sessions"].append(held("P1", day))
    [f] = of(run(records, as_of=date(2027, 3, 28)), "PROGRESS_REPORT_DUE")
    assert (f.severity, f.participant, f.date) == ("error", "P1", date(2027, 3, 8))
    assert "the session of 2027-03-15 was held without it: an OT must write it now" in f.message


def test_scenario_06_group_35_days_after_the_evaluation_uncertified() -> None:
    # Evaluation (97165) on 2026-11-30, the plan's start; the first group 35 days later;
    # no certification: the deadline was 2026-12-30.
    records = records_doc()
    p = plan(records, "P1")
    p["start"], p["certified_on"] = "2026-11-30", None
    records["sessions"].append(
        individual("P1", "2026-11-30", "13:00", 60, [line("97165", 1, "GO")])
    )
    [f] = of(run(records), "CERT_LATE")
    assert (f.severity, f.participant, f.date) == ("error", "P1", date(2026, 12, 30))
    assert "P1's plan of care P1-poc is not certified: it was due by 2026-12-30" in f.message
    assert "first treatment day 2026-11-30" in f.message
    assert "signed order and proof the plan was sent" in f.message


def test_scenario_07_certified_95_days_ago_no_recertification() -> None:
    # Certified 2026-11-02 for 90 days (to 2027-01-31); a session held Feb 1; as_of Feb 5.
    records = records_doc()
    p = plan(records, "P1")
    p["start"], p["certified_on"], p["cert_end"] = "2026-11-02", "2026-11-02", "2027-01-31"
    records["sessions"].append(held("P1", "2027-02-01"))
    [f] = of(run(records, as_of=date(2027, 2, 5)), "RECERT_DUE")
    assert (f.severity, f.participant, f.date) == ("error", "P1", date(2027, 1, 31))
    assert "lapsed on 2027-01-31" in f.message and "recertify now" in f.message


def test_scenario_11_one_on_one_minutes_inside_the_group_hour() -> None:
    # The note shows the group 10:00–11:00 and lists 97530 ×2 for the same hour (one record).
    records = records_doc()
    session(records, "P1", "2027-01-18")["lines"].append(line("97530", 2, "GO", "XU", minutes=30))
    findings = run(records)
    [f] = of(findings, "UNITS_EXCEED_TIME")
    assert (f.severity, f.participant, f.date) == ("error", "P1", date(2027, 1, 18))
    assert "same clock time as a group" in f.message
    assert "cannot be billed as one-on-one and group" in f.message
    assert of(findings, "NCCI_PAIR") == []  # XU is there; the times are what is wrong


def test_scenario_11_overlapping_individual_session() -> None:
    # A separate 97530 record at 10:15–10:45, inside the 10:00–11:00 group.
    records = records_doc()
    records["sessions"].append(
        individual("P1", "2027-01-18", "10:15", 30, [line("97530", 2, "GO", minutes=30)])
    )
    findings = run(records)
    [f] = of(findings, "UNITS_EXCEED_TIME")
    assert "the 10:15–10:45 session overlaps the group session(s) 10:00–11:00" in f.message
    assert [g.code for g in of(findings, "NCCI_PAIR")] == ["NCCI_PAIR"]  # no modifier either


def test_scenario_12_37_timed_minutes_billed_3_units() -> None:
    # 97530 25 min + 97535 12 min = 37 timed minutes → 2 units, billed 3.
    records = records_doc()
    lines = [line("97530", 2, "GO", minutes=25), line("97535", 1, "GO", minutes=12)]
    records["sessions"].append(individual("P1", "2027-01-18", "13:00", 37, lines))
    [f] = of(run(records), "UNITS_EXCEED_TIME")
    assert (f.severity, f.participant, f.date) == ("error", "P1", date(2027, 1, 18))
    assert "bill 3 units for 37 one-on-one timed minutes; the 8-minute rule allows 2" in (f.message)
    lines[0]["units"] = 1  # the twin: 97530 ×1 + 97535 ×1
    assert of(run(records), "UNITS_EXCEED_TIME") == []
