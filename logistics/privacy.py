"""What participants' messages and calendars may say: group names without clinical detail.

A group type's name can carry a diagnosis or a track ("Cognitive Skills for Psychosis", "PHP
Daily Living Skills Lab"). Messages and calendars therefore use a *public name*: the one the
logistics file gives (``public_name``), else the term's name when it is clean, else the type's
category in words when that is clean, else "Group session". *Clean* means free of every
sensitive word: the term's tracks, the acuity vocabulary, program codes and a list of diagnosis
words. :meth:`Privacy.find` is also the last check on every rendered message (a clinic's own
template could still say too much).
"""

from __future__ import annotations

import re
from functools import cached_property

from logistics.config import Logistics, LogisticsInputError
from models import Term

DIAGNOSIS_WORDS: tuple[str, ...] = (
    "diagnosis",
    "diagnosed",
    "psychosis",
    "psychotic",
    "schizophrenia",
    "schizoaffective",
    "bipolar",
    "mania",
    "manic",
    "depression",
    "depressive",
    "anxiety",
    "panic disorder",
    "ptsd",
    "trauma",
    "ocd",
    "adhd",
    "autism",
    "eating disorder",
    "anorexia",
    "bulimia",
    "substance",
    "addiction",
    "alcohol",
    "opioid",
    "overdose",
    "suicide",
    "suicidal",
    "self-harm",
    "dementia",
    "disorder",
)
ACUITY_WORDS: tuple[str, ...] = ("acuity", "high-acuity", "low-acuity", "high risk", "high-risk")
PROGRAM_WORDS: tuple[str, ...] = ("PHP", "IOP", "partial hospitalization", "intensive outpatient")
NEUTRAL = "Group session"


class Privacy:
    """The public group names of a term and the sensitive-word check."""

    def __init__(self, term: Term, logistics: Logistics | None = None) -> None:
        self.term = term
        self.logistics = logistics or Logistics()
        for type_id, group in self.logistics.group_types.items():
            if group.public_name is not None:
                word = self.find(group.public_name)
                if word is not None:
                    raise LogisticsInputError(
                        f"logistics file: group_types.{type_id}.public_name says {word!r}: "
                        "public names carry no clinical detail"
                    )

    @cached_property
    def words(self) -> list[str]:
        """Every sensitive word and phrase, longest first."""
        found = set(DIAGNOSIS_WORDS) | set(ACUITY_WORDS) | set(PROGRAM_WORDS)
        tracks = {t for p in self.term.participants for t in p.tracks}
        tracks |= {t for gt in self.term.group_types for t in gt.allowed.tracks_any or []}
        for track in tracks:
            found.add(track)
            found.add(track.replace("-", " "))
        return sorted(found, key=lambda w: (-len(w), w))

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        alternatives = "|".join(re.escape(w) for w in self.words)
        return re.compile(rf"(?<![\w-])({alternatives})(?![\w-])", re.IGNORECASE)

    def find(self, text: str) -> str | None:
        """The first sensitive word in ``text`` (None: clean)."""
        match = self._pattern.search(text)
        return match.group(1).lower() if match else None

    def group_name(self, type_id: str) -> str:
        """The name participants see for a group type."""
        configured = self.logistics.group(type_id).public_name
        if configured:
            return configured
        try:
            gt = self.term.group_type(type_id)
        except KeyError:
            return NEUTRAL
        for candidate in (gt.name, gt.category.replace("-", " ").capitalize()):
            if candidate and self.find(candidate) is None:
                return candidate
        return NEUTRAL
