"""A live progress line for solves: best score, proven bound, gap, elapsed."""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console
from rich.live import Live
from rich.text import Text

from models.schedule import relative_gap


def progress_text(phase: str, score: int | None, bound: int | None, elapsed: float) -> str:
    """``score 1303  bound 1400  gap 6.9%  12.3 s``; the secondary phase shows its cost."""
    if phase == "secondary":
        cost = "-" if score is None else str(score)
        return f"score kept; polishing secondary aims, cost {cost}  {elapsed:.1f} s"
    g = relative_gap(score, bound)
    parts = [
        f"score {score if score is not None else '-'}",
        f"bound {bound if bound is not None else '-'}",
        f"gap {g:.1%}" if g is not None else "gap -",
        f"{elapsed:.1f} s",
    ]
    return "  ".join(parts)


class ProgressLine:
    """Context manager; call it as the solver's progress callback."""

    def __init__(self, console: Console, enabled: bool = True) -> None:
        self.console = console
        self.enabled = enabled and console.is_terminal
        self._live: Live | None = None
        self._started = time.monotonic()
        self._last: dict[str, str] = {}

    def __enter__(self) -> ProgressLine:
        if self.enabled:
            self._live = Live(Text("starting…"), console=self.console, refresh_per_second=4)
            self._live.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.__exit__(exc_type, exc, tb)
        else:
            for line in self._last.values():
                self.console.print(line, highlight=False)

    def __call__(self, phase: str, score: int | None, bound: int | None, elapsed: float) -> None:
        line = progress_text(phase, score, bound, time.monotonic() - self._started)
        self._last[phase] = line
        if self._live is not None:
            self._live.update(Text(line))
