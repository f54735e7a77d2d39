"""Participants: who they are, when they can come, how they travel, and what they ask for."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from benchmarks.generator.catalog import PRIORITY_PROFILES
from benchmarks.generator.fleet import Van, book_rider
from benchmarks.generator.settings import SLOT, WEEKDAYS, Setting, window_docs
from benchmarks.generator.types import TypePlan, starts_within

AGE_BANDS = ("adolescent", "adult", "older-adult")
AGE_SHARES = (0.12, 0.74, 0.14)
ADULT_PROGRAMS = ("PHP", "IOP", "OP", "RES")
ADULT_PROGRAM_SHARES = (0.28, 0.30, 0.27, 0.15)
TEEN_PROGRAMS = ("IOP", "OP")
TEEN_PROGRAM_SHARES = (0.6, 0.4)
GENDERS = ("F", "M", "X", "nonbinary")
GENDER_SHARES = (0.50, 0.44, 0.03, 0.03)
ACUITY = ("low", "moderate", "high")
ACUITY_SHARES = {
    "PHP": (0.22, 0.46, 0.32),
    "RES": (0.15, 0.45, 0.40),
    "IOP": (0.35, 0.50, 0.15),
    "OP": (0.50, 0.44, 0.06),
}
TRACKS = ("psychosis", "mood", "trauma", "substance-use")
TRACK_SHARES = {
    "PHP": (0.25, 0.35, 0.25, 0.15),
    "RES": (0.40, 0.20, 0.15, 0.25),
    "IOP": (0.08, 0.40, 0.27, 0.25),
    "OP": (0.07, 0.45, 0.30, 0.18),
    "teen": (0.02, 0.50, 0.30, 0.18),
}
SECOND_TRACK = 0.4
VAN_SHARE = {"PHP": 0.35, "IOP": 0.10}
"""Share of each program's adults who ride a clinic van (OP, RES and adolescents never do)."""
WHEELCHAIR_SHARE = 0.03
WHEELCHAIR_WEIGHT = {"adolescent": 0.3, "adult": 1.0, "older-adult": 4.0}
"""Relative chance of using a wheelchair, by age band."""
REQUEST_COUNTS = {
    # program: (smallest, shares of smallest, smallest+1, …)
    "PHP": (3, (0.25, 0.45, 0.30)),
    "RES": (3, (0.30, 0.45, 0.25)),
    "IOP": (2, (0.30, 0.45, 0.25)),
    "OP": (2, (0.60, 0.40)),
    "teen": (2, (0.45, 0.55)),
}
OP_TWICE_WEEKLY = 0.5
"""OP participants come once or twice a week: twice-weekly groups are referred half as often."""
IOP_PATTERNS = (("mon", "wed", "fri"), ("tue", "wed", "thu"))
IOP_PATTERN_SHARES = (0.6, 0.4)
TEEN_PATTERNS = (("mon", "tue", "thu"), ("tue", "wed", "thu"))
PRIORITIES = ("required", "recommended", "optional")


@dataclass
class Person:
    id: str
    age_band: str
    gender: str
    program: str
    acuity: str
    tracks: list[str]
    windows: list[tuple[str, int, int]]
    transport: str = "self"
    wheelchair: bool = False
    requests: list[tuple[str, str]] = field(default_factory=list)
    keep_apart: list[str] = field(default_factory=list)

    def document(self) -> dict[str, object]:
        return {
            "id": self.id,
            "age_band": self.age_band,
            "gender": self.gender,
            "program": self.program,
            "acuity": self.acuity,
            "tracks": list(self.tracks),
            "available": window_docs(self.windows),
            "transport": self.transport,
            "wheelchair": self.wheelchair,
            "requests": [{"group_type": t, "priority": p} for t, p in self.requests],
            "keep_apart": list(self.keep_apart),
        }


def _pick(rng: np.random.Generator, values: tuple[str, ...], shares: tuple[float, ...]) -> str:
    return values[int(rng.choice(len(values), p=np.asarray(shares) / sum(shares)))]


def _quota(
    rng: np.random.Generator, values: tuple[str, ...], shares: tuple[float, ...], n: int
) -> list[str]:
    """``n`` values in exactly these shares (largest remainder), in random order."""
    raw = np.asarray(shares) / sum(shares) * n
    counts = np.floor(raw).astype(int)
    for k in np.argsort(-(raw - counts), kind="stable")[: n - int(counts.sum())]:
        counts[k] += 1
    out = [v for v, c in zip(values, counts.tolist(), strict=True) for _ in range(c)]
    return [out[k] for k in rng.permutation(n).tolist()]


def _days(rng: np.random.Generator, count: int) -> list[str]:
    chosen = sorted(rng.choice(len(WEEKDAYS), size=count, replace=False).tolist())
    return [WEEKDAYS[i] for i in chosen]


def _availability(
    s: Setting, rng: np.random.Generator, age: str, program: str, van: bool
) -> list[tuple[str, int, int]]:
    """Weekly windows that follow the program's pattern (see benchmarks/README.md)."""
    if age == "adolescent":
        start, end = s.teen
        if program == "IOP":
            days = list(TEEN_PATTERNS[int(rng.choice(2, p=[0.6, 0.4]))])
        else:
            days = _days(rng, int(rng.choice([1, 2, 3], p=[0.2, 0.55, 0.25])))
        return [(d, start, end) for d in days]
    if program == "PHP":
        days = list(WEEKDAYS)
        if rng.random() < 0.3:
            days.remove(WEEKDAYS[int(rng.integers(5))])
        late = days[int(rng.integers(len(days)))] if rng.random() < 0.15 else None
        start, end = s.php
        return [(d, start + 60 if d == late else start, end) for d in days]
    if program == "IOP":
        days = list(IOP_PATTERNS[int(rng.choice(2, p=IOP_PATTERN_SHARES))])
        span = s.iop_am if rng.random() < 0.6 else (s.iop_pm_van if van else s.iop_pm)
        return [(d, *span) for d in days]
    if program == "OP":
        profile = rng.choice(3, p=[0.6, 0.25, 0.15])
        span = (s.op_late, s.op_morning, s.op_midday)[int(profile)]
        days = _days(rng, int(rng.choice([1, 2, 3], p=[0.10, 0.50, 0.40])))
        return [(d, *span) for d in days]
    # RES: on the unit all day but lunch, less one or two appointments a week.
    mask = s.mask(
        [(d, *s.res_morning) for d in WEEKDAYS] + [(d, *s.res_afternoon) for d in WEEKDAYS]
    )
    for _ in range(int(rng.integers(1, 3))):
        day = int(rng.integers(5))
        start = int(rng.integers(0, mask.shape[1] - 1))
        mask[day, start : start + 2] = False
    return mask_windows(s, mask)


def mask_windows(s: Setting, mask: np.ndarray) -> list[tuple[str, int, int]]:
    """Contiguous ``(day, start, end)`` windows of a ``[day, slot]`` mask."""
    out = []
    for d, day in enumerate(WEEKDAYS):
        row = mask[d]
        slot = 0
        while slot < len(row):
            if row[slot]:
                end = slot
                while end < len(row) and row[end]:
                    end += 1
                out.append((day, s.open + slot * SLOT, s.open + end * SLOT))
                slot = end
            else:
                slot += 1
    return out


def make_people(s: Setting, vans: list[Van], rng: np.random.Generator) -> list[Person]:
    """Demographics, programs, transport and availability (requests come later)."""
    people = []
    width = max(4, len(str(s.participants)))
    ages = _quota(rng, AGE_BANDS, AGE_SHARES, s.participants)
    teens = _quota(rng, TEEN_PROGRAMS, TEEN_PROGRAM_SHARES, ages.count("adolescent"))
    adults = _quota(rng, ADULT_PROGRAMS, ADULT_PROGRAM_SHARES, len(ages) - len(teens))
    for i, age in enumerate(ages):
        program = teens.pop() if age == "adolescent" else adults.pop()
        gender = _pick(rng, GENDERS, GENDER_SHARES)
        acuity = _pick(rng, ACUITY, ACUITY_SHARES[program])
        shares = TRACK_SHARES["teen" if age == "adolescent" else program]
        tracks = [_pick(rng, TRACKS, shares)]
        if rng.random() < SECOND_TRACK:
            rest = tuple(t for t in TRACKS if t != tracks[0])
            tracks.append(_pick(rng, rest, tuple(shares[TRACKS.index(t)] for t in rest)))
        people.append(
            Person(
                id=f"P{i + 1:0{width}d}",
                age_band=age,
                gender=gender,
                program=program,
                acuity=acuity,
                tracks=tracks,
                windows=[],
            )
        )
    weights = np.array([WHEELCHAIR_WEIGHT[p.age_band] for p in people])
    users = max(1, round(WHEELCHAIR_SHARE * len(people)))
    for i in rng.choice(len(people), size=users, replace=False, p=weights / weights.sum()):
        people[int(i)].wheelchair = True
    riders: set[int] = set()
    for program, share in VAN_SHARE.items():
        pool = [
            i for i, p in enumerate(people) if p.program == program and p.age_band != "adolescent"
        ]
        quota = round(share * len(pool))
        if quota:
            riders.update(rng.choice(pool, size=quota, replace=False).tolist())
    for i, person in enumerate(people):
        van = i in riders
        person.windows = _availability(s, rng, person.age_band, person.program, van)
        if van and book_rider(vans, person.windows, person.wheelchair):
            person.transport = "van"
    return people


def eligible(person: Person, plan: TypePlan) -> bool:
    """True when the person matches every non-null ``allowed`` list of the type."""
    t = plan.t
    if t.age_bands is not None and person.age_band not in t.age_bands:
        return False
    if t.genders is not None and person.gender not in t.genders:
        return False
    if t.programs is not None and person.program not in t.programs:
        return False
    return t.tracks_any is None or any(tr in t.tracks_any for tr in person.tracks)


def time_fits(s: Setting, people: list[Person], plans: list[TypePlan]) -> np.ndarray:
    """``[person, type]``: some start has ``meetings_per_week`` days free, travel included."""
    avail = np.stack([s.mask(p.windows) for p in people])
    out = np.zeros((len(people), len(plans)), dtype=bool)
    for j, plan in enumerate(plans):
        tr = plan.travel_slots
        busy = starts_within(avail, plan.slots + 2 * tr)
        ok = np.zeros_like(avail)
        if tr:
            ok[..., tr:] = busy[..., : avail.shape[-1] - tr]
        else:
            ok = busy
        ok &= plan.start_mask(s)[None]
        out[:, j] = ok.sum(axis=1).max(axis=1) >= plan.t.meetings
    return out


def add_requests(
    s: Setting, people: list[Person], plans: list[TypePlan], rng: np.random.Generator
) -> None:
    """2–5 plausible requests each (eligible, and some time fits), priorities by group kind."""
    fits = time_fits(s, people, plans)
    for i, person in enumerate(people):
        weights = np.zeros(len(plans))
        for j, plan in enumerate(plans):
            if fits[i, j] and eligible(person, plan):
                weights[j] = plan.t.popularity * plan.t.affinity.get(person.program, 1.0)
                if person.program == "OP" and plan.t.meetings > 1:
                    weights[j] *= OP_TWICE_WEEKLY
        key = "teen" if person.age_band == "adolescent" else person.program
        smallest, shares = REQUEST_COUNTS[key]
        count = smallest + int(rng.choice(len(shares), p=shares))
        count = min(count, int((weights > 0).sum()))
        if count == 0:
            continue
        chosen = rng.choice(len(plans), size=count, replace=False, p=weights / weights.sum())
        for j in chosen.tolist():
            profile = PRIORITY_PROFILES[plans[j].t.profile]
            person.requests.append((plans[j].id, PRIORITIES[int(rng.choice(3, p=profile))]))
        if all(p != "required" for _, p in person.requests):
            # A treatment plan names at least one group as required.
            first, _ = person.requests[0]
            person.requests[0] = (first, "required")


def add_odd_requests(
    s: Setting, people: list[Person], plans: list[TypePlan], rng: np.random.Generator
) -> list[tuple[str, str, str]]:
    """A few requests that cannot be placed: ineligible, or no time fits. Returns them."""
    fits = time_fits(s, people, plans)
    odd: list[tuple[str, str, str]] = []
    quotas = (
        ("ineligible", max(1, round(len(people) * 0.012))),
        ("no-time", max(1, round(len(people) * 0.006))),
    )
    order = rng.permutation(len(people)).tolist()
    cursor = 0
    for kind, quota in quotas:
        made = 0
        while made < quota and cursor < len(order):
            i = order[cursor]
            cursor += 1
            person = people[i]
            taken = {t for t, _ in person.requests}
            if len(taken) >= 5:
                continue
            if kind == "ineligible":
                options = [
                    j
                    for j, plan in enumerate(plans)
                    if plan.id not in taken and not eligible(person, plan)
                ]
            else:
                options = [
                    j
                    for j, plan in enumerate(plans)
                    if plan.id not in taken and eligible(person, plan) and not fits[i, j]
                ]
            if not options:
                continue
            j = options[int(rng.integers(len(options)))]
            priority = "required" if rng.random() < 0.5 else "recommended"
            person.requests.append((plans[j].id, priority))
            odd.append((person.id, plans[j].id, kind))
            made += 1
    return odd


def add_keep_apart(people: list[Person], rng: np.random.Generator) -> list[tuple[str, str]]:
    """About 1.5% of participants get a keep-apart partner in their program with a shared group."""
    pairs: list[tuple[str, str]] = []
    target = max(1, round(len(people) * 0.015))
    attempts = 0
    while len(pairs) < target and attempts < 50 * target:
        attempts += 1
        a = people[int(rng.integers(len(people)))]
        wanted = {t for t, _ in a.requests}
        mates = [
            b
            for b in people
            if b is not a
            and b.program == a.program
            and b.id not in a.keep_apart
            and wanted & {t for t, _ in b.requests}
        ]
        if not mates:
            continue
        b = mates[int(rng.integers(len(mates)))]
        a.keep_apart.append(b.id)
        b.keep_apart.append(a.id)
        pairs.append((a.id, b.id))
    return pairs
