"""A stress variant of a generated term: "wide weeks", where little constrains the time.

15-minute slots, seven days open 07:00-21:00, every participant, staff member and vehicle free
the whole time and no room blocked. Each group type then has hundreds of meeting patterns and
every requester fits nearly all of them: the most the greedy and the models have to look at.
"""

from __future__ import annotations

import copy
from typing import Any

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
OPEN, CLOSE = "07:00", "21:00"


def wide_weeks(term: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``term`` (a contract document) with wide-open weeks."""
    out = copy.deepcopy(term)
    out["calendar"].update(slot_minutes=15, days=DAYS, open=OPEN, close=CLOSE)
    week = [{"day": day, "start": OPEN, "end": CLOSE} for day in DAYS]
    for person in out["participants"]:
        person["available"] = copy.deepcopy(week)
    for member in out["staff"]:
        member["available"] = copy.deepcopy(week)
    for vehicle in out["vehicles"]:
        vehicle["available"] = copy.deepcopy(week)
    for room in out["rooms"]:
        room["blocked"] = []
    return out
