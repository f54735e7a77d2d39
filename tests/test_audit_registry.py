"""Every finding code of the contract has exactly one check, and the clean case is clean."""

from __future__ import annotations

from audit_helpers import run

from audit.findings import CODES
from audit.run import load_checks


def test_every_contract_code_has_a_check() -> None:
    registry = load_checks()
    assert [code for code in CODES if code not in registry] == []
    assert set(registry) <= set(CODES)


def test_the_clean_case_has_no_finding() -> None:
    assert run() == []
