"""The :class:`Violation` record and the deterministic order violations are reported in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

RULES: tuple[str, ...] = (
    *(f"H{n}" for n in range(1, 12)),
    "SHAPE",
    "SCORE",
    "WAITLIST",
)
_RANK = {rule: rank for rank, rule in enumerate(RULES)}


@dataclass(frozen=True)
class Violation:
    """One broken rule: its code, the id it is about, and a plain-language sentence."""

    rule: str
    subject: str
    message: str


def ordered(violations: Iterable[Violation]) -> list[Violation]:
    """Distinct violations sorted by rule then subject (ties keep their finding order)."""
    unique = list(dict.fromkeys(violations))
    return sorted(unique, key=lambda v: (_RANK.get(v.rule, len(RULES)), v.rule, v.subject))
