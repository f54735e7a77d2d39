"""Documentation checks (audit/checks/documentation.py): one raised/not-raised pair per code.

The clean case (``audit_helpers``): P1 and P2 held Jan 4, 11, 18, 25 2027 (Mondays), planned
Feb 1 … Mar 22; plans start Jan 4, certified Jan 10; an OT progress report on Jan 25; every
note signed the same day by ot1 and linked to goal ``<pid>-g1``; ``as_of`` 2027-01-31.
"""

from __future__ import annotations

from datetime import date

from audit_cases import of, override, plan, session
from audit_helpers import held, records_doc, run


# -- CERT_LATE ------------------------------------------------------------------------------
def test_cert_late_warns_before_the_deadline() -> None:
    records = records_doc()
    plan(records, "P1")["certified_on"] = None
    [f] = of(run(records), "CERT_LATE")
    # First treatment day Jan 4 + 30 days = Feb 3, still ahead of as_of Jan 31.
    assert (f.severity, f.participant, f.date) == ("warning", "P1", date(2027, 2, 3))
    assert f.session == "P1-2027-01-04"
    assert "Certify P1's plan of care P1-poc by 2027-02-03" in f.message
    assert f.rule.startswith("medicare-part-b.cert_within_days")


def test_cert_late_is_an_error_once_the_deadline_passed_uncertified() -> None:
    records = records_doc()
    plan(records, "P1")["certified_on"] = None
    [f] = of(run(records, as_of=date(2027, 2, 5)), "CERT_LATE")
    assert (f.severity, f.participant, f.date) == ("error", "P1", date(2027, 2, 3))
    assert "is not certified: it was due by 2027-02-03" in f.message


def test_cert_late_is_an_error_when_certified_after_the_deadline() -> None:
    records = records_doc()
    plan(records, "P1")["certified_on"] = "2027-02-10"
    [f] = of(run(records), "CERT_LATE")
    assert (f.severity, f.participant, f.date) == ("error", "P1", date(2027, 2, 3))
    assert "certified on 2027-02-10, after the deadline 2027-02-03" in f.message


def test_cert_late_not_raised_when_certified_on_the_last_day() -> None:
    records = records_doc()
    plan(records, "P1")["certified_on"] = "2027-02-03"
    assert of(run(records), "CERT_LATE") == []


def test_cert_late_counts_from_the_first_planned_session_when_none_was_held() -> None:
    records = records_doc()
    records["sessions"] = [s for s in records["sessions"] if s["participant"] != "P1"]
    records["progress_reports"] = [
        r for r in records["progress_reports"] if r["participant"] != "P1"
    ]
    p = plan(records, "P1")
    p["start"], p["certified_on"] = "2027-02-01", None
    [f] = of(run(records), "CERT_LATE")
    assert (f.severity, f.date, f.session) == ("warning", date(2027, 3, 3), None)


# -- PROGRESS_REPORT_DUE --------------------------------------------------------------------
def _p1_held_through_march(records: dict) -> None:
    for day in ("2027-02-01", "2027-02-08", "2027-02-15", "2027-02-22", "2027-03-01"):
        records["sessions"].append(held("P1", day))
    for day in ("2027-03-08", "2027-03-15", "2027-03-22"):
        records["sessions"].append(held("P1", day))


def test_progress_report_due_counts_from_the_last_ot_report() -> None:
    records = records_doc()
    records["progress_reports"][0]["date"] = "2027-01-04"  # P1's report moves to day 1
    [f] = of(run(records), "PROGRESS_REPORT_DUE")
    # After Jan 4: Jan 11, 18, 25 held, Feb 1 … Mar 15 planned: Mar 15 is the 10th.
    assert (f.severity, f.participant, f.date) == ("warning", "P1", date(2027, 3, 15))
    assert f.message == (
        "P1's progress report is due by 2027-03-15, the 10th treatment day since the last one "
        "on 2027-01-04: an OT must write it by then."
    )
    assert f.rule.startswith("medicare-part-b.progress_report_every_visits")


def test_progress_report_due_not_raised_within_ten_treatment_days() -> None:
    # The clean case: 8 planned treatment days after the report of Jan 25.
    assert of(run(), "PROGRESS_REPORT_DUE") == []


def test_progress_report_due_is_an_error_when_a_held_day_passed_it() -> None:
    records = records_doc()
    records["progress_reports"] = [
        r for r in records["progress_reports"] if r["participant"] != "P1"
    ]
    # No report: Jan 4 … Mar 15 are 11 treatment days, all held by as_of Mar 21.
    _p1_held_through_march(records)
    records["sessions"] = [s for s in records["sessions"] if s["date"] != "2027-03-22"]
    [f] = of(run(records, as_of=date(2027, 3, 21)), "PROGRESS_REPORT_DUE")
    assert (f.severity, f.participant, f.date, f.session) == (
        "error",
        "P1",
        date(2027, 3, 8),
        "P1-2027-03-15",
    )
    assert "was due by 2027-03-08, the 10th treatment day since treatment began" in f.message
    assert "the session of 2027-03-15 was held without it" in f.message


def test_progress_report_due_on_the_last_held_day_warns_until_written() -> None:
    # Report Jan 11; Jan 18 … Mar 22 are 10 held days and the term has no later one.
    records = records_doc()
    records["progress_reports"][0]["date"] = "2027-01-11"
    _p1_held_through_march(records)
    [f] = of(run(records, as_of=date(2027, 3, 24)), "PROGRESS_REPORT_DUE")
    assert (f.severity, f.participant, f.date) == ("warning", "P1", date(2027, 3, 22))
    assert "was due by 2027-03-22" in f.message and "must write it now" in f.message
    records["progress_reports"].append(
        {"participant": "P1", "date": "2027-03-23", "written_by": "ot1"}
    )
    assert of(run(records, as_of=date(2027, 3, 24)), "PROGRESS_REPORT_DUE") == []


def test_progress_report_due_ignores_absent_days() -> None:
    records = records_doc()
    records["progress_reports"][0]["date"] = "2027-01-04"
    s = session(records, "P1", "2027-01-11")
    s.update(attendance="absent", lines=[], note=None)
    # One treatment day fewer: the 10th after Jan 4 moves from Mar 15 to Mar 22.
    [f] = of(run(records), "PROGRESS_REPORT_DUE")
    assert f.date == date(2027, 3, 22)


# -- NOTE_MISSING / NOTE_UNSIGNED / NOTE_LATE -------------------------------------------------
def test_note_missing_raised_for_an_attended_session_without_note() -> None:
    records = records_doc()
    session(records, "P1", "2027-01-11")["note"] = None
    [f] = of(run(records), "NOTE_MISSING")
    assert (f.severity, f.participant, f.date, f.session) == (
        "error",
        "P1",
        date(2027, 1, 11),
        "P1-2027-01-11",
    )
    assert "Write the treatment note for P1's session of 2027-01-11" in f.message


def test_note_missing_not_raised_for_an_absent_session() -> None:
    records = records_doc()
    session(records, "P1", "2027-01-11").update(attendance="absent", lines=[], note=None)
    findings = run(records)
    assert of(findings, "NOTE_MISSING") == [] and of(findings, "GOAL_NOT_LINKED") == []


def test_note_unsigned_raised_when_the_note_has_no_signature() -> None:
    records = records_doc()
    session(records, "P1", "2027-01-11")["note"]["signed_on"] = None
    findings = run(records)
    [f] = of(findings, "NOTE_UNSIGNED")
    assert (f.severity, f.participant, f.date) == ("error", "P1", date(2027, 1, 11))
    assert "ot1 must sign the note for P1's session of 2027-01-11 (due by 2027-01-18)" in f.message
    assert of(findings, "NOTE_MISSING") == [] and of(findings, "NOTE_LATE") == []


def test_note_unsigned_and_late_not_raised_when_signed_on_the_last_day() -> None:
    records = records_doc()
    session(records, "P1", "2027-01-11")["note"]["signed_on"] = "2027-01-18"
    findings = run(records)
    assert of(findings, "NOTE_UNSIGNED") == [] and of(findings, "NOTE_LATE") == []


def test_note_late_raised_when_signed_after_the_profile_days() -> None:
    records = records_doc()
    session(records, "P1", "2027-01-11")["note"]["signed_on"] = "2027-01-19"
    [f] = of(run(records), "NOTE_LATE")
    assert (f.severity, f.participant, f.date) == ("error", "P1", date(2027, 1, 11))
    assert "signed on 2027-01-19, 8 days later (the profile allows 7)" in f.message
    assert "UNCONFIRMED" in f.rule  # the 7 days come from a secondary source


def test_note_late_follows_a_payer_override() -> None:
    records = records_doc()
    override(records, note_signed_within_days=10)
    session(records, "P1", "2027-01-11")["note"]["signed_on"] = "2027-01-19"
    assert of(run(records), "NOTE_LATE") == []


# -- COSIGN_MISSING --------------------------------------------------------------------------
def _ota_note(records: dict, day: str, **note: object) -> None:
    s = session(records, "P1", day)
    s["furnished_by"] = ["ota1"]
    s["lines"][0]["modifiers"] = ["GO", "CO"]
    s["note"].update(written_by="ota1", **note)


def test_cosign_missing_is_an_error_past_the_window() -> None:
    records = records_doc()
    override(records, cosign_required_for=["OTA"])
    _ota_note(records, "2027-01-11")
    [f] = of(run(records), "COSIGN_MISSING")
    assert (f.severity, f.participant, f.date) == ("error", "P1", date(2027, 1, 11))
    assert "must co-sign the note OTA ota1 wrote for P1's session of 2027-01-11" in f.message
    assert "due by 2027-01-18" in f.message
    assert "overridden by payer mcb" in f.rule


def test_cosign_missing_is_a_warning_within_the_window() -> None:
    records = records_doc()
    override(records, cosign_required_for=["OTA"])
    _ota_note(records, "2027-01-25")
    [f] = of(run(records), "COSIGN_MISSING")
    assert (f.severity, f.date) == ("warning", date(2027, 1, 25))
    assert "by 2027-02-01" in f.message


def test_cosign_missing_is_an_error_when_cosigned_late_or_by_the_author() -> None:
    records = records_doc()
    override(records, cosign_required_for=["OTA"])
    _ota_note(records, "2027-01-11", cosigned_by="ot1", cosigned_on="2027-01-20")
    _ota_note(records, "2027-01-18", cosigned_by="ota1", cosigned_on="2027-01-18")
    late, own = of(run(records), "COSIGN_MISSING")
    assert (late.severity, late.date) == ("error", date(2027, 1, 11))
    assert "co-signed the note OTA ota1 wrote" in late.message
    assert "on 2027-01-20, after the deadline 2027-01-18" in late.message
    assert (own.severity, own.date) == ("error", date(2027, 1, 18))


def test_cosign_missing_not_raised_when_cosigned_in_time_or_not_required() -> None:
    records = records_doc()
    override(records, cosign_required_for=["OTA"])
    _ota_note(records, "2027-01-11", cosigned_by="ot1", cosigned_on="2027-01-12")
    assert of(run(records), "COSIGN_MISSING") == []
    medicare = records_doc()  # Medicare Part B requires no co-signature
    _ota_note(medicare, "2027-01-11")
    assert of(run(medicare), "COSIGN_MISSING") == []


# -- GOAL_NOT_LINKED -------------------------------------------------------------------------
def test_goal_not_linked_raised_when_the_note_names_no_goal() -> None:
    records = records_doc()
    session(records, "P1", "2027-01-11")["note"]["goal_ids"] = []
    [f] = of(run(records), "GOAL_NOT_LINKED")
    assert (f.severity, f.participant, f.date) == ("error", "P1", date(2027, 1, 11))
    assert "names no goal of plan P1-poc" in f.message and "(P1-g1)" in f.message


def test_goal_not_linked_raised_when_the_goals_are_not_the_plans() -> None:
    records = records_doc()
    session(records, "P1", "2027-01-11")["note"]["goal_ids"] = ["P2-g1"]
    [f] = of(run(records), "GOAL_NOT_LINKED")
    assert "names goal(s) P2-g1, none of them in plan P1-poc" in f.message


def test_goal_not_linked_not_raised_when_one_goal_matches() -> None:
    records = records_doc()
    session(records, "P1", "2027-01-11")["note"]["goal_ids"] = ["P2-g1", "P1-g1"]
    assert of(run(records), "GOAL_NOT_LINKED") == []
