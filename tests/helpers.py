"""Tiny hand-built terms for rule tests (the PyVRP ``OkSmall`` habit).

``tiny_term()`` is one clinic day-set with one room, one OT, one group type and a handful of
participants who all request it; each test changes the one thing its rule is about.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"


def window(day: str, start: str, end: str) -> dict[str, str]:
    return {"day": day, "start": start, "end": end}


def participant(pid: str, **overrides: Any) -> dict[str, Any]:
    """An adult OP participant free Mon–Fri 09:00–16:00 who requires the ``grp`` group."""
    doc: dict[str, Any] = {
        "id": pid,
        "age_band": "adult",
        "gender": "F",
        "program": "OP",
        "acuity": "low",
        "tracks": [],
        "available": [window(d, "09:00", "16:00") for d in ("mon", "tue", "wed", "thu", "fri")],
        "transport": "self",
        "wheelchair": False,
        "requests": [{"group_type": "grp", "priority": "required"}],
        "keep_apart": [],
    }
    doc.update(overrides)
    return doc


def group_type(type_id: str = "grp", **overrides: Any) -> dict[str, Any]:
    """A 60-minute weekly on-site group of 2–4, one section, led by one OT or OTA."""
    doc: dict[str, Any] = {
        "id": type_id,
        "name": type_id.capitalize(),
        "category": "social-skills",
        "duration_minutes": 60,
        "meetings_per_week": 1,
        "min_size": 2,
        "max_size": 4,
        "max_sections": 1,
        "room_features": [],
        "offsite": False,
        "travel_minutes": 0,
        "staff": {"count": 1, "roles": ["OT", "OTA"], "skills": []},
        "allowed": {},
        "max_high_acuity": None,
        "single_program": False,
        "windows": None,
    }
    doc.update(overrides)
    return doc


def tiny_term(n_participants: int = 3, **overrides: Any) -> dict[str, Any]:
    """A valid term document: Mon–Fri 09:00–16:00, room ``r1`` (8 seats), OT ``ot1``."""
    doc: dict[str, Any] = {
        "format": "otgroups.term/1",
        "clinic": {"id": "tiny", "name": "Tiny Clinic", "timezone": "America/Chicago"},
        "term": {"name": "Test term", "start": "2027-01-04", "end": "2027-01-29", "closures": []},
        "calendar": {
            "days": ["mon", "tue", "wed", "thu", "fri"],
            "open": "09:00",
            "close": "16:00",
            "slot_minutes": 30,
        },
        "rooms": [{"id": "r1", "name": "Room 1", "capacity": 8, "features": [], "blocked": []}],
        "staff": [
            {
                "id": "ot1",
                "name": "Staff One",
                "role": "OT",
                "skills": [],
                "available": [
                    window(d, "09:00", "16:00") for d in ("mon", "tue", "wed", "thu", "fri")
                ],
                "max_sessions_per_day": 4,
                "max_sessions_per_week": 16,
            }
        ],
        "vehicles": [],
        "group_types": [group_type()],
        "participants": [participant(f"P{i + 1}") for i in range(n_participants)],
    }
    doc.update(overrides)
    return copy.deepcopy(doc)


def van(vehicle_id: str = "v1", seats: int = 6, wheelchair_seats: int = 1, **overrides: Any):
    """A van free all week with one run a day bringing riders 09:00 and taking them 16:00."""
    days = ("mon", "tue", "wed", "thu", "fri")
    doc: dict[str, Any] = {
        "id": vehicle_id,
        "name": vehicle_id,
        "seats": seats,
        "wheelchair_seats": wheelchair_seats,
        "available": [window(d, "09:00", "16:00") for d in days],
        "runs": [{"day": d, "arrive": "09:00", "depart": "16:00"} for d in days],
    }
    doc.update(overrides)
    return doc


def small_term_doc() -> dict[str, Any]:
    """The contract's worked example."""
    return json.loads((DATA / "small-term.json").read_text())


def tiny_schedule(start: str = "09:00", end: str = "10:00") -> dict[str, Any]:
    """A schedule document for :func:`tiny_term` (3 participants): one Monday section."""
    return {
        "format": "otgroups.schedule/1",
        "status": "FEASIBLE",
        "score": 300,
        "bound": None,
        "solve_seconds": 1.0,
        "sections": [
            {
                "id": "grp-1",
                "group_type": "grp",
                "meetings": [{"day": "mon", "start": start, "end": end}],
                "room": "r1",
                "vehicle": None,
                "staff": ["ot1"],
                "participants": ["P1", "P2", "P3"],
            }
        ],
        "transport": [],
        "waitlist": [],
    }
