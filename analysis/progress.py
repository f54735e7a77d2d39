"""Recording a solve's progress callbacks, for the score-and-bound figure.

``solve(term, options, progress=recorder)`` calls the recorder with ``(phase, score, bound,
elapsed)`` at every improving solution and bound change; ``elapsed`` restarts with each phase,
so the recorder also keeps its own clock from its creation (or :meth:`ProgressRecorder.start`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from analysis.tables import TEXT, Dtype, typed
from models.schedule import relative_gap

Callback = Callable[[str, int | None, int | None, float], None]

COLUMNS: dict[str, Dtype] = {
    "phase": TEXT,
    "elapsed": "float64",
    "phase_elapsed": "float64",
    "score": "Int64",
    "bound": "Int64",
    "gap": "Float64",
}


@dataclass(frozen=True)
class Point:
    phase: str
    elapsed: float
    """Seconds since the recorder started (one clock across phases)."""
    phase_elapsed: float
    """Seconds the solver reported, counted from the start of its phase."""
    score: int | None
    bound: int | None


class ProgressRecorder:
    """A solver progress callback that keeps every call; ``forward`` (e.g. the CLI's live line)
    is called too."""

    def __init__(self, forward: Callback | None = None) -> None:
        self.points: list[Point] = []
        self.forward = forward
        self._started = time.monotonic()

    def start(self) -> ProgressRecorder:
        """Restart the clock and forget earlier points (call just before ``solve``)."""
        self.points.clear()
        self._started = time.monotonic()
        return self

    def __call__(self, phase: str, score: int | None, bound: int | None, elapsed: float) -> None:
        self.points.append(Point(phase, time.monotonic() - self._started, elapsed, score, bound))
        if self.forward is not None:
            self.forward(phase, score, bound, elapsed)

    def frame(self) -> pd.DataFrame:
        """One row per call: phase, elapsed, phase_elapsed, score, bound, gap."""
        rows = []
        for p in self.points:
            gap = None if p.phase == "secondary" else relative_gap(p.score, p.bound)
            rows.append(
                {
                    "phase": p.phase,
                    "elapsed": p.elapsed,
                    "phase_elapsed": p.phase_elapsed,
                    "score": p.score,
                    "bound": p.bound,
                    "gap": gap,
                }
            )
        return typed(rows, COLUMNS)
