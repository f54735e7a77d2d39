"""The audit at clinic scale: the demo clinic's full term (~120 participants, 12 weeks, ~5,000
dated sessions) in at most 2 s, and an 800-participant term in at most 10 s (every check, not
just these modules). The records are synthetic: the greedy schedule's sessions held up to
mid-term, a weekly one-on-one ADL session for every fifth participant, mixed payers."""

from __future__ import annotations

import time
import zlib
from datetime import date, timedelta
from importlib.resources import files
from typing import Any

import pytest

from audit import audit
from audit.run import load_checks
from models import Records, Schedule, Term, load_term, parse_records, parse_term
from models.common import DAYS, format_time
from optimizer import solve_greedy

SETTING = {"OP": "outpatient", "RES": "residential", "PHP": "PHP", "IOP": "IOP"}


def _weekly(term: Term, weekday: str, until: date) -> list[date]:
    closures = set(term.term.closures)
    day = term.term.start + timedelta(days=(DAYS.index(weekday) - term.term.start.weekday()) % 7)
    out = []
    while day <= min(until, term.term.end):
        if day not in closures:
            out.append(day)
        day += timedelta(days=7)
    return out


def synthetic_records(term: Term, schedule: Schedule, as_of: date) -> Records:
    """Held sessions for every scheduled meeting up to ``as_of``, billed and documented."""
    role = {s.id: s.role for s in term.staff}
    ot = next(s.id for s in term.staff if s.role == "OT")
    start, end = term.term.start, term.term.end
    people = [p.id for p in term.participants]
    program = {p.id: p.program for p in term.participants}
    payer = {
        pid: "php" if program[pid] in {"PHP", "IOP"} else ("mcb" if i % 2 else "com")
        for i, pid in enumerate(people)
    }
    sessions: list[dict[str, Any]] = []

    def add(pid: str, sid: str, day: date, at: int, minutes: int, staff: list[str], lines):
        sessions.append(
            {
                "id": sid,
                "participant": pid,
                "section": None,
                "date": day.isoformat(),
                "start": format_time(at),
                "minutes": minutes,
                "attendance": "present" if zlib.crc32(sid.encode()) % 17 else "absent",
                "furnished_by": staff,
                "setting": SETTING[program[pid]],
                "lines": lines,
                "note": {
                    "written_by": staff[0],
                    "signed_on": (day + timedelta(days=zlib.crc32(sid.encode()) % 9)).isoformat(),
                    "cosigned_by": ot,
                    "cosigned_on": (day + timedelta(days=2)).isoformat(),
                    "goal_ids": [f"{pid}-g1"],
                },
                "billed_on": day.isoformat(),
            }
        )

    for section in schedule.sections:
        minutes = term.group_type(section.group_type).duration_minutes
        mods = ["GO"] + (["CO"] if any(role[s] == "OTA" for s in section.staff) else [])
        for meeting in section.meetings:
            for day in _weekly(term, meeting.day, as_of):
                for pid in section.participants:
                    php = payer[pid] == "php"
                    code = "G0129" if php else "97150"
                    lines = [{"code": code, "units": 1, "modifiers": [] if php else mods}]
                    sid = f"{pid}-{section.id}-{day}"
                    add(pid, sid, day, meeting.start, minutes, list(section.staff), lines)
                    sessions[-1]["section"] = section.id
    for i, pid in enumerate(people):
        if i % 5 == 0 and payer[pid] != "php":
            for day in _weekly(term, "fri", as_of):
                adl = [{"code": "97535", "units": 2, "modifiers": ["GO", "XU"], "minutes": 25}]
                add(pid, f"{pid}-adl-{day}", day, 16 * 60, 25, [ot], adl)
    doc = {
        "format": "otgroups.records/1",
        "payers": [
            {"id": "mcb", "kind": "medicare", "rules": "medicare-part-b"},
            {"id": "com", "kind": "commercial", "rules": "commercial-generic"},
            {"id": "php", "kind": "medicare", "rules": "medicare-php-iop"},
        ],
        "coverage": [
            {
                "participant": pid,
                "payer": payer[pid],
                "benefit": "medical",
                "verified_on": (start - timedelta(days=10)).isoformat(),
                "effective_from": (start - timedelta(days=200)).isoformat(),
            }
            for pid in people
        ],
        "authorizations": [
            {
                "id": f"{pid}-auth",
                "participant": pid,
                "payer": "com",
                "codes": ["97150", "97535"],
                "units": 60,
                "start": start.isoformat(),
                "end": end.isoformat(),
            }
            for pid in people
            if payer[pid] == "com"
        ],
        "plans_of_care": [
            {
                "id": f"{pid}-poc",
                "participant": pid,
                "start": start.isoformat(),
                "certified_on": (start + timedelta(days=3)).isoformat(),
                "cert_end": (start + timedelta(days=89)).isoformat(),
                "goals": [{"id": f"{pid}-g1", "measure": "m", "target": "t", "target_date": end}],
            }
            for pid in people
        ],
        "progress_reports": [
            {"participant": pid, "date": (start + timedelta(days=14)).isoformat(), "written_by": ot}
            for pid in people
        ],
        "sessions": sessions,
        "ytd_ot_allowed": {pid: 1200.0 + 10 * i for i, pid in enumerate(people)},
        "fees": {"97150": 30.0, "97530": 35.0, "97535": 35.0, "G0129": 0.0},
    }
    return parse_records(doc, term)


def _timed(term: Term) -> tuple[float, int, list]:
    schedule = solve_greedy(term).schedule
    as_of = term.term.start + timedelta(days=41)
    records = synthetic_records(term, schedule, as_of)
    load_checks()
    started = time.perf_counter()
    findings = audit(term, schedule, records, as_of)
    return time.perf_counter() - started, len(records.sessions), findings


def test_the_demo_clinic_term_audits_within_two_seconds() -> None:
    term = load_term(str(files("models") / "examples" / "demo_clinic.json"))
    seconds, held, findings = _timed(term)
    assert held > 2000 and findings
    assert seconds <= 2.0, f"{seconds:.2f} s for {held} held sessions"


@pytest.mark.slow
def test_eight_hundred_participants_audit_within_ten_seconds() -> None:
    from benchmarks.generator import generate_term

    term = parse_term(generate_term(800, 7))
    seconds, held, findings = _timed(term)
    assert held > 15000 and findings
    assert seconds <= 10.0, f"{seconds:.2f} s for {held} held sessions"
