"""One function per finding code; :data:`CHECKS` maps every contract code to its function.

A check reads an :class:`~audit.context.AuditContext` and yields findings of its own code only.
Modules group them by what they look at: coding and payers, authorization, documentation,
modifiers and units, deadlines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from audit.context import AuditContext, Dated
from audit.findings import Finding, Severity

Check = Callable[[AuditContext], Iterable[Finding]]

CHECKS: dict[str, Check] = {}


def check(code: str) -> Callable[[Check], Check]:
    """Register the function that raises ``code``."""

    def register(fn: Check) -> Check:
        if code in CHECKS:
            raise ValueError(f"{code} already has a check: {CHECKS[code].__name__}")
        CHECKS[code] = fn
        return fn

    return register


def about(
    s: Dated, code: str, severity: Severity, message: str, rule: str, payer: str | None = None
) -> Finding:
    """A finding about one dated session (held or planned)."""
    return Finding(
        code=code,
        severity=severity,
        participant=s.participant,
        date=s.date,
        session=s.session,
        section=s.section,
        message=message,
        rule=rule,
        payer=payer,
    )
