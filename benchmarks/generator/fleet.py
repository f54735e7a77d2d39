"""Vans: daily rider runs, seats, and the seat ledger that keeps every rider carriable."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from benchmarks.generator.settings import WEEKDAYS, Setting, fmt, window_docs


@dataclass
class Van:
    id: str
    name: str
    seats: int
    wheelchair_seats: int
    runs: list[tuple[int, int]]
    """Daily ``(arrive, depart)`` runs, the same every clinic day."""
    riders: dict[tuple[str, int], int] = field(default_factory=dict)
    """Seats promised per ``(day, run index)``."""
    wheelchairs: dict[tuple[str, int], int] = field(default_factory=dict)

    def document(self, setting: Setting) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "seats": self.seats,
            "wheelchair_seats": self.wheelchair_seats,
            "available": window_docs([(d, setting.open, setting.close) for d in setting.days]),
            "runs": [
                {"day": d, "arrive": fmt(a), "depart": fmt(b)}
                for d in setting.days
                for a, b in self.runs
            ],
        }


def van_counts(participants: int) -> tuple[int, int]:
    """``(route vans, IOP shuttles)`` for a clinic of this size (the 120-person demo: 2, 0)."""
    route = max(1, math.ceil(participants * 0.11 / 9))
    shuttles = 0 if participants < 250 else max(1, math.ceil(participants * 0.018 / 18))
    return route, shuttles


def make_fleet(setting: Setting, rng: np.random.Generator) -> list[Van]:
    """Route vans run 09:00→15:30 daily; big clinics add IOP shuttles (AM and PM runs)."""
    route, shuttles = van_counts(setting.participants)
    vans = []
    for i in range(route):
        vans.append(
            Van(
                id=f"van-{i + 1}",
                name=f"Van {i + 1}",
                seats=int(rng.integers(7, 13)),
                wheelchair_seats=int(rng.integers(1, 3)),
                runs=[setting.van_run],
            )
        )
    for i in range(shuttles):
        vans.append(
            Van(
                id=f"shuttle-{i + 1}",
                name=f"IOP Shuttle {i + 1}",
                seats=int(rng.integers(8, 13)),
                wheelchair_seats=1,
                runs=[setting.shuttle_am, setting.shuttle_pm],
            )
        )
    return vans


def book_rider(vans: list[Van], windows: list[tuple[str, int, int]], wheelchair: bool) -> bool:
    """Promise a seat on every day the rider may attend, or change nothing and say False.

    Each day's windows must lie inside one run; the tightest run with a free seat is taken.
    """
    picks: list[tuple[Van, tuple[str, int]]] = []
    by_day: dict[str, tuple[int, int]] = {}
    for day, start, end in windows:
        lo, hi = by_day.get(day, (start, end))
        by_day[day] = (min(lo, start), max(hi, end))
    for day in WEEKDAYS:
        if day not in by_day:
            continue
        start, end = by_day[day]
        best: tuple[int, int, Van, int] | None = None
        for order, van in enumerate(vans):
            for r, (arrive, depart) in enumerate(van.runs):
                key = (day, r)
                if not (arrive <= start and end <= depart):
                    continue
                if van.riders.get(key, 0) >= van.seats:
                    continue
                if wheelchair and van.wheelchairs.get(key, 0) >= van.wheelchair_seats:
                    continue
                rank = (depart - arrive, order)
                if best is None or rank < best[:2]:
                    best = (*rank, van, r)
        if best is None:
            return False
        picks.append((best[2], (day, best[3])))
    for van, key in picks:
        van.riders[key] = van.riders.get(key, 0) + 1
        if wheelchair:
            van.wheelchairs[key] = van.wheelchairs.get(key, 0) + 1
    return True
