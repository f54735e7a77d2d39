"""Audit speed: the demo clinic's full term and an 800-participant term.

    python -m benchmarks.audit_bench [--repeat 3]

Targets (issue: billing and documentation audit): the demo clinic's term (about 120
participants, 12 weeks) in at most 2 s, 800 participants in at most 10 s. Records come from
``benchmarks/generator/records.py`` with sessions held up to six weeks in; the time is the
``audit()`` call alone, best of ``--repeat`` runs, after one warm-up.
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta
from importlib.resources import files

from audit import audit
from benchmarks.generator import generate_term
from benchmarks.generator.records import generate_records
from models import Records, Schedule, Term, load_records, load_schedule, load_term, parse_records
from models.dated import term_dates
from optimizer import solve_greedy


def demo() -> tuple[Term, Schedule, Records]:
    root = files("models") / "examples"
    term = load_term(str(root / "demo_clinic.json"))
    schedule = load_schedule(str(root / "demo_schedule.json"), term)
    return term, schedule, load_records(str(root / "demo_records.json"), term)


def generated(participants: int) -> tuple[Term, Schedule, Records]:
    from models import parse_term

    term = parse_term(generate_term(participants, 0))
    schedule = solve_greedy(term).schedule
    as_of = term.term.start + timedelta(days=41)
    return term, schedule, parse_records(generate_records(term, schedule, as_of), term)


def best_seconds(term: Term, schedule: Schedule, records: Records, repeat: int) -> float:
    as_of = term.term.start + timedelta(days=41)
    audit(term, schedule, records, as_of)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        audit(term, schedule, records, as_of)
        times.append(time.perf_counter() - started)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.audit_bench")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    rows = []
    for name, (term, schedule, records), target in (
        ("demo clinic (120)", demo(), 2.0),
        ("800 participants", generated(800), 10.0),
    ):
        seconds = best_seconds(term, schedule, records, args.repeat)
        dated = len(term_dates(term))
        rows.append((name, len(records.sessions), dated, seconds, target))
    print("| term | held sessions | term days | audit s | target s | met |")
    print("| --- | ---: | ---: | ---: | ---: | :---: |")
    for name, held, dated, seconds, target in rows:
        mark = "✅" if seconds <= target else "❌"
        print(f"| {name} | {held:,} | {dated} | {seconds:.2f} | {target:g} | {mark} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
