"""A tiny practice for audit tests: one outpatient OT group, two Medicare Part B participants,
four sessions held in January and eight planned to the end of March — and records clean enough
that the audit finds nothing. Each test changes one thing and expects one finding.

    term:     Mon 10:00–11:00 "grp" (60 min), OT ot1 and OTA ota1, participants P1 and P2 (OP)
    schedule: section grp-1 on Mondays, room r1, led by ot1, members P1 and P2
    as_of:    2027-01-31 — held Jan 4, 11, 18, 25; planned Feb 1 … Mar 22 (8 Mondays)
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from helpers import participant, tiny_term, window

from audit import audit
from audit.findings import Finding
from models import Schedule, parse_records, parse_schedule, parse_term

AS_OF = date(2027, 1, 31)
HELD_DAYS = ["2027-01-04", "2027-01-11", "2027-01-18", "2027-01-25"]


def term_doc() -> dict[str, Any]:
    doc = tiny_term(
        participants=[participant("P1"), participant("P2")],
        term={"name": "Winter 2027", "start": "2027-01-04", "end": "2027-03-26", "closures": []},
    )
    doc["staff"].append(
        {
            "id": "ota1",
            "name": "Staff Two",
            "role": "OTA",
            "skills": [],
            "available": [window(d, "09:00", "16:00") for d in ("mon", "tue", "wed", "thu", "fri")],
        }
    )
    return doc


def schedule_doc(members: tuple[str, ...] = ("P1", "P2"), staff: tuple[str, ...] = ("ot1",)):
    return {
        "format": "otgroups.schedule/1",
        "status": "FEASIBLE",
        "score": 100 * len(members),
        "sections": [
            {
                "id": "grp-1",
                "group_type": "grp",
                "meetings": [{"day": "mon", "start": "10:00", "end": "11:00"}],
                "room": "r1",
                "vehicle": None,
                "staff": list(staff),
                "participants": list(members),
            }
        ],
        "transport": [],
        "waitlist": [],
    }


def held(pid: str, day: str, **overrides: Any) -> dict[str, Any]:
    """A clean held session: present 60 minutes, 97150-GO by the OT, note signed that day."""
    doc: dict[str, Any] = {
        "id": f"{pid}-{day}",
        "participant": pid,
        "section": "grp-1",
        "date": day,
        "start": "10:00",
        "minutes": 60,
        "attendance": "present",
        "furnished_by": ["ot1"],
        "setting": "outpatient",
        "lines": [{"code": "97150", "units": 1, "modifiers": ["GO"], "minutes": 60}],
        "note": {
            "written_by": "ot1",
            "signed_on": day,
            "cosigned_by": None,
            "cosigned_on": None,
            "goal_ids": [f"{pid}-g1"],
        },
        "billed_on": day,
    }
    doc.update(overrides)
    return doc


def records_doc() -> dict[str, Any]:
    """Records for which the audit finds nothing."""
    people = ("P1", "P2")
    return copy.deepcopy(
        {
            "format": "otgroups.records/1",
            "payers": [
                {
                    "id": "mcb",
                    "name": "Medicare Part B",
                    "kind": "medicare",
                    "rules": "medicare-part-b",
                }
            ],
            "coverage": [
                {
                    "participant": pid,
                    "payer": "mcb",
                    "benefit": "medical",
                    "member_id": f"M-{pid}",
                    "verified_on": "2027-01-20",
                    "effective_from": "2026-01-01",
                    "effective_to": None,
                }
                for pid in people
            ],
            "authorizations": [],
            "plans_of_care": [
                {
                    "id": f"{pid}-poc",
                    "participant": pid,
                    "discipline": "OT",
                    "start": "2027-01-04",
                    "certified_on": "2027-01-10",
                    "certified_by": "dr-1",
                    "cert_end": "2027-04-03",
                    "goals": [
                        {
                            "id": f"{pid}-g1",
                            "text": "Plan and cook a simple meal",
                            "measure": "steps completed independently",
                            "baseline": "2 of 8",
                            "target": "7 of 8",
                            "target_date": "2027-03-26",
                        }
                    ],
                }
                for pid in people
            ],
            "progress_reports": [
                {"participant": pid, "date": "2027-01-25", "written_by": "ot1"} for pid in people
            ],
            "sessions": [held(pid, day) for pid in people for day in HELD_DAYS],
            "ytd_ot_allowed": dict.fromkeys(people, 500.0),
            "fees": {"97150": 30.0, "97530": 35.0, "97535": 35.0, "G0129": 0.0},
        }
    )


def run(
    records: dict[str, Any] | None = None,
    schedule: dict[str, Any] | None = None,
    term: dict[str, Any] | None = None,
    as_of: date = AS_OF,
) -> list[Finding]:
    """The audit's findings for these documents (defaults: the clean case)."""
    t = parse_term(term or term_doc())
    s: Schedule = parse_schedule(schedule or schedule_doc(), t)
    r = parse_records(records or records_doc(), t)
    return audit(t, s, r, as_of)


def codes(findings: list[Finding]) -> set[str]:
    return {f.code for f in findings}
