"""Billing and documentation records for a generated clinic (``otgroups.records/1``).

:func:`generate_records` bills and documents every session of a schedule up to ``as_of``
cleanly — payers by program and age (Medicare Part B for older adults in outpatient care,
Medicare PHP/IOP per diem, Medicaid with authorizations and co-signatures, a commercial plan
whose behavioral health is carved out to an MBHO), plans of care, progress reports, signed notes,
modifiers, claims — and then plants one realistic mistake of every kind the audit knows in a few
participants, so the audit of the demo clinic shows every finding code at least once.
Deterministic for its inputs.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from models import Schedule, Term, format_time

SETTING = {"OP": "outpatient", "RES": "residential", "PHP": "PHP", "IOP": "IOP"}
FEES = {"97150": 30.0, "97530": 35.0, "97535": 35.0, "G0129": 0.0, "90853": 25.0}

PAYERS = [
    {"id": "medicare-b", "name": "Medicare Part B", "kind": "medicare", "rules": "medicare-part-b"},
    {
        "id": "medicare-php",
        "name": "Medicare (PHP/IOP)",
        "kind": "medicare",
        "rules": "medicare-php-iop",
    },
    {
        "id": "medicaid",
        "name": "State Medicaid",
        "kind": "medicaid",
        "rules": {
            "profile": "medicaid-generic",
            "overrides": {"max_group_size": 8, "timely_filing_days": 45},
        },
    },
    {
        "id": "acme-health",
        "name": "Acme Health (commercial)",
        "kind": "commercial",
        "rules": "commercial-generic",
    },
    {
        "id": "acme-bh",
        "name": "Acme Behavioral (MBHO carve-out)",
        "kind": "mbho",
        "rules": "mbho-carve-out",
    },
]


def _payer(term: Term, index: int, pid: str) -> str:
    p = term.participant(pid)
    if p.program in {"PHP", "IOP"}:
        return "medicare-php"
    if p.age_band == "older-adult" or (p.program == "OP" and index % 4 == 0):
        return "medicare-b"  # over 65, or under 65 on disability Medicare
    if p.program == "RES":
        return "medicaid"
    return "acme-health" if index % 4 == 3 else "medicaid"


def _dates(term: Term, day_name: str, until: date) -> list[date]:
    closures = set(term.term.closures)
    first = term.term.start + timedelta(
        days=(
            ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].index(day_name)
            - term.term.start.weekday()
        )
        % 7
    )
    out, day = [], first
    while day <= min(until, term.term.end):
        if day not in closures:
            out.append(day)
        day += timedelta(days=7)
    return out


def generate_records(term: Term, schedule: Schedule, as_of: date) -> dict[str, Any]:
    """A records document: every session up to ``as_of`` held and billed, one planted mistake
    of each kind."""
    start, end = term.term.start, term.term.end
    role: dict[str, str] = {s.id: s.role for s in term.staff}
    ots = [s.id for s in term.staff if s.role == "OT"]
    people = [p.id for p in term.participants]
    payer = {pid: _payer(term, i, pid) for i, pid in enumerate(people)}
    sessions: list[dict[str, Any]] = []
    for section in schedule.sections:
        minutes = term.group_type(section.group_type).duration_minutes
        assistant = any(role[s] == "OTA" for s in section.staff)
        for meeting in section.meetings:
            for day in _dates(term, meeting.day, as_of):
                for pid in section.participants:
                    sid = f"{pid}-{section.id}-{day}"
                    absent = zlib.crc32(sid.encode()) % 19 == 0
                    php = payer[pid] == "medicare-php"
                    code = "G0129" if php else "97150"
                    mods = [] if php else ["GO", *(["CO"] if assistant else [])]
                    per_diem = term.participant(pid).program == "RES"  # OT inside the rate
                    writer = section.staff[0]
                    sessions.append(
                        {
                            "id": sid,
                            "participant": pid,
                            "section": section.id,
                            "date": day.isoformat(),
                            "start": format_time(meeting.start),
                            "minutes": 0 if absent else minutes,
                            "attendance": "absent" if absent else "present",
                            "furnished_by": list(section.staff),
                            "setting": SETTING[term.participant(pid).program],
                            "lines": []
                            if absent or per_diem
                            else [{"code": code, "units": 1, "modifiers": mods}],
                            "note": None
                            if absent
                            else {
                                "written_by": writer,
                                "signed_on": (day + timedelta(days=1)).isoformat(),
                                "cosigned_by": ots[0] if role[writer] == "OTA" else None,
                                "cosigned_on": (day + timedelta(days=2)).isoformat()
                                if role[writer] == "OTA"
                                else None,
                                "goal_ids": [f"{pid}-g1"],
                            },
                            "billed_on": (day + timedelta(days=3)).isoformat(),
                        }
                    )
    _one_line_per_day(sessions)
    doc: dict[str, Any] = {
        "format": "otgroups.records/1",
        "payers": PAYERS,
        "coverage": [
            {
                "participant": pid,
                "payer": payer[pid],
                "benefit": "medical",
                "member_id": f"M{zlib.crc32(pid.encode()) % 10**8:08d}",
                "verified_on": (as_of - timedelta(days=5)).isoformat(),  # re-verified monthly
                "effective_from": (start - timedelta(days=180)).isoformat(),
                "effective_to": None,
            }
            for pid in people
        ]
        + [
            {
                "participant": pid,
                "payer": "acme-bh",
                "benefit": "behavioral",
                "member_id": f"B{zlib.crc32(pid.encode()) % 10**8:08d}",
                "verified_on": (as_of - timedelta(days=5)).isoformat(),  # re-verified monthly
                "effective_from": (start - timedelta(days=180)).isoformat(),
                "effective_to": None,
            }
            for pid in people
            if payer[pid] == "acme-health"
        ],
        "authorizations": [
            {
                "id": f"{pid}-auth",
                "participant": pid,
                "payer": payer[pid],
                "codes": ["97150", "97530", "97535"],
                "units": 80,
                "start": start.isoformat(),
                "end": end.isoformat(),
            }
            for pid in people
            if payer[pid] in {"medicaid", "acme-health"}
        ],
        "plans_of_care": [
            {
                "id": f"{pid}-poc",
                "participant": pid,
                "discipline": "OT",
                "start": start.isoformat(),
                # PHP/IOP certification is due at admission; outpatient within 30 days
                "certified_on": (
                    start if payer[pid] == "medicare-php" else start + timedelta(days=5)
                ).isoformat(),
                "certified_by": "dr-1",
                "cert_end": (start + timedelta(days=89)).isoformat(),
                "goals": [
                    {
                        "id": f"{pid}-g1",
                        "text": "Complete a weekly routine independently",
                        "measure": "routine steps completed",
                        "baseline": "3 of 10",
                        "target": "9 of 10",
                        "target_date": end.isoformat(),
                    }
                ],
            }
            for pid in people
        ],
        "progress_reports": _progress_reports(sessions, ots[0], as_of),
        "sessions": sessions,
        "ytd_ot_allowed": {pid: 600.0 for pid in people if payer[pid] == "medicare-b"},
        "fees": FEES,
    }
    _plant_mistakes(doc, term, payer, as_of, ots, role)
    return doc


def _one_line_per_day(sessions: list[dict[str, Any]]) -> None:
    """Two groups the same day are one claim line with two units, on the day's first session."""
    by_day: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for s in sessions:
        if s["lines"]:
            by_day[s["participant"], s["date"], s["lines"][0]["code"]].append(s)
    for group in by_day.values():
        group.sort(key=lambda s: s["start"])
        group[0]["lines"][0]["units"] = len(group)
        for s in group[1:]:
            s["lines"] = []


def _progress_reports(sessions: list[dict[str, Any]], ot: str, as_of: date) -> list[dict]:
    """A report by the OT every 8th treatment day held, so none is overdue at ``as_of``."""
    days: dict[str, list[str]] = defaultdict(list)
    for s in sorted(sessions, key=lambda s: s["date"]):
        if s["attendance"] == "present" and s["date"] not in days[s["participant"]]:
            days[s["participant"]].append(s["date"])
    reports = []
    for pid, held in sorted(days.items()):
        for day in held[7::8]:
            reports.append({"participant": pid, "date": day, "written_by": ot})
        if held and len(held) % 8 != 0:
            reports.append({"participant": pid, "date": held[-1], "written_by": ot})
    return reports


def _plant_mistakes(
    doc: dict[str, Any],
    term: Term,
    payer: dict[str, str],
    as_of: date,
    ots: list[str],
    role: dict[str, str],
) -> None:
    """One realistic mistake of every kind, each in a different participant where possible."""
    held: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in doc["sessions"]:
        if s["attendance"] == "present" and s["lines"]:
            held[s["participant"]].append(s)

    def of(kind: str) -> list[str]:
        """Participants billed to ``kind`` who are in outpatient care (planned lines exist)."""
        outpatient = {p.id for p in term.participants if p.program in {"OP", "PHP", "IOP"}}
        return [pid for pid in sorted(held) if payer[pid] == kind and pid in outpatient]

    def first(pid: str) -> dict[str, Any]:
        return held[pid][0]

    medicare, php = of("medicare-b"), of("medicare-php")
    medicaid, acme = of("medicaid"), of("acme-health")
    plans = {p["participant"]: p for p in doc["plans_of_care"]}
    coverage = {(c["participant"], c["payer"]): c for c in doc["coverage"]}

    # Coding and payers
    misrouted = first(acme[0])
    misrouted["payer"] = "acme-bh"  # PAYER_CODE_NOT_RECOGNIZED
    coverage[acme[0], "acme-bh"]["verified_on"] = None  # BENEFIT_UNVERIFIED
    first(php[0])["lines"].append(
        {"code": "97530", "units": 2, "modifiers": ["GO"], "minutes": 30}
    )  # BUNDLED_IN_PER_DIEM
    short = first(php[1])
    short["minutes"], short["attendance"] = 30, "left-early"  # DURATION_BELOW_MINIMUM
    # Authorizations (Medicaid requires them)
    auths = {a["participant"]: a for a in doc["authorizations"]}
    doc["authorizations"].remove(auths[medicaid[0]])  # AUTH_MISSING
    auths[medicaid[1]]["units"] = len(held[medicaid[1]]) + 2  # AUTH_EXHAUSTED
    auths[medicaid[2]]["end"] = (as_of + timedelta(days=10)).isoformat()  # AUTH_EXPIRED
    # Plans of care and reports
    doc["plans_of_care"].remove(plans[medicare[0]])  # POC_MISSING
    plans[medicare[1]]["certified_on"] = None  # CERT_LATE
    plans[medicare[2]]["cert_end"] = (as_of + timedelta(days=20)).isoformat()  # RECERT_DUE
    plans[medicare[3]]["goals"][0]["measure"] = None  # GOAL_NOT_MEASURABLE
    doc["progress_reports"] = [
        r for r in doc["progress_reports"] if r["participant"] != medicaid[3]
    ]  # PROGRESS_REPORT_DUE
    # Held sessions and notes
    absent = next(s for s in doc["sessions"] if s["attendance"] == "absent")
    absent["lines"] = [{"code": "97150", "units": 1, "modifiers": ["GO"]}]  # NOT_ATTENDED
    held[medicaid[4]][0]["note"] = None  # NOTE_MISSING
    held[medicaid[4]][1]["note"]["signed_on"] = None  # NOTE_UNSIGNED
    late = held[medicaid[5]][0]
    late["note"]["signed_on"] = (date.fromisoformat(late["date"]) + timedelta(days=12)).isoformat()
    late["note"]["goal_ids"] = []  # NOTE_LATE, GOAL_NOT_LINKED
    by_ota = next(
        (
            s
            for pid in medicaid[6:]
            for s in held[pid]
            if any(role[x] == "OTA" for x in s["furnished_by"]) and s["note"]
        ),
        None,
    )
    if by_ota is not None:
        by_ota["note"]["written_by"] = next(x for x in by_ota["furnished_by"] if role[x] == "OTA")
        by_ota["note"]["cosigned_on"] = None  # COSIGN_MISSING
    # Modifiers, pairs, units
    medicare_ota = next(
        (
            s
            for pid in medicare[4:]
            for s in held[pid]
            if any(role[x] == "OTA" for x in s["furnished_by"])
        ),
        held[medicare[4]][0],
    )
    medicare_ota["lines"][0]["modifiers"] = ["GO"]  # MODIFIER_MISSING (CO)
    held[medicare[5]][0]["lines"][0]["modifiers"] = ["GP"]  # MODIFIER_INVALID
    doc["ytd_ot_allowed"][medicare[6]] = 2440.0  # THRESHOLD_KX
    pid = acme[1]
    day = held[pid][0]["date"]
    doc["sessions"].append(
        {
            "id": f"{pid}-adl-{day}",
            "participant": pid,
            "section": None,
            "date": day,
            "start": "15:30",
            "minutes": 25,
            "attendance": "present",
            "furnished_by": [ots[0]],
            "setting": "outpatient",
            "lines": [{"code": "97535", "units": 3, "modifiers": ["GO"], "minutes": 25}],
            "note": {
                "written_by": ots[0],
                "signed_on": day,
                "cosigned_by": None,
                "cosigned_on": None,
                "goal_ids": [f"{pid}-g1"],
            },
            "billed_on": day,
        }
    )  # NCCI_PAIR, UNITS_EXCEED
    dup = held[acme[2]][0]
    dup["lines"].append(dict(dup["lines"][0]))  # DUPLICATE_LINE
    psych = next(
        s
        for pid in medicaid[8:]
        for s in held[pid]
        if any(role[x] in {"OT", "OTA"} for x in s["furnished_by"])
    )
    psych["lines"] = [{"code": "90853", "units": 1, "modifiers": []}]  # PROVIDER_NOT_ELIGIBLE
    for s in held[medicaid[7]][:2]:
        s["billed_on"] = None  # TIMELY_FILING_RISK
