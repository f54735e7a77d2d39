"""Who moved where between two schedules of one term (by participant and group type)."""

from __future__ import annotations

from typing import Any

from models.common import format_time
from models.schedule import Schedule, Section


def _placements(schedule: Schedule) -> dict[tuple[str, str], str]:
    return {(pid, s.group_type): s.id for s in schedule.sections for pid in s.participants}


def _shape(section: Section) -> dict[str, Any]:
    return {
        "meetings": [
            f"{m.day} {format_time(m.start)}-{format_time(m.end)}" for m in section.meetings
        ],
        "room": section.room,
        "vehicle": section.vehicle,
        "staff": list(section.staff),
    }


def schedule_diff(old: Schedule, new: Schedule) -> dict[str, Any]:
    """``moved`` (same type, another section), ``joined`` and ``left`` (placed in one schedule
    only), and sections ``added``, ``dropped`` or ``changed`` (time, room, vehicle or staff)."""
    before, after = _placements(old), _placements(new)
    moved, joined, left = [], [], []
    for key in sorted(before.keys() | after.keys()):
        pid, type_id = key
        a, b = before.get(key), after.get(key)
        if a is not None and b is not None and a != b:
            moved.append({"participant": pid, "group_type": type_id, "from": a, "to": b})
        elif a is None and b is not None:
            joined.append({"participant": pid, "group_type": type_id, "section": b})
        elif a is not None and b is None:
            left.append({"participant": pid, "group_type": type_id, "section": a})
    old_sections = {s.id: s for s in old.sections}
    new_sections = {s.id: s for s in new.sections}
    changed = []
    for sid in sorted(old_sections.keys() & new_sections.keys()):
        was, now = _shape(old_sections[sid]), _shape(new_sections[sid])
        if was != now:
            fields = [k for k in was if was[k] != now[k]]
            changed.append({"section": sid, "fields": fields, "before": was, "after": now})
    return {
        "moved": moved,
        "joined": joined,
        "left": left,
        "added": sorted(new_sections.keys() - old_sections.keys()),
        "dropped": sorted(old_sections.keys() - new_sections.keys()),
        "changed": changed,
        "score": {"before": old.score, "after": new.score},
    }
