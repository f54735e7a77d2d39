"""``audit()``: every check over a schedule and the records, findings in contract order."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import date

import audit.checks as checks_package
from audit.checks import CHECKS
from audit.context import AuditContext
from audit.findings import CODES, Finding, ordered
from audit.profile import check_payers
from models.records import Records
from models.schedule import Schedule
from models.term import Term


def load_checks() -> dict[str, object]:
    """Import every check module so each registers its codes; the registry."""
    for module in pkgutil.iter_modules(checks_package.__path__):
        importlib.import_module(f"{checks_package.__name__}.{module.name}")
    return dict(CHECKS)


def audit(
    term: Term, schedule: Schedule, records: Records, as_of: date, source: str = "records"
) -> list[Finding]:
    """Findings for the sessions held up to ``as_of`` and the schedule's sessions after it.

    A payer whose rule profile is unknown or whose overrides are mistyped stops the audit
    before any check runs: a :class:`ContractError` naming ``source`` (the records) and the
    payer's path. The audit never edits anything; the same inputs give the same findings in
    the same order (participant, date, code)."""
    check_payers(records, source)
    load_checks()
    ctx = AuditContext(term, schedule, records, as_of)
    return ordered(f for code in CODES if code in CHECKS for f in CHECKS[code](ctx))
