"""``generate_term``: one seeded, realistic clinic term as a contract document."""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.generator import clinic, fleet, people, types
from benchmarks.generator.catalog import CLINIC_PLACES, TIMEZONES
from benchmarks.generator.settings import make_setting

GENERATOR_VERSION = 1


def generate_term(participants: int, seed: int = 0) -> dict[str, Any]:
    """A term document (``otgroups.term/1``) for a clinic of ``participants``.

    Deterministic for ``(participants, seed)``: every draw comes from one
    ``numpy.random.default_rng(seed)`` in a fixed order. See ``benchmarks/README.md``.
    """
    if participants < 1:
        raise ValueError(f"participants must be at least 1, got {participants}")
    rng = np.random.default_rng(seed)
    s = make_setting(participants, rng)
    place = CLINIC_PLACES[int(rng.integers(len(CLINIC_PLACES)))]
    timezone = TIMEZONES[int(rng.integers(len(TIMEZONES)))]
    vans = fleet.make_fleet(s, rng)
    plans = types.plan_types(s, min(v.seats for v in vans), rng)
    folks = people.make_people(s, vans, rng)
    people.add_requests(s, folks, plans, rng)
    people.add_odd_requests(s, folks, plans, rng)
    people.add_keep_apart(folks, rng)

    wanted = clinic.demand(folks, plans)
    kitchens = clinic.make_kitchens(s, rng)
    caps = clinic.physical_caps(s, plans, kitchens)
    covers = clinic.draw_covers(plans, rng)
    clinic.set_sections(plans, wanted, caps, covers)
    rooms = clinic.make_rooms(s, plans, wanted, kitchens, rng)
    clinic.fit_sizes_to_rooms(plans, rooms)
    clinic.set_sections(plans, wanted, caps, covers)
    staff = clinic.make_staff(s, plans, wanted, rng)

    kind = "Behavioral Health Center" if s.big else "Community Mental Health Center"
    return {
        "format": "otgroups.term/1",
        "clinic": {
            "id": place.lower().replace(" ", "-") + ("-bhc" if s.big else "-cmhc"),
            "name": f"{place} {kind}",
            "timezone": timezone,
        },
        "term": {
            "name": f"{s.season.name} {s.season.start.year}",
            "start": s.season.start.isoformat(),
            "end": s.term_end.isoformat(),
            "closures": [d.isoformat() for d in s.season.closures],
        },
        "calendar": {
            "days": list(s.days),
            "open": f"{s.open // 60:02d}:{s.open % 60:02d}",
            "close": f"{s.close // 60:02d}:{s.close % 60:02d}",
            "slot_minutes": 30,
        },
        "rooms": [room.document() for room in rooms],
        "staff": [member.document() for member in staff],
        "vehicles": [van.document(s) for van in vans],
        "group_types": [plan.document() for plan in plans],
        "participants": [person.document() for person in folks],
        "weights": {"required": 100, "recommended": 10, "optional": 1},
        "generated_by": {
            "generator": "benchmarks.generate",
            "version": GENERATOR_VERSION,
            "participants": participants,
            "seed": seed,
        },
    }
