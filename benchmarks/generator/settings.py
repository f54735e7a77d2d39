"""Clinic-wide settings: calendar, term dates, program hours, and the weekly slot grid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
SLOT = 30
BIG_CLINIC = 600
"""From this many participants the clinic runs a long day (08:30–17:00)."""


def hm(text: str) -> int:
    """Minutes since midnight from ``"HH:MM"``."""
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def fmt(minutes: int) -> str:
    """``"HH:MM"`` from minutes since midnight."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def window_docs(windows: list[tuple[str, int, int]]) -> list[dict[str, str]]:
    """Contract window objects from ``(day, start, end)`` triples."""
    return [{"day": d, "start": fmt(s), "end": fmt(e)} for d, s, e in windows]


Span = tuple[int, int]
"""A clock span ``(start, end)`` in minutes since midnight."""


@dataclass(frozen=True)
class Season:
    name: str
    start: date
    closures: tuple[date, ...]
    garden: tuple[tuple[str, ...], Span]
    """Garden days and hours for the season (a weekly window pattern)."""


SEASONS: tuple[Season, ...] = (
    Season(
        "Winter",
        date(2027, 1, 4),
        (date(2027, 1, 18), date(2027, 2, 15)),
        (WEEKDAYS, (hm("11:00"), hm("14:00"))),
    ),
    Season(
        "Spring",
        date(2027, 3, 29),
        (date(2027, 5, 31),),
        (("tue", "wed", "thu"), (hm("09:00"), hm("12:00"))),
    ),
    Season(
        "Summer",
        date(2027, 6, 21),
        (date(2027, 7, 5), date(2027, 9, 6)),
        (WEEKDAYS, (hm("09:00"), hm("11:30"))),
    ),
    Season(
        "Fall",
        date(2027, 9, 13),
        (date(2027, 11, 25), date(2027, 11, 26)),
        (("mon", "wed", "fri"), (hm("09:30"), hm("12:30"))),
    ),
)

TERM_WEEKS = 12


@dataclass(frozen=True)
class Setting:
    """Everything about the clinic's week that later steps read, fixed up front."""

    participants: int
    big: bool
    open: int
    close: int
    season: Season
    php: Span
    iop_am: Span
    iop_pm: Span
    iop_pm_van: Span
    op_late: Span
    op_morning: Span
    op_midday: Span
    teen: Span
    res_morning: Span
    res_afternoon: Span
    van_run: Span
    shuttle_am: Span
    shuttle_pm: Span
    team_meeting: tuple[str, Span]

    @property
    def days(self) -> tuple[str, ...]:
        return WEEKDAYS

    @property
    def n_slots(self) -> int:
        return (self.close - self.open) // SLOT

    @property
    def term_end(self) -> date:
        """Friday of the last week."""
        return self.season.start + timedelta(weeks=TERM_WEEKS) - timedelta(days=3)

    def slot(self, minute: int) -> int:
        """Slot index of a clock minute (rounded down onto the grid)."""
        return (minute - self.open) // SLOT

    def slot_up(self, minute: int) -> int:
        """Slot index of a clock minute (rounded up onto the grid)."""
        return -((self.open - minute) // SLOT)

    def mask(self, windows: list[tuple[str, int, int]]) -> np.ndarray:
        """A ``[day, slot]`` boolean week: true inside any of the windows."""
        out = np.zeros((len(WEEKDAYS), self.n_slots), dtype=bool)
        for day, start, end in windows:
            lo = max(0, self.slot_up(start))
            hi = min(self.n_slots, self.slot(end))
            if hi > lo:
                out[WEEKDAYS.index(day), lo:hi] = True
        return out


def make_setting(participants: int, rng: np.random.Generator) -> Setting:
    """Calendar and program hours for a clinic of this size; the season is drawn."""
    big = participants >= BIG_CLINIC
    season = SEASONS[int(rng.integers(len(SEASONS)))]
    summer = season.name == "Summer"
    if big:
        open_, close = hm("08:30"), hm("17:00")
        op_late, op_morning = (hm("14:30"), hm("17:00")), (hm("08:30"), hm("10:30"))
        teen = (hm("14:30"), hm("17:00"))
    else:
        open_, close = hm("09:00"), hm("16:00")
        op_late, op_morning = (hm("13:30"), hm("16:00")), (hm("09:00"), hm("11:00"))
        teen = (hm("14:00"), hm("16:00"))
    if summer:
        teen = (hm("10:00"), hm("13:00"))
    meeting_day = WEEKDAYS[int(rng.integers(len(WEEKDAYS)))]
    return Setting(
        participants=participants,
        big=big,
        open=open_,
        close=close,
        season=season,
        php=(hm("09:00"), hm("15:30")),
        iop_am=(hm("09:00"), hm("12:00")),
        iop_pm=(hm("13:00"), hm("16:00")),
        iop_pm_van=(hm("12:30"), hm("15:30")),
        op_late=op_late,
        op_morning=op_morning,
        op_midday=(hm("11:30"), hm("13:30")),
        teen=teen,
        res_morning=(hm("09:00"), hm("12:00")),
        res_afternoon=(hm("13:00"), hm("16:00")),
        van_run=(hm("09:00"), hm("15:30")),
        shuttle_am=(hm("09:00"), hm("12:00")),
        shuttle_pm=(hm("12:30"), hm("15:30")),
        team_meeting=(meeting_day, (hm("12:00"), hm("13:00"))),
    )
