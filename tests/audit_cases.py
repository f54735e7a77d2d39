"""Small builders on top of the clean audit case (``audit_helpers``) for the documentation,
modifier and unit checks: each test edits one held session, one plan or one payer value."""

from __future__ import annotations

from typing import Any

from audit_helpers import held

from audit.findings import Finding


def of(findings: list[Finding], code: str) -> list[Finding]:
    """The findings of one code, in audit order."""
    return [f for f in findings if f.code == code]


def session(records: dict[str, Any], pid: str, day: str) -> dict[str, Any]:
    """The clean case's held group session of ``pid`` on ``day`` (to edit in place)."""
    return next(s for s in records["sessions"] if s["id"] == f"{pid}-{day}")


def plan(records: dict[str, Any], pid: str) -> dict[str, Any]:
    return next(p for p in records["plans_of_care"] if p["participant"] == pid)


def override(records: dict[str, Any], **values: Any) -> None:
    """Override medicare-part-b values for the clean case's only payer."""
    records["payers"][0]["rules"] = {"profile": "medicare-part-b", "overrides": values}


def line(code: str, units: int = 1, *modifiers: str, minutes: int | None = None) -> dict[str, Any]:
    return {"code": code, "units": units, "modifiers": list(modifiers), "minutes": minutes}


def individual(
    pid: str, day: str, start: str, minutes: int, lines: list[dict[str, Any]], **overrides: Any
) -> dict[str, Any]:
    """A one-on-one held session (no section) with a clean signed note."""
    return held(
        pid,
        day,
        id=f"{pid}-{day}-{start}",
        section=None,
        start=start,
        minutes=minutes,
        lines=lines,
        **overrides,
    )
