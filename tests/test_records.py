"""Loading billing records: every problem named by its path, nothing half-loaded."""

from __future__ import annotations

from typing import Any

import pytest
from audit_helpers import records_doc, term_doc

from models import ContractError, parse_records, parse_term


def problems(doc: dict[str, Any]) -> list[str]:
    with pytest.raises(ContractError) as info:
        parse_records(doc, parse_term(term_doc()))
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["coverage"][0].update(participant="P9"),
            "coverage[0].participant: unknown participant 'P9'",
        ),
        (
            lambda d: d["coverage"][0].update(payer="blue"),
            "coverage[0].payer: unknown payer 'blue'",
        ),
        (lambda d: d["sessions"][0].update(date="2027-02-30"), "sessions[0].date: Input should be"),
        (lambda d: d["sessions"][0].update(attendance="here"), "sessions[0].attendance"),
        (lambda d: d["sessions"][1].update(id=d["sessions"][0]["id"]), "sessions[1].id: duplicate"),
        (
            lambda d: d["sessions"][0].update(furnished_by=["ot9"]),
            "sessions[0].furnished_by[0]: unknown staff member 'ot9'",
        ),
        (
            lambda d: d["plans_of_care"][0].update(cert_end="2026-01-01"),
            "plans_of_care[0].cert_end: 2026-01-01 is before start 2027-01-04",
        ),
        (lambda d: d["payers"][0].update(kind="hmo"), "payers[0].kind"),
        (lambda d: d.pop("format"), "format: missing"),
    ],
)
def test_malformed_records_name_path_and_value(mutate, expected: str) -> None:
    doc = records_doc()
    mutate(doc)
    found = problems(doc)
    assert any(expected in p for p in found), found


def test_a_payer_names_a_profile_by_string_or_object() -> None:
    term = parse_term(term_doc())
    doc = records_doc()
    doc["payers"][0]["rules"] = {"profile": "medicare-part-b", "cert_within_days": 14}
    records = parse_records(doc, term)
    assert records.payers[0].rules.overrides == {"cert_within_days": 14}
