"""Sections, rooms and staff sized from the referrals, as a program director would plan them."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from benchmarks.generator.catalog import CREDENTIALS, SURNAMES
from benchmarks.generator.people import Person, eligible
from benchmarks.generator.settings import WEEKDAYS, Setting, hm, window_docs
from benchmarks.generator.types import TypePlan, starts_within

SCARCE_COVER = (0.55, 0.75)
"""Seats planned per request for scarce types (cooking, outings): a real waitlist."""
PLENTY_COVER = (1.10, 1.30)
"""Seats planned per request for the rest: most demand fits."""
PACKING = 0.8
"""Expected fill of a running section, for sizing rooms and staff."""
STAFF_SLACK = 1.1
"""Staff sessions on hand per session expected to run."""


def demand(people: list[Person], plans: list[TypePlan]) -> dict[str, int]:
    """Requests per type from eligible participants (odd ineligible requests not counted)."""
    by_id = {plan.id: plan for plan in plans}
    out = {plan.id: 0 for plan in plans}
    for person in people:
        for type_id, _ in person.requests:
            if eligible(person, by_id[type_id]):
                out[type_id] += 1
    return out


def draw_covers(plans: list[TypePlan], rng: np.random.Generator) -> dict[str, float]:
    """Seats the director plans per request, by type (below 1 for scarce types)."""
    return {
        p.id: float(rng.uniform(*(SCARCE_COVER if p.t.scarce else PLENTY_COVER))) for p in plans
    }


def set_sections(
    plans: list[TypePlan], wanted: dict[str, int], caps: dict[str, int], covers: dict[str, float]
) -> None:
    """``max_sections``: below demand for scarce types, above it for the rest, within ``caps``."""
    for plan in plans:
        seats = covers[plan.id] * wanted[plan.id] / plan.max_size
        sections = math.floor(seats) if plan.t.scarce else math.ceil(seats)
        sections = max(1, sections)
        plan.max_sections = min(sections, caps.get(plan.id, sections))


def expected_sections(plan: TypePlan, wanted: int) -> int:
    """Sections likely to run: enough for the demand at typical fill, within ``max_sections``."""
    if wanted < plan.min_size:
        return 0
    return min(plan.max_sections, math.ceil(wanted / (PACKING * plan.max_size)))


@dataclass
class RoomPlan:
    id: str
    name: str
    capacity: int
    features: tuple[str, ...]
    blocked: list[tuple[str, int, int]]

    def document(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "capacity": self.capacity,
            "features": list(self.features),
            "blocked": window_docs(self.blocked),
        }


SPECIAL_ROOMS = {
    # feature: (id stem, name, features, capacity range, target utilisation)
    "computers": ("computer-lab", "Computer Lab", ("computers",), (8, 10), 0.45),
    "sink": ("art-studio", "Art Studio", ("sink",), (8, 10), 0.45),
    "quiet": ("quiet-room", "Quiet Room", ("quiet",), (6, 8), 0.45),
    "garden": ("garden", "Courtyard Garden", ("garden",), (8, 10), 1.0),
}
GENERAL_UTILISATION = 0.5


def kitchen_count(participants: int) -> int:
    """Teaching kitchens: one, a second from 800 participants, a third from 1,600."""
    return 1 + participants // 800


def make_kitchens(s: Setting, rng: np.random.Generator) -> list[RoomPlan]:
    """Teaching kitchens (6 seats), each blocked at lunch service on two or three days."""
    rooms = []
    for k in range(kitchen_count(s.participants)):
        days = sorted(rng.choice(5, size=int(rng.integers(2, 4)), replace=False).tolist())
        rooms.append(
            RoomPlan(
                id="kitchen" if k == 0 else f"kitchen-{k + 1}",
                name="Teaching Kitchen" if k == 0 else f"Teaching Kitchen {k + 1}",
                capacity=6,
                features=("kitchen", "sink"),
                blocked=[(WEEKDAYS[d], hm("11:30"), hm("13:00")) for d in days],
            )
        )
    return rooms


def weekly_starts(s: Setting, plan: TypePlan, rooms: list[RoomPlan]) -> int:
    """Non-overlapping meetings of the type the rooms could hold in a week (an upper bound)."""
    total = 0
    for room in rooms:
        ok = starts_within(~s.mask(room.blocked), plan.slots) & plan.start_mask(s)
        for d in range(len(WEEKDAYS)):
            slot, count = 0, 0
            while slot < ok.shape[1]:
                if ok[d, slot]:
                    count += 1
                    slot += plan.slots
                else:
                    slot += 1
            total += count
    return total // plan.t.meetings


def physical_caps(s: Setting, plans: list[TypePlan], kitchens: list[RoomPlan]) -> dict[str, int]:
    """Most sections the kitchens and garden can host (at 85%), for types that need them."""
    caps = {}
    gardens = [RoomPlan("garden", "", 10, ("garden",), [])]
    for plan in plans:
        feats = set(plan.t.features)
        if "kitchen" in feats:
            caps[plan.id] = max(1, int(0.85 * weekly_starts(s, plan, kitchens)))
        elif "garden" in feats:
            caps[plan.id] = max(1, int(0.85 * weekly_starts(s, plan, gardens)))
    return caps


def make_rooms(
    s: Setting,
    plans: list[TypePlan],
    wanted: dict[str, int],
    kitchens: list[RoomPlan],
    rng: np.random.Generator,
) -> list[RoomPlan]:
    """Group rooms and special rooms sized to the hours the sections will need."""
    week_hours = len(WEEKDAYS) * (s.close - s.open) / 60
    hours: dict[str, float] = {}
    for plan in plans:
        if plan.t.offsite:
            continue
        runs = expected_sections(plan, wanted[plan.id])
        key = plan.t.features[0] if plan.t.features else ""
        hours[key] = hours.get(key, 0.0) + runs * plan.t.meetings * plan.t.duration / 60
    general = max(2, math.ceil(hours.get("", 0.0) / (week_hours * GENERAL_UTILISATION)))
    rooms: list[RoomPlan] = []
    floors = 1 if general <= 6 else math.ceil(general / 6)
    for g in range(general):
        if floors == 1:
            rid, name = f"group-{chr(97 + g)}", f"Group Room {chr(65 + g)}"
        else:
            floor, k = g // 6 + 1, g % 6 + 1
            rid, name = f"group-{floor}{k:02d}", f"Group Room {floor}{k:02d}"
        blocked = []
        if rng.random() < 0.25:
            day = WEEKDAYS[int(rng.integers(5))]
            start = hm("09:00") + 60 * int(rng.integers(0, 6))
            blocked.append((day, start, start + 60 * int(rng.integers(1, 3))))
        rooms.append(RoomPlan(rid, name, int(rng.integers(8, 13)), (), blocked))
    rooms.extend(kitchens)
    for feature, (stem, label, feats, (lo, hi), util) in SPECIAL_ROOMS.items():
        if feature not in hours:
            continue
        if feature == "garden":
            count = 1
        else:
            count = max(1, math.ceil(hours[feature] / (week_hours * util)))
        capacity = int(rng.integers(lo, hi + 1))
        for k in range(count):
            rid = stem if k == 0 else f"{stem}-{k + 1}"
            name = label if k == 0 else f"{label} {k + 1}"
            rooms.append(RoomPlan(rid, name, capacity, feats, []))
    return rooms


def fit_sizes_to_rooms(plans: list[TypePlan], rooms: list[RoomPlan]) -> None:
    """A type's ``max_size`` never exceeds the largest room that has its features."""
    for plan in plans:
        if plan.t.offsite:
            continue
        fits = [r.capacity for r in rooms if set(plan.t.features) <= set(r.features)]
        plan.max_size = max(plan.min_size, min(plan.max_size, max(fits)))


@dataclass
class StaffPlan:
    id: str
    name: str
    role: str
    skills: list[str]
    windows: list[tuple[str, int, int]]
    per_day: int
    per_week: int
    full_day: bool

    @property
    def capacity(self) -> float:
        """Sessions a week that scheduling can realistically use (less for mornings only)."""
        return (0.9 if self.full_day else 0.6) * self.per_week

    def document(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role,
            "skills": list(self.skills),
            "available": window_docs(self.windows),
            "max_sessions_per_day": self.per_day,
            "max_sessions_per_week": self.per_week,
        }


CORE_TEAM_FROM = 100
"""From this size the department always has a recreation therapist and a peer specialist."""
HIRE_SHARES = {"OT": 0.35, "OTA": 0.45, "RT": 0.12, "PEER": 0.08}
TRAUMA_INFORMED = {"OT": 0.4, "OTA": 0.2, "PEER": 0.1, "RT": 0.1}


class Hiring:
    """Hires staff with plausible names, shifts and session limits."""

    def __init__(self, s: Setting, rng: np.random.Generator) -> None:
        self.s = s
        self.rng = rng
        self.staff: list[StaffPlan] = []
        self.names: set[str] = set()
        self.ids: set[str] = set()

    def _shift(self, full_time: bool) -> tuple[list[tuple[str, int, int]], int, int, bool]:
        s, rng = self.s, self.rng
        meeting_day, (m_start, m_end) = s.team_meeting
        kind = 0 if full_time else int(rng.choice(3, p=[0.7, 0.15, 0.15]))
        if kind == 0:  # full time
            days = list(WEEKDAYS)
            if s.big:
                start, end = (s.open, hm("16:00")) if rng.random() < 0.5 else (hm("09:30"), s.close)
            else:
                start, end = s.open, s.close
            per_day = int(rng.choice([3, 4, 5], p=[0.2, 0.6, 0.2]))
            per_week = min(per_day * 5, int(rng.integers(14, 21)))
        elif kind == 1:  # three long days
            days = [WEEKDAYS[i] for i in sorted(rng.choice(5, size=3, replace=False).tolist())]
            start, end = s.open, s.close
            per_day = int(rng.choice([4, 5]))
            per_week = min(per_day * 3, int(rng.integers(10, 13)))
        else:  # mornings every day
            days = list(WEEKDAYS)
            start, end = s.open, hm("12:30")
            per_day = 3
            per_week = int(rng.integers(10, 13))
        windows = []
        for d in days:
            if d == meeting_day and start < m_start and m_end < end:
                windows += [(d, start, m_start), (d, m_end, end)]
            elif d == meeting_day and start < m_start:
                windows.append((d, start, min(end, m_start)))
            else:
                windows.append((d, start, end))
        return windows, per_day, per_week, kind != 2

    def hire(self, role: str, skills: tuple[str, ...] = (), full_time: bool = False) -> StaffPlan:
        """A new staff member of the role, with at least these skills."""
        rng = self.rng
        while True:
            surname = SURNAMES[int(rng.integers(len(SURNAMES)))]
            initial = chr(65 + int(rng.integers(26)))
            name = f"{initial}. {surname}, {CREDENTIALS[role]}"
            if name not in self.names:
                break
        self.names.add(name)
        sid = f"{role.lower()}-{surname.lower()}"
        if sid in self.ids:
            sid = f"{sid}-{initial.lower()}"
        while sid in self.ids:
            sid += "x"
        self.ids.add(sid)
        own = set(skills)
        if rng.random() < TRAUMA_INFORMED[role]:
            own.add("trauma-informed")
        windows, per_day, per_week, full_day = self._shift(full_time)
        member = StaffPlan(sid, name, role, sorted(own), windows, per_day, per_week, full_day)
        self.staff.append(member)
        return member


def make_staff(
    s: Setting, plans: list[TypePlan], wanted: dict[str, int], rng: np.random.Generator
) -> list[StaffPlan]:
    """Enough staff, by role and skill, for the sessions expected to run, with some slack."""
    hiring = Hiring(s, rng)
    core = ("OT", "OTA", "RT", "PEER") if s.participants >= CORE_TEAM_FROM else ("OT", "OTA")
    for role in core:
        hiring.hire(role)
    buckets = []
    for plan in plans:
        sessions = expected_sections(plan, wanted[plan.id]) * plan.t.meetings * plan.t.staff_count
        if sessions:
            buckets.append((plan.t.roles, plan.t.skills, sessions * STAFF_SLACK))
    buckets.sort(key=lambda b: (len(b[0]), -len(b[1])))
    left = {id(m): m.capacity for m in hiring.staff}
    for roles, skills, need in buckets:
        qualified = [m for m in hiring.staff if m.role in roles and set(skills) <= set(m.skills)]
        if not any(m.full_day for m in qualified):
            # Someone qualified must be on site in the afternoon too.
            member = hiring.hire(roles[0], skills, full_time=True)
            left[id(member)] = member.capacity
        for member in hiring.staff:
            if need <= 0:
                break
            if member.role in roles and set(skills) <= set(member.skills):
                take = min(need, left[id(member)])
                left[id(member)] -= take
                need -= take
        while need > 0:
            shares = np.array([HIRE_SHARES.get(r, 0.0) for r in roles])
            role = roles[int(rng.choice(len(roles), p=shares / shares.sum()))]
            member = hiring.hire(role, skills)
            take = min(need, member.capacity)
            left[id(member)] = member.capacity - take
            need -= take
    return hiring.staff
