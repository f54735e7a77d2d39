"""The acceptance test: a simulated term replayed on the demo ledger, every day checked.

For each clinic day of the first four weeks (seeded, so every run is the same): attendance is
recorded for everyone on every session's roster (some absent), makeups are booked for some of
the absences, and now and then a day is closed (recovered jointly), a newcomer admitted, and
someone discharged — the place they free offered, and the offer accepted (or declined, and the
next one accepted). After every operation each date it touches passes ``validate_day`` (which
leaves out only min_size: a date may run short); at the end every date of the term does.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter
from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path

from sqlalchemy import select

from ledger.admissions import admit, discharge
from ledger.attendance import record_in
from ledger.closures import close_day
from ledger.makeups import MakeupError, book, makeup_options
from ledger.publish import publish
from ledger.schema import DatedSession
from ledger.state import day_schedule, published, sessions_on
from ledger.store import Ledger, open_ledger
from ledger.waitlists import accept, decline
from models import Term, load_schedule, load_term
from models.dated import term_dates
from models.validation import validate_day

EXAMPLES = files("models") / "examples"
SEED = 20270913


def check(handle: Ledger, days: Iterable[dt.date], what: str) -> int:
    """Every given date passes validate_day; how many were checked."""
    checked = 0
    with handle.read() as s:
        pub = published(s)
        for day in sorted(set(days)):
            found = validate_day(pub.term, day_schedule(s, day, pub))
            assert found == [], f"after {what}: {day}: {found[:3]}"
            checked += 1
    return checked


def newcomer(term: Term, like: str, pid: str) -> dict:
    doc = json.loads(term.participant(like).model_dump_json())
    doc.update({"id": pid, "keep_apart": []})
    return doc


def test_a_simulated_term_keeps_every_rule_on_every_day(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    term = load_term(str(EXAMPLES / "demo_clinic.json"))
    schedule = load_schedule(str(EXAMPLES / "demo_schedule.json"), term)
    handle = open_ledger(f"sqlite:///{tmp_path / 'replay.sqlite'}")
    publish(handle, term, schedule)
    dates = term_dates(term)
    days = [d for d in dates if d < term.term.start + dt.timedelta(days=28)]
    later = {d: [x for x in dates if x > d] for d in days}
    stats: Counter[str] = Counter()
    close_on = {days[6], days[15]}  # closed the evening before
    admit_on = {days[4]: "P0011", days[12]: "P0064"}
    discharge_on = {days[9], days[17]}
    for n, day in enumerate(days):
        evening_before = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(18, 0))
        if day in close_on:
            report = close_day(handle, day, "snow", now=evening_before)
            stats["closures"] += 1
            stats["lost"] += len(report.lost)
            stats["recovered"] += len(report.recovered)
            stats["recovered_extra"] += sum(r.option.extra for r in report.recovered)
            stats["unrecovered"] += len(report.unrecovered)
            assert len(report.recovered) + len(report.unrecovered) == len(report.lost)
            stats["dates_checked"] += check(
                handle, [day, *(r.option.date for r in report.recovered)], f"closing {day}"
            )
            continue
        if day in admit_on:
            pid = f"P{900 + n}"
            done = admit(handle, newcomer(term, admit_on[day], pid), later[day][0])
            stats["admitted"] += 1
            stats["admitted_placed"] += len(done.placed)
            stats["admitted_waitlisted"] += len(done.waitlisted)
            stats["dates_checked"] += check(handle, later[day], f"admitting {pid}")
        # attendance for everyone on every roster, in one transaction
        absent: list[tuple[str, int]] = []
        with handle.write() as s:
            pub = published(s)
            ids = {row.section: row.id for row in sessions_on(s, day)}
            for section in day_schedule(s, day, pub).sections:
                for pid in section.participants:
                    roll = rng.random()
                    status = "absent" if roll < 0.12 else "excused" if roll < 0.15 else "present"
                    if roll > 0.96:
                        status = "late"
                    minutes = 20 if status == "late" else None
                    record_in(s, ids[section.id], pid, status, minutes, "replay")
                    stats["marks"] += 1
                    if status in ("absent", "excused"):
                        absent.append((pid, ids[section.id]))
        stats["absences"] += len(absent)
        stats["dates_checked"] += check(handle, [day], f"attendance on {day}")
        evening = dt.datetime.combine(day, dt.time(17, 0))
        for pid, missed in absent:
            if rng.random() < 0.5:
                continue
            try:
                options = makeup_options(handle, pid, missed, 14, evening)
            except MakeupError:
                continue  # e.g. discharged today
            if not options:
                stats["makeups_none"] += 1
                continue
            option = options[rng.randrange(min(3, len(options)))]
            book(handle, pid, missed, option, "replay")
            stats["makeups"] += 1
            stats["makeups_extra"] += option.extra
            stats["dates_checked"] += check(handle, [option.date], f"booking {pid}")
        if day in discharge_on:
            start = later[day][0]
            with handle.read() as s:
                members = sorted(
                    {p for sec in published(s).schedule.sections for p in sec.participants}
                )
            offered = None
            for pid in rng.sample(members, len(members)):
                done = discharge(handle, pid, start, "discharged in the replay", now=evening)
                stats["discharged"] += 1
                stats["under_min"] += len(done.under_min)
                stats["dates_checked"] += check(handle, later[day], f"discharging {pid}")
                offered = [o.offer for o in done.offers if o.offer is not None]
                if offered:
                    break
            assert offered, "no discharge freed a place anyone waiting could take"
            first = offered[0]
            if len(offered) > 1:  # one declined, moving the place on
                _, nxt = decline(handle, offered[1].offer_id, now=evening)
                stats["declined"] += 1
                if nxt.offer is not None:
                    offered.append(nxt.offer)
            for offer in [first, *offered[2:]]:
                accept(handle, offer.offer_id, now=evening)
                stats["accepted"] += 1
                stats["dates_checked"] += check(handle, later[day], f"accepting {offer.offer_id}")
    stats["dates_checked"] += check(handle, dates, "the replay")
    with handle.read() as s:
        stats["dated_sessions"] = len(s.scalars(select(DatedSession.id)).all())
        stats["versions"] = published(s).version.number
    handle.dispose()
    print("\nreplay:", dict(sorted(stats.items())))
    assert stats["closures"] == 2 and stats["recovered"] > 20 and stats["unrecovered"] > 0
    assert stats["makeups"] > 50 and stats["admitted"] == 2 and stats["accepted"] >= 2
    assert stats["marks"] > 1500
