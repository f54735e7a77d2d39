"""Plain-text summaries of a generated term: demand against planned capacity, per type."""

from __future__ import annotations

from collections import Counter
from typing import Any

from models import Schedule, Term

PRIORITIES = ("required", "recommended", "optional")


def demand_table(term: dict[str, Any]) -> list[dict[str, Any]]:
    """Per group type: requests by priority, ``max_sections × max_size`` seats, and the ratio."""
    counts: dict[str, Counter[str]] = {gt["id"]: Counter() for gt in term["group_types"]}
    for person in term["participants"]:
        for req in person["requests"]:
            counts[req["group_type"]][req["priority"]] += 1
    rows = []
    for gt in term["group_types"]:
        c = counts[gt["id"]]
        requests = sum(c.values())
        seats = gt["max_sections"] * gt["max_size"]
        rows.append(
            {
                "group_type": gt["id"],
                **{p: c[p] for p in PRIORITIES},
                "requests": requests,
                "max_sections": gt["max_sections"],
                "max_size": gt["max_size"],
                "seats": seats,
                "demand_per_seat": round(requests / seats, 2) if seats else None,
            }
        )
    return rows


def summary(term: dict[str, Any]) -> str:
    """A short report: clinic, resources, participants by program, and the demand table."""
    people = term["participants"]
    programs = Counter(p["program"] for p in people)
    roles = Counter(s["role"] for s in term["staff"])
    riders = sum(p["transport"] == "van" for p in people)
    cal = term["calendar"]
    lines = [
        f"{term['clinic']['name']} — {term['term']['name']} "
        f"({term['term']['start']} to {term['term']['end']}), "
        f"{cal['open']}–{cal['close']} {'/'.join(cal['days'])}",
        f"participants {len(people)}: "
        + ", ".join(f"{k} {programs[k]}" for k in ("PHP", "IOP", "OP", "RES"))
        + f"; van riders {riders}; wheelchair {sum(p['wheelchair'] for p in people)}",
        f"rooms {len(term['rooms'])}, staff {len(term['staff'])} ("
        + ", ".join(f"{k} {v}" for k, v in sorted(roles.items()))
        + f"), vans {len(term['vehicles'])}, group types {len(term['group_types'])}",
        "",
        f"{'group type':24}{'req':>5}{'rec':>5}{'opt':>5}{'all':>5}{'secs':>6}{'size':>6}"
        f"{'seats':>7}{'demand/seat':>13}",
    ]
    for row in demand_table(term):
        ratio = "-" if row["demand_per_seat"] is None else f"{row['demand_per_seat']:.2f}"
        lines.append(
            f"{row['group_type']:24}{row['required']:>5}{row['recommended']:>5}"
            f"{row['optional']:>5}{row['requests']:>5}{row['max_sections']:>6}"
            f"{row['max_size']:>6}{row['seats']:>7}{ratio:>13}"
        )
    return "\n".join(lines)


def placement(term: Term, schedule: Schedule) -> dict[str, tuple[int, int]]:
    """``priority → (placed, requested)`` for a schedule of the term."""
    placed = {(pid, s.group_type) for s in schedule.sections for pid in s.participants}
    out = {p: [0, 0] for p in PRIORITIES}
    for person in term.participants:
        for req in person.requests:
            out[req.priority][1] += 1
            out[req.priority][0] += (person.id, req.group_type) in placed
    return {k: (v[0], v[1]) for k, v in out.items()}
