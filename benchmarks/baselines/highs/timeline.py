"""Exact no-overlap on a week time line as clique rows, one per start event.

Two half-open spans ``[a1, b1)`` and ``[a2, b2)`` overlap exactly when the later start lies in
both, so "at most one of these spans is used at every *start* point" is the same rule as "at
most one at every minute". Rows at points whose set of spans is contained in the next point's
set, and rows whose spans all belong to one group (already mutually exclusive, e.g. the
patterns of one slot), are left out.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field


@dataclass
class Span:
    """One meeting (travel included where it occupies the resource) on one day."""

    group: Hashable
    """Spans of one group are mutually exclusive already (one slot, or one type's patterns)."""
    day: str
    start: int
    end: int
    cols: list[int] = field(default_factory=list)
    """Columns of which at most one is 1, each meaning "this span is used"."""


def add_span(
    spans: dict[tuple[Hashable, str, int, int], Span],
    group: Hashable,
    day: str,
    start: int,
    end: int,
    col: int,
) -> None:
    """Add ``col`` to the span ``(group, day, start, end)``, creating it if new."""
    key = (group, day, start, end)
    span = spans.get(key)
    if span is None:
        span = spans[key] = Span(group, day, start, end)
    span.cols.append(col)


def clique_rows(spans: list[Span]) -> Iterator[list[int]]:
    """Column lists that must each sum to at most 1 for the spans never to overlap."""
    by_day: dict[str, list[Span]] = {}
    for span in spans:
        by_day.setdefault(span.day, []).append(span)
    for day in sorted(by_day):
        day_spans = by_day[day]
        points = sorted({s.start for s in day_spans})
        for i, t in enumerate(points):
            active = [s for s in day_spans if s.start <= t < s.end]
            if len({s.group for s in active}) < 2:
                continue
            if i + 1 < len(points) and all(s.end > points[i + 1] for s in active):
                continue  # every span here also covers the next start point
            yield [c for s in active for c in s.cols]
