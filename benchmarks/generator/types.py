"""Group types offered by one clinic: the menu filtered by size, with drawn sizes and windows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from benchmarks.generator.catalog import CATALOG, TypeTemplate
from benchmarks.generator.settings import SLOT, WEEKDAYS, Setting, hm, window_docs

Windows = list[tuple[str, int, int]]


@dataclass
class TypePlan:
    """A group type as this clinic runs it (``max_sections`` is set once demand is known)."""

    t: TypeTemplate
    min_size: int
    max_size: int
    travel: int
    windows: Windows | None
    max_sections: int = 0

    @property
    def id(self) -> str:
        return self.t.id

    @property
    def slots(self) -> int:
        """Meeting length in grid slots."""
        return self.t.duration // SLOT

    @property
    def travel_slots(self) -> int:
        """Travel each way, rounded up to whole slots (a conservative busy span)."""
        return -(-self.travel // SLOT)

    def start_mask(self, setting: Setting) -> np.ndarray:
        """``[day, slot]``: true where a meeting may start (inside the calendar and windows)."""
        n = setting.n_slots
        if self.windows is None:
            inside = np.ones((len(WEEKDAYS), n), dtype=bool)
        else:
            inside = setting.mask(self.windows)
        return starts_within(inside, self.slots)

    def document(self) -> dict[str, object]:
        """The contract's ``group_types[]`` entry."""
        t = self.t
        return {
            "id": t.id,
            "name": t.name,
            "category": t.category,
            "duration_minutes": t.duration,
            "meetings_per_week": t.meetings,
            "min_size": self.min_size,
            "max_size": self.max_size,
            "max_sections": self.max_sections,
            "room_features": list(t.features),
            "offsite": t.offsite,
            "travel_minutes": self.travel,
            "staff": {"count": t.staff_count, "roles": list(t.roles), "skills": list(t.skills)},
            "allowed": {
                "age_bands": _list(t.age_bands),
                "genders": _list(t.genders),
                "programs": _list(t.programs),
                "tracks_any": _list(t.tracks_any),
            },
            "max_high_acuity": t.max_high,
            "single_program": t.single_program,
            "windows": None if self.windows is None else window_docs(self.windows),
        }


def _list(values: tuple[str, ...] | None) -> list[str] | None:
    return None if values is None else list(values)


def starts_within(mask: np.ndarray, length: int) -> np.ndarray:
    """``[..., slot]``: true where ``length`` slots from there are all true in ``mask``."""
    n = mask.shape[-1]
    out = np.zeros(mask.shape, dtype=bool)
    if length > n:
        return out
    csum = np.concatenate(
        [np.zeros((*mask.shape[:-1], 1), dtype=np.int32), np.cumsum(mask, axis=-1)], axis=-1
    )
    run = csum[..., length:] - csum[..., : n - length + 1]
    out[..., : n - length + 1] = run == length
    return out


def _pattern_windows(setting: Setting, name: str, rng: np.random.Generator) -> Windows:
    """Weekly windows of a named pattern (partner opening hours, season, school day)."""
    if name == "teen":
        start, end = setting.teen
        return [(d, start, end) for d in WEEKDAYS]
    if name == "garden":
        days, (start, end) = setting.season.garden
        return [(d, start, end) for d in days]
    if name == "library":
        # The public library runs its community room for the clinic three days a week.
        picked = sorted(rng.choice(5, size=3, replace=False).tolist())
        return [(WEEKDAYS[d], hm("10:00"), hm("14:00")) for d in picked]
    if name == "store":
        return [(d, hm("10:00"), hm("14:00")) for d in WEEKDAYS]
    if name == "jobsite":
        picked = sorted(rng.choice(5, size=2, replace=False).tolist())
        return [(WEEKDAYS[d], hm("10:00"), hm("14:00")) for d in picked]
    raise ValueError(f"unknown window pattern {name!r}")


def plan_types(setting: Setting, min_van_seats: int, rng: np.random.Generator) -> list[TypePlan]:
    """The clinic's group types, in menu order, with sizes, travel and windows drawn."""
    plans = []
    for t in CATALOG:
        if setting.participants < t.min_clinic:
            continue
        lo, hi = t.max_size
        max_size = int(rng.integers(lo, hi + 1))
        lo, hi = t.min_size
        min_size = int(rng.integers(lo, hi + 1))
        travel = int(rng.choice(t.travel)) if t.offsite else 0
        if t.offsite:
            # Riders and staff all fit in the smallest van.
            max_size = max(min_size + 1, min(max_size, min_van_seats - t.staff_count))
        windows = None if t.windows is None else _pattern_windows(setting, t.windows, rng)
        plans.append(TypePlan(t, min_size, max_size, travel, windows))
    return plans
