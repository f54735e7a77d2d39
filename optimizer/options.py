"""Solver options: explicit, with defaults that suit a 2-core clinic laptop."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SolveOptions:
    """How long and how to search.

    ``primary_share`` of the time limit goes to the score; what is left (and whatever the score
    phase did not need) polishes the secondary aims under the constraint that the score found
    is kept. ``cpsat_parameters`` passes any other ``SatParameters`` field straight through.
    """

    time_limit: float = 60.0
    workers: int = 2
    seed: int = 0
    log: bool = False
    primary_share: float = 0.8
    secondary: bool = True
    cpsat_parameters: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.time_limit <= 0:
            raise ValueError(f"time limit must be positive, got {self.time_limit}")
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, got {self.workers}")
        if not 0 < self.primary_share <= 1:
            raise ValueError(f"primary_share must be in (0, 1], got {self.primary_share}")
