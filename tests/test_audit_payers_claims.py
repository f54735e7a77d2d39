"""Payer, authorization and claim-line checks: each raised by one change to the clean case
(``audit_helpers``), and not raised by its twin, a minimally different case.

Payer rules are varied through per-payer ``overrides`` on medicare-part-b, so the tests do not
depend on the other shipped profiles; billing-facts scenarios 8, 9 and 10 close the file.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from audit_helpers import held, records_doc, run, term_doc

from audit.findings import Finding
from audit.profile import profile_names


def overridden(doc: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    """Records whose Medicare payer ``mcb`` has these profile values overridden."""
    doc = doc or records_doc()
    doc["payers"][0]["rules"] = {"profile": "medicare-part-b", "overrides": overrides}
    return doc


def session(doc: dict[str, Any], pid: str, day: str) -> dict[str, Any]:
    """The held session of ``pid`` on ``day`` in a records document."""
    return next(s for s in doc["sessions"] if s["participant"] == pid and s["date"] == day)


def only(findings: list[Finding], code: str, pid: str | None = None) -> list[Finding]:
    return [f for f in findings if f.code == code and (pid is None or f.participant == pid)]


def one(findings: list[Finding], code: str, pid: str, day: str) -> Finding:
    """The single finding of ``code`` about ``pid`` on ``day``."""
    found = [f for f in only(findings, code, pid) if f.date == date.fromisoformat(day)]
    assert len(found) == 1, [f.model_dump() for f in only(findings, code)]
    return found[0]


@pytest.fixture(scope="module")
def clean() -> list[Finding]:
    return run()


MY_CODES = (
    "PAYER_CODE_NOT_RECOGNIZED",
    "BUNDLED_IN_PER_DIEM",
    "BENEFIT_UNVERIFIED",
    "AUTH_MISSING",
    "AUTH_EXHAUSTED",
    "AUTH_EXPIRED",
    "GROUP_SIZE_OVER_PAYER_MAX",
    "DURATION_BELOW_MINIMUM",
    "NOT_ATTENDED",
    "DUPLICATE_LINE",
    "PROVIDER_NOT_ELIGIBLE",
    "TIMELY_FILING_RISK",
)


@pytest.mark.parametrize("code", MY_CODES)
def test_the_clean_case_raises_none_of_these(clean: list[Finding], code: str) -> None:
    assert only(clean, code) == []


# -- PAYER_CODE_NOT_RECOGNIZED ------------------------------------------------------------


def test_a_code_the_payer_does_not_recognize_is_an_error_held_and_a_warning_planned() -> None:
    findings = run(overridden(recognized_codes=["97530", "97535"]))
    f = one(findings, "PAYER_CODE_NOT_RECOGNIZED", "P1", "2027-01-04")
    assert (f.severity, f.session, f.payer) == ("error", "P1-2027-01-04", "mcb")
    assert "does not recognize 97150" in f.message
    assert "medicare-part-b.recognized_codes" in f.rule
    planned = one(findings, "PAYER_CODE_NOT_RECOGNIZED", "P1", "2027-02-01")
    assert planned.severity == "warning" and planned.session is None
    assert "8 sessions planned for P1 from 2027-02-01 would bill 97150" in planned.message
    # one warning per participant, code and payer, however many sessions are planned
    warnings = [f for f in only(findings, "PAYER_CODE_NOT_RECOGNIZED") if f.severity == "warning"]
    assert [f.participant for f in warnings] == ["P1", "P2"]
    assert len(only(findings, "PAYER_CODE_NOT_RECOGNIZED", "P2")) == 4 + 1


def test_a_recognized_code_is_not_flagged() -> None:
    findings = run(overridden(recognized_codes=["97150"]))
    assert only(findings, "PAYER_CODE_NOT_RECOGNIZED") == []


# -- BUNDLED_IN_PER_DIEM ------------------------------------------------------------------


def test_a_separate_ot_line_on_a_php_day_paid_per_diem_is_an_error() -> None:
    doc = overridden(bundled_codes=["97150", "97530", "97535"])
    session(doc, "P1", "2027-01-11")["setting"] = "PHP"
    f = one(run(doc), "BUNDLED_IN_PER_DIEM", "P1", "2027-01-11")
    assert (f.severity, f.session) == ("error", "P1-2027-01-11")
    assert "Remove the separate 97150 line" in f.message and "G0129" in f.message


def test_the_same_line_on_an_outpatient_day_is_not_bundled() -> None:
    doc = overridden(bundled_codes=["97150", "97530", "97535"])
    assert only(run(doc), "BUNDLED_IN_PER_DIEM") == []


# -- BENEFIT_UNVERIFIED -------------------------------------------------------------------


def test_coverage_verified_too_long_before_the_first_planned_session_is_flagged() -> None:
    doc = records_doc()
    doc["coverage"][1]["verified_on"] = "2026-12-01"  # P2: 62 days before 2027-02-01
    f = one(run(doc), "BENEFIT_UNVERIFIED", "P2", "2027-02-01")
    assert f.severity == "warning" and f.payer == "mcb"
    assert "Verify P2's benefits with mcb before 2027-02-01" in f.message
    assert "last verified 2026-12-01" in f.message and "8 sessions are planned" in f.message
    assert only(run(doc), "BENEFIT_UNVERIFIED", "P1") == []


def test_with_nothing_planned_the_first_held_session_counts_and_is_an_error() -> None:
    doc = records_doc()
    doc["coverage"][1]["verified_on"] = "2026-11-01"  # P2: 64 days before 2027-01-04
    findings = run(doc, as_of=date(2027, 3, 31))  # every session held, none planned
    f = one(findings, "BENEFIT_UNVERIFIED", "P2", "2027-01-04")
    assert f.severity == "error"
    assert "not verified within 30 days" in f.message and "last verified 2026-11-01" in f.message


def test_coverage_verified_on_the_last_day_of_the_window_is_enough() -> None:
    doc = records_doc()
    doc["coverage"][1]["verified_on"] = "2027-01-02"  # exactly 30 days before 2027-02-01
    assert only(run(doc), "BENEFIT_UNVERIFIED") == []


def test_a_participant_with_only_planned_sessions_gets_a_warning_before_the_first() -> None:
    doc = records_doc()
    doc["sessions"] = []
    doc["coverage"][0]["verified_on"] = None
    doc["coverage"][1]["verified_on"] = "2026-12-20"  # within 30 days before 2027-01-04
    findings = run(doc, as_of=date(2027, 1, 3))
    f = one(findings, "BENEFIT_UNVERIFIED", "P1", "2027-01-04")
    assert f.severity == "warning" and f.session is None
    assert "Verify P1's benefits with mcb before 2027-01-04 (never verified" in f.message
    assert "12 sessions are planned" in f.message
    assert only(findings, "BENEFIT_UNVERIFIED", "P2") == []


def test_a_verified_benefit_that_does_not_pay_ot_is_flagged() -> None:
    doc = records_doc()
    doc["coverage"][0]["benefit"] = "behavioral"
    f = one(run(doc), "BENEFIT_UNVERIFIED", "P1", "2027-01-04")
    assert f.severity == "error"  # held sessions were billed under it
    assert "is the behavioral benefit" in f.message and "under the medical benefit" in f.message
    assert "medicare-part-b.paying_benefit" in f.rule


# -- AUTH_MISSING -------------------------------------------------------------------------


def authorization(pid: str, **fields: Any) -> dict[str, Any]:
    doc = {
        "id": f"A-{pid}",
        "participant": pid,
        "payer": "mcb",
        "codes": ["97150"],
        "units": 20,
        "start": "2027-01-01",
        "end": "2027-03-31",
    }
    doc.update(fields)
    return doc


def test_no_authorization_where_the_payer_requires_one() -> None:
    doc = overridden(requires_auth=True)
    doc["authorizations"] = [authorization("P2")]
    findings = run(doc)
    held_one = one(findings, "AUTH_MISSING", "P1", "2027-01-04")
    assert (held_one.severity, held_one.session) == ("error", "P1-2027-01-04")
    assert "No mcb authorization covers P1's 97150 of 2027-01-04" in held_one.message
    planned = one(findings, "AUTH_MISSING", "P1", "2027-02-01")
    assert planned.severity == "warning"
    assert "none covers the 8 sessions planned from then" in planned.message
    assert len(only(findings, "AUTH_MISSING", "P1")) == 4 + 1
    assert only(findings, "AUTH_MISSING", "P2") == []


def test_an_authorization_for_another_code_does_not_cover() -> None:
    doc = overridden(requires_auth=True)
    doc["authorizations"] = [authorization("P1", codes=["97530"]), authorization("P2")]
    assert len(only(run(doc), "AUTH_MISSING", "P1")) == 5


def test_authorized_sessions_need_nothing() -> None:
    doc = overridden(requires_auth=True)
    doc["authorizations"] = [authorization("P1"), authorization("P2")]
    findings = run(doc)
    assert [f for f in findings if f.code.startswith("AUTH_")] == []


# -- AUTH_EXHAUSTED -----------------------------------------------------------------------


def test_planned_sessions_run_the_units_out() -> None:
    doc = overridden(requires_auth=True)
    doc["authorizations"] = [authorization("P1", id="A-7", units=6), authorization("P2")]
    findings = run(doc)
    f = one(findings, "AUTH_EXHAUSTED", "P1", "2027-02-15")  # 4 held + Feb 1, Feb 8 used 6
    assert f.severity == "warning" and f.session is None
    assert f.message.startswith(
        "P1's authorization A-7 runs out of units on 2027-02-15: 6 sessions are planned"
    )
    assert only(findings, "AUTH_EXHAUSTED", "P2") == []
    assert only(findings, "AUTH_MISSING") == [] and only(findings, "AUTH_EXPIRED") == []


def test_held_sessions_beyond_the_units_are_an_error() -> None:
    doc = overridden(requires_auth=True)
    doc["authorizations"] = [authorization("P1", id="A-7", units=3), authorization("P2")]
    f = one(run(doc), "AUTH_EXHAUSTED", "P1", "2027-01-25")
    assert (f.severity, f.session) == ("error", "P1-2027-01-25")
    assert "ran out before 2027-01-25: 1 session held from then has no units" in f.message
    assert "8 more planned" in f.message


def test_enough_units_are_not_exhausted() -> None:
    doc = overridden(requires_auth=True)
    doc["authorizations"] = [authorization("P1", units=12), authorization("P2")]
    assert only(run(doc), "AUTH_EXHAUSTED") == []


# -- AUTH_EXPIRED -------------------------------------------------------------------------


def test_sessions_planned_after_the_authorization_ends() -> None:
    doc = overridden(requires_auth=True)
    doc["authorizations"] = [authorization("P1", end="2027-02-28"), authorization("P2")]
    findings = run(doc)
    f = one(findings, "AUTH_EXPIRED", "P1", "2027-02-28")  # dated at the end
    assert f.severity == "warning"
    assert "it ends on 2027-02-28 and 4 sessions are planned after it, from 2027-03-01" in (
        f.message
    )
    assert only(findings, "AUTH_MISSING") == []  # the same sessions, reported once


def test_a_session_held_after_the_authorization_ended_is_an_error() -> None:
    doc = overridden(requires_auth=True)
    doc["authorizations"] = [authorization("P1", end="2027-01-15"), authorization("P2")]
    findings = run(doc)
    f = one(findings, "AUTH_EXPIRED", "P1", "2027-01-18")
    assert (f.severity, f.session) == ("error", "P1-2027-01-18")
    assert "was held after authorization A-P1 ended on 2027-01-15" in f.message
    assert {x.date for x in only(findings, "AUTH_EXPIRED", "P1") if x.severity == "error"} == {
        date(2027, 1, 18),
        date(2027, 1, 25),
    }


def test_an_authorization_to_the_end_of_the_term_does_not_expire() -> None:
    doc = overridden(requires_auth=True)
    doc["authorizations"] = [authorization("P1", end="2027-03-26"), authorization("P2")]
    assert only(run(doc), "AUTH_EXPIRED") == []


# -- GROUP_SIZE_OVER_PAYER_MAX ------------------------------------------------------------


def test_a_section_larger_than_the_payer_pays_for() -> None:
    findings = run(overridden(max_group_size=1))
    for pid in ("P1", "P2"):
        planned = one(findings, "GROUP_SIZE_OVER_PAYER_MAX", pid, "2027-02-01")
        assert planned.severity == "warning" and planned.section == "grp-1"
        assert "Section grp-1 has 2 members but mcb pays a group of at most 1" in planned.message
        assert f"move {pid}" in planned.message
        done = one(findings, "GROUP_SIZE_OVER_PAYER_MAX", pid, "2027-01-04")
        assert done.severity == "error"
        assert "2 participants attended section grp-1 on 2027-01-04" in done.message
    assert len(only(findings, "GROUP_SIZE_OVER_PAYER_MAX")) == 4  # once per member and section


def test_a_held_day_with_an_absence_is_within_the_cap() -> None:
    doc = overridden(max_group_size=1)
    session(doc, "P2", "2027-01-04").update(attendance="absent", minutes=0, lines=[])
    findings = run(doc)
    held_errors = [f for f in only(findings, "GROUP_SIZE_OVER_PAYER_MAX") if f.severity == "error"]
    assert {(f.participant, f.date) for f in held_errors} == {
        ("P1", date(2027, 1, 11)),
        ("P2", date(2027, 1, 11)),
    }


def test_a_section_at_the_cap_is_fine() -> None:
    assert only(run(overridden(max_group_size=2)), "GROUP_SIZE_OVER_PAYER_MAX") == []


# -- DURATION_BELOW_MINIMUM ---------------------------------------------------------------


def test_a_held_session_shorter_than_the_code_needs() -> None:
    doc = overridden(min_minutes={"97150": 45})
    session(doc, "P1", "2027-01-11")["minutes"] = 40
    findings = run(doc)
    f = one(findings, "DURATION_BELOW_MINIMUM", "P1", "2027-01-11")
    assert (f.severity, f.session) == ("error", "P1-2027-01-11")
    assert "documents 40 minutes, below the 45" in f.message
    assert len(only(findings, "DURATION_BELOW_MINIMUM")) == 1


def test_a_planned_section_shorter_than_the_code_needs() -> None:
    findings = run(overridden(min_minutes={"97150": 75}))
    f = one(findings, "DURATION_BELOW_MINIMUM", "P2", "2027-02-01")
    assert f.severity == "warning" and f.section == "grp-1"
    assert "Section grp-1 meets 60 minutes but 97150 needs 75" in f.message
    assert "P2's 8 sessions" in f.message


def test_a_session_at_the_minimum_is_fine() -> None:
    assert only(run(overridden(min_minutes={"97150": 60})), "DURATION_BELOW_MINIMUM") == []


# -- NOT_ATTENDED -------------------------------------------------------------------------


@pytest.mark.parametrize("attendance", ["absent", "excused"])
def test_a_billed_line_for_an_absent_participant(attendance: str) -> None:
    doc = records_doc()
    session(doc, "P1", "2027-01-11").update(attendance=attendance, minutes=0)
    f = one(run(doc), "NOT_ATTENDED", "P1", "2027-01-11")
    assert (f.severity, f.session) == ("error", "P1-2027-01-11")
    assert f"Remove the 97150 line(s) from session P1-2027-01-11: P1 was {attendance}" in (
        f.message
    )


def test_a_late_arrival_is_attended() -> None:
    doc = records_doc()
    session(doc, "P1", "2027-01-11").update(attendance="late", minutes=50)
    assert only(run(doc), "NOT_ATTENDED") == []


# -- DUPLICATE_LINE -----------------------------------------------------------------------


def test_the_same_code_twice_in_one_session() -> None:
    doc = records_doc()
    lines = session(doc, "P1", "2027-01-11")["lines"]
    lines.append(dict(lines[0]))
    f = one(run(doc), "DUPLICATE_LINE", "P1", "2027-01-11")
    assert (f.severity, f.session) == ("error", "P1-2027-01-11")
    assert "P1's 97150 is billed 2 times on 2027-01-11" in f.message


def test_the_same_code_in_two_sessions_the_same_day() -> None:
    doc = records_doc()
    doc["sessions"].append(held("P1", "2027-01-11", id="P1-2027-01-11-pm", start="13:00"))
    f = one(run(doc), "DUPLICATE_LINE", "P1", "2027-01-11")
    assert f.severity == "error" and f.session == "P1-2027-01-11-pm"
    assert "(session(s) P1-2027-01-11, P1-2027-01-11-pm)" in f.message


def test_another_code_or_a_marked_separate_session_is_no_duplicate() -> None:
    doc = records_doc()
    lines = session(doc, "P1", "2027-01-11")["lines"]
    lines.append({"code": "97530", "units": 1, "modifiers": ["GO", "59"], "minutes": 15})
    later = held("P1", "2027-01-18", id="P1-2027-01-18-pm", start="13:00")
    later["lines"][0]["modifiers"] = ["GO", "XU"]
    doc["sessions"].append(later)
    assert only(run(doc), "DUPLICATE_LINE") == []


# -- PROVIDER_NOT_ELIGIBLE ----------------------------------------------------------------


def with_staff(role: str, sid: str) -> dict[str, Any]:
    doc = term_doc()
    extra = dict(doc["staff"][0], id=sid, role=role)
    doc["staff"].append(extra)
    return doc


def test_an_ota_in_part_on_a_psychotherapy_line() -> None:
    doc = records_doc()
    session(doc, "P1", "2027-01-11").update(
        furnished_by=["psy1", "ota1"],
        lines=[{"code": "90853", "units": 1, "modifiers": [], "minutes": 60}],
    )
    f = one(run(doc, term=with_staff("OTHER", "psy1")), "PROVIDER_NOT_ELIGIBLE", "P1", "2027-01-11")
    assert (f.severity, f.session) == ("error", "P1-2027-01-11")
    assert f.message.startswith("OTA ota1 furnished P1's 90853 of 2027-01-11")
    assert "recode to 97150" in f.message


def test_a_psychotherapy_line_by_an_eligible_clinician_alone() -> None:
    doc = records_doc()
    session(doc, "P1", "2027-01-11").update(
        furnished_by=["psy1"],
        lines=[{"code": "90853", "units": 1, "modifiers": [], "minutes": 60}],
    )
    assert only(run(doc, term=with_staff("OTHER", "psy1")), "PROVIDER_NOT_ELIGIBLE") == []


def test_a_planned_psychotherapy_code_in_an_ot_led_section() -> None:
    doc = overridden(group_code={"outpatient": "90853"}, recognized_codes=["90853"])
    f = one(run(doc), "PROVIDER_NOT_ELIGIBLE", "P1", "2027-02-01")
    assert f.severity == "warning" and f.section == "grp-1"
    assert "led by OT ot1" in f.message and "bill it as 97150" in f.message


# -- TIMELY_FILING_RISK -------------------------------------------------------------------


def test_an_unbilled_session_nearing_the_filing_limit() -> None:
    doc = overridden(timely_filing_days=30)  # warn at 24 days; 2027-01-04 is 27 days old
    session(doc, "P1", "2027-01-04")["billed_on"] = None
    f = one(run(doc), "TIMELY_FILING_RISK", "P1", "2027-01-04")
    assert (f.severity, f.session) == ("warning", "P1-2027-01-04")
    assert "with mcb by 2027-02-03: it is 27 days old" in f.message
    assert "medicare-part-b.timely_filing_days" in f.rule


def test_an_unbilled_session_past_the_filing_limit() -> None:
    doc = overridden(timely_filing_days=20)
    session(doc, "P1", "2027-01-04")["billed_on"] = None
    f = one(run(doc), "TIMELY_FILING_RISK", "P1", "2027-01-04")
    assert f.severity == "error"
    assert "20-day limit passed on 2027-01-24" in f.message


def test_a_recent_unbilled_session_or_a_billed_old_one_is_fine() -> None:
    doc = overridden(timely_filing_days=30)
    session(doc, "P1", "2027-01-25")["billed_on"] = None  # 6 days old
    assert only(run(doc), "TIMELY_FILING_RISK") == []


def test_the_medicare_limit_warns_at_80_percent() -> None:
    doc = records_doc()
    session(doc, "P1", "2027-01-04")["billed_on"] = None
    at = date(2027, 10, 23)  # 292 days = 0.8 × 365
    f = one(run(doc, as_of=at), "TIMELY_FILING_RISK", "P1", "2027-01-04")
    assert f.severity == "warning" and "by 2028-01-04" in f.message
    assert only(run(doc, as_of=date(2027, 10, 22)), "TIMELY_FILING_RISK") == []


# -- billing-facts §8 scenarios -----------------------------------------------------------

PHP_RULES = {
    "recognized_codes": ["G0129", "G0176", "G0177", "G0410"],
    "bundled_codes": ["97150", "97530", "97535", "97165", "97166", "97167", "97168"],
}
"""A Medicare PHP/IOP payer's values (billing-facts §1 [S11][S14]), as overrides."""


def php_case() -> tuple[dict[str, Any], dict[str, Any]]:
    """P1 in a hospital PHP billed to payer ``php``; P2 stays outpatient Medicare Part B."""
    term = term_doc()
    term["participants"][0]["program"] = "PHP"
    doc = records_doc()
    doc["payers"].append(
        {
            "id": "php",
            "kind": "medicare",
            "rules": {"profile": "medicare-part-b", "overrides": PHP_RULES},
        }
    )
    doc["coverage"][0]["payer"] = "php"
    for s in doc["sessions"]:
        if s["participant"] == "P1":
            s.update(setting="PHP", lines=[{"code": "G0129", "units": 1, "minutes": 60}])
    return term, doc


def test_scenario_08_php_claim_with_97150_and_a_30_minute_g0129() -> None:
    term, doc = php_case()
    session(doc, "P1", "2027-01-11")["lines"] = [
        {"code": "97150", "units": 1, "modifiers": ["GO"], "minutes": 60}
    ]
    session(doc, "P1", "2027-01-18").update(
        minutes=30, lines=[{"code": "G0129", "units": 1, "minutes": 30}]
    )
    findings = run(doc, term=term)
    bundled = one(findings, "BUNDLED_IN_PER_DIEM", "P1", "2027-01-11")
    assert bundled.severity == "error" and bundled.payer == "php"
    assert "wrong code set for PHP (OT in a PHP program is billed as G0129)" in bundled.message
    wrong = one(findings, "PAYER_CODE_NOT_RECOGNIZED", "P1", "2027-01-11")
    assert wrong.severity == "error"
    short = one(findings, "DURATION_BELOW_MINIMUM", "P1", "2027-01-18")
    assert short.severity == "error"
    assert "G0129 of 2027-01-18 (session P1-2027-01-18) documents 30 minutes, below the 45" in (
        short.message
    )
    # the PHP sessions billed right, and the planned G0129 hours, raise nothing of these
    assert {(f.code, f.date) for f in findings if f.code in MY_CODES} == {
        ("BUNDLED_IN_PER_DIEM", date(2027, 1, 11)),
        ("PAYER_CODE_NOT_RECOGNIZED", date(2027, 1, 11)),
        ("DURATION_BELOW_MINIMUM", date(2027, 1, 18)),
    }


def test_scenario_08_twin_php_billed_as_g0129_for_an_hour() -> None:
    term, doc = php_case()
    assert [f for f in run(doc, term=term) if f.code in MY_CODES] == []


def test_scenario_09_ot_on_group_psychotherapy() -> None:
    doc = records_doc()
    session(doc, "P1", "2027-01-11")["lines"] = [
        {"code": "90853", "units": 1, "modifiers": [], "minutes": 60}
    ]
    f = one(run(doc), "PROVIDER_NOT_ELIGIBLE", "P1", "2027-01-11")
    assert f.severity == "error" and f.payer == "mcb"
    assert f.message.startswith("OT ot1 furnished P1's 90853 of 2027-01-11")
    assert "recode to 97150 if skilled OT was delivered" in f.message
    assert "medicare-part-b.psychotherapy_ineligible_roles" in f.rule


def test_scenario_09_in_php_recodes_to_g0129() -> None:
    term, doc = php_case()
    session(doc, "P1", "2027-01-11")["lines"] = [{"code": "G0410", "units": 1, "minutes": 60}]
    f = one(run(doc, term=term), "PROVIDER_NOT_ELIGIBLE", "P1", "2027-01-11")
    assert "recode to G0129" in f.message


MBHO_RULES = {
    "recognized_codes": ["90853", "90832", "90834", "90837"],
    "paying_benefit": "behavioral",
    "requires_auth": True,
}
"""A behavioral-health carve-out's values (billing-facts §7 [S35], §8 scenario 10)."""


def mbho_case() -> dict[str, Any]:
    """P1 has a medical plan (mcb, verified) and an MBHO carve-out (bh, never verified)."""
    doc = records_doc()
    doc["payers"].append(
        {"id": "bh", "kind": "mbho", "rules": {"profile": "medicare-part-b", **MBHO_RULES}}
    )
    doc["coverage"].append(
        {
            "participant": "P1",
            "payer": "bh",
            "benefit": "behavioral",
            "member_id": "B-P1",
            "verified_on": None,
            "effective_from": "2026-01-01",
            "effective_to": None,
        }
    )
    return doc


def test_scenario_10_ot_claim_sent_to_the_mbho() -> None:
    doc = mbho_case()
    session(doc, "P1", "2027-01-11")["payer"] = "bh"
    findings = run(doc)
    misroute = one(findings, "PAYER_CODE_NOT_RECOGNIZED", "P1", "2027-01-11")
    assert misroute.severity == "error" and misroute.payer == "bh"
    assert "went to bh, which does not recognize 97150 (behavioral-health carve-out" in (
        misroute.message
    )
    assert misroute.message.endswith("misroute): rebill it to mcb.")
    gap = one(findings, "BENEFIT_UNVERIFIED", "P1", "2027-01-11")
    assert gap.severity == "error" and gap.payer == "bh"
    assert "P1's benefits with bh were not verified" in gap.message and "never" in gap.message
    auth = one(findings, "AUTH_MISSING", "P1", "2027-01-11")
    assert auth.severity == "error" and auth.payer == "bh"
    assert "No bh authorization covers P1's 97150 of 2027-01-11" in auth.message
    # the medical plan's sessions are fine; P2 has no carve-out
    assert {f.payer for f in findings if f.code in MY_CODES} == {"bh"}


def test_scenario_10_planned_sessions_routed_to_the_carve_out() -> None:
    doc = mbho_case()
    del doc["coverage"][0]  # P1's only coverage is the MBHO: OT would go there
    findings = run(doc)
    f = one(findings, "PAYER_CODE_NOT_RECOGNIZED", "P1", "2027-02-01")
    assert f.severity == "warning"
    assert "would bill 97150 to bh, which does not recognize it (behavioral-health carve-out" in (
        f.message
    )
    assert "confirm which plan pays 97150 for P1 before 2027-02-01" in f.message
    assert only(findings, "AUTH_MISSING", "P1")  # and the carve-out requires authorization


def test_scenario_10_twin_claims_kept_on_the_medical_plan() -> None:
    findings = run(mbho_case())
    assert [f for f in findings if f.code in MY_CODES] == []


@pytest.mark.skipif("mbho-carve-out" not in profile_names(), reason="profile not shipped yet")
def test_scenario_10_with_the_shipped_carve_out_profile() -> None:
    doc = mbho_case()
    doc["payers"][-1]["rules"] = "mbho-carve-out"
    session(doc, "P1", "2027-01-11")["payer"] = "bh"
    findings = run(doc)
    assert one(findings, "PAYER_CODE_NOT_RECOGNIZED", "P1", "2027-01-11").severity == "error"
    assert one(findings, "BENEFIT_UNVERIFIED", "P1", "2027-01-11").payer == "bh"
