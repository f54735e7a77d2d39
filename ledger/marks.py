"""Marks the ledger writes on a term's participants (extension fields, which the contract keeps):
a discharge. They travel with every term version published after the change."""

from __future__ import annotations

from typing import Any

from models.term import Participant, Term

DISCHARGED = "discharged"
"""The participant extension field marking a discharge: ``{"from": date, "reason": str}``."""


def discharged(person: Participant) -> dict[str, Any] | None:
    """The participant's discharge mark, or None."""
    mark = (person.model_extra or {}).get(DISCHARGED)
    return mark if isinstance(mark, dict) else None


def as_requested(term: Term) -> Term:
    """``term`` with discharged participants requesting nothing (kept, marked, so ids that name
    them still resolve): the term a re-solve or a mid-term check starts from."""
    people = [
        p.model_copy(update={"requests": []}) if discharged(p) else p for p in term.participants
    ]
    return term.model_copy(update={"participants": people})
