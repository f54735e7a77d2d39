"""What every check reads: the term's staff roles, each participant's sessions — held (from
the records) and planned (the schedule over the term's remaining dates) — and, per session, the
payer that would be billed and that payer's rule profile.

Planned sessions are the schedule's weekly meetings on every term date after ``as_of`` that is
not a closure; each carries the line it would bill: the profile's ``group_code`` for the
participant's setting (97150 for an outpatient OT group, G0129 in PHP/IOP, …), one unit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from audit.profile import Profile, payer_profile
from models.common import DAYS
from models.records import Coverage, HeldSession, Line, Payer, PlanOfCare, Records, Setting
from models.schedule import Schedule
from models.term import Term

SETTING_OF_PROGRAM: dict[str, Setting] = {
    "PHP": "PHP",
    "IOP": "IOP",
    "RES": "residential",
    "OP": "outpatient",
}


@dataclass(frozen=True)
class Dated:
    """One session of one participant on one date, held or planned, as the checks see it."""

    participant: str
    date: date
    start: int
    minutes: int
    setting: Setting
    staff: tuple[str, ...]
    lines: tuple[Line, ...]
    section: str | None = None
    held: HeldSession | None = None
    """The record, for a session already held; None for a planned one."""

    @property
    def session(self) -> str | None:
        return self.held.id if self.held is not None else None

    @property
    def attended(self) -> bool:
        """Planned sessions count as attended; held ones unless absent or excused."""
        return self.held is None or self.held.attendance not in {"absent", "excused"}


@dataclass
class AuditContext:
    term: Term
    schedule: Schedule
    records: Records
    as_of: date
    payers: dict[str, Payer] = field(init=False)
    _profiles: dict[str, Profile] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.payers = {p.id: p for p in self.records.payers}

    # -- people and staff ----------------------------------------------------------------
    @cached_property
    def role(self) -> dict[str, str]:
        """Staff id → role (OT, OTA, …)."""
        return {s.id: s.role for s in self.term.staff}

    def setting(self, pid: str) -> Setting:
        return SETTING_OF_PROGRAM[self.term.participant(pid).program]

    # -- payers --------------------------------------------------------------------------
    @cached_property
    def coverage_of(self) -> dict[str, list[Coverage]]:
        """Participant → their coverage records, in record order (an index, not a scan)."""
        out: dict[str, list[Coverage]] = {}
        for c in self.records.coverage:
            out.setdefault(c.participant, []).append(c)
        return out

    def coverages(self, pid: str, day: date) -> list[Coverage]:
        """Coverage effective on ``day``, in record order."""
        return [
            c
            for c in self.coverage_of.get(pid, ())
            if c.effective_from <= day and (c.effective_to is None or day <= c.effective_to)
        ]

    def billing_coverage(self, pid: str, day: date) -> Coverage | None:
        """Where OT codes route: the medical benefit when there is one, else what covers."""
        found = self.coverages(pid, day)
        medical = [c for c in found if c.benefit == "medical"]
        return next(iter(medical or found), None)

    def payer_for(self, s: Dated) -> Payer | None:
        """The payer a session is (or would be) billed to."""
        if s.held is not None and s.held.payer is not None:
            return self.payers[s.held.payer]
        cov = self.billing_coverage(s.participant, s.date)
        return self.payers[cov.payer] if cov is not None else None

    def profile(self, payer: Payer) -> Profile:
        """The payer's rule profile, overrides applied (loaded once)."""
        if payer.id not in self._profiles:
            index = self.records.payers.index(payer)
            self._profiles[payer.id] = payer_profile(payer, f"payers[{index}]")
        return self._profiles[payer.id]

    def profile_for(self, s: Dated) -> tuple[Payer, Profile] | None:
        payer = self.payer_for(s)
        return (payer, self.profile(payer)) if payer is not None else None

    # -- sessions ------------------------------------------------------------------------
    @cached_property
    def sessions(self) -> list[Dated]:
        """Held then planned sessions of everyone, by participant, date and start."""
        items = [*self._held(), *self._planned()]
        items.sort(key=lambda s: (s.participant, s.date, s.start, s.session or "", s.section or ""))
        return items

    @cached_property
    def by_participant(self) -> dict[str, list[Dated]]:
        out: dict[str, list[Dated]] = {}
        for s in self.sessions:
            out.setdefault(s.participant, []).append(s)
        return out

    def plans(self, pid: str) -> list[PlanOfCare]:
        return [p for p in self.records.plans_of_care if p.participant == pid]

    def _held(self) -> Iterator[Dated]:
        for h in self.records.sessions:
            yield Dated(
                participant=h.participant,
                date=h.date,
                start=h.start,
                minutes=h.minutes,
                setting=h.setting,
                staff=tuple(h.furnished_by),
                lines=tuple(h.lines),
                section=h.section,
                held=h,
            )

    def planned_dates(self, weekday: str) -> list[date]:
        """Term dates after ``as_of`` on ``weekday`` that are not closures."""
        return _dates(self.term, self.as_of, weekday)

    def _planned(self) -> Iterator[Dated]:
        for section in self.schedule.sections:
            duration = self.term.group_type(section.group_type).duration_minutes
            for meeting in section.meetings:
                for day in self.planned_dates(meeting.day):
                    for pid in section.participants:
                        yield self._planned_session(pid, day, meeting.start, duration, section)

    def _planned_session(self, pid: str, day: date, start: int, minutes: int, section) -> Dated:
        setting = self.setting(pid)
        draft = Dated(pid, day, start, minutes, setting, tuple(section.staff), (), section.id)
        found = self.profile_for(draft)
        code = found[1]("group_code").get(setting) if found is not None else None
        lines = (Line(code=code, units=1, minutes=minutes),) if code else ()
        return Dated(pid, day, start, minutes, setting, tuple(section.staff), lines, section.id)


def _dates(term: Term, as_of: date, weekday: str) -> list[date]:
    if as_of >= term.term.end:
        return []  # every date of the term is held by then
    closures = set(term.term.closures)
    first = max(term.term.start, as_of + timedelta(days=1))
    offset = (DAYS.index(weekday) - first.weekday()) % 7
    day = first + timedelta(days=offset)
    out = []
    while day <= term.term.end:
        if day not in closures:
            out.append(day)
        day += timedelta(days=7)
    return out
