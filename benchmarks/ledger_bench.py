"""Ledger speed on the 800-participant instance: makeup search, closure recovery, admission.

    python -m benchmarks.ledger_bench [--participants 800] [--searches 200] [--admissions 3]

The term is ``generate_term(800, 0)``, its schedule ``optimizer.solve_greedy`` (a valid
schedule in about a second; the CP-SAT schedule would do as well), published into a temporary
SQLite ledger. Targets (issue: running the term):

- a single makeup search (``ledger.makeups.search``, the VA's question: options for one missed
  session within 14 days) p95 ≤ 50 ms, over ``--searches`` members of the second Monday's
  sessions, after one warm-up search (the ledger's dates are read once and kept while it is
  unchanged, as in a running service);
- closure recovery for a full day's sessions (``ledger.closures.close_day``: cancel the day,
  search every lost participant-session, the joint CP-SAT choice, and booking it all in one
  transaction) ≤ 10 s;
- an admission (``ledger.admissions.admit``: the optimizer places the newcomer with everyone
  else pinned, every later date re-checked, a new version published) ≤ 2 s, the slowest of
  ``--admissions`` newcomers.

Each measurement is wall time around the call, on a fresh copy of the published ledger.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from benchmarks.generate import generate_term
from ledger.admissions import admit
from ledger.closures import close_day
from ledger.makeups import search
from ledger.publish import publish
from ledger.schema import DatedSession
from ledger.state import enrolled
from ledger.store import Ledger, open_ledger
from models import Term, parse_term
from models.dated import term_dates
from optimizer import solve_greedy


def published_copy(source: Path, folder: Path, name: str) -> Ledger:
    path = folder / f"{name}.sqlite"
    shutil.copy(source, path)
    return open_ledger(f"sqlite:///{path}")


def searches(handle: Ledger, day: dt.date, n: int) -> list[float]:
    with handle.read() as s:
        rows = s.scalars(
            select(DatedSession).where(DatedSession.date == day).order_by(DatedSession.id)
        ).all()
        members = enrolled(s, day)
    pairs = [(pid, row.id) for row in rows for pid in sorted(members.get(row.section, []))]
    step = max(1, len(pairs) // n)
    pairs = pairs[::step][:n]
    now = dt.datetime.combine(day, dt.time(6, 0))
    search(handle, *pairs[0], 14, now)  # warm-up: the dates are read once
    out = []
    for pid, sid in pairs:
        started = time.perf_counter()
        search(handle, pid, sid, 14, now)
        out.append(time.perf_counter() - started)
    return out


def newcomer(term: Term, k: int) -> dict:
    like = term.participants[(37 * k + 11) % len(term.participants)]
    doc = json.loads(like.model_dump_json())
    doc.update({"id": f"N{k:04d}", "keep_apart": []})
    return doc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ledger_bench")
    parser.add_argument("--participants", type=int, default=800)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--admissions", type=int, default=3)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    term = parse_term(generate_term(args.participants, 0))
    schedule = solve_greedy(term).schedule
    dates = term_dates(term)
    day = next(d for d in dates if d >= term.term.start + dt.timedelta(days=7))
    with tempfile.TemporaryDirectory(prefix="otgroups-ledger-bench-") as tmp:
        folder = Path(tmp)
        source = folder / "published.sqlite"
        handle = open_ledger(f"sqlite:///{source}")
        publish(handle, term, schedule)
        handle.dispose()
        setup = time.perf_counter() - started

        handle = published_copy(source, folder, "search")
        times = sorted(searches(handle, day, args.searches))
        handle.dispose()
        p50 = statistics.median(times)
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]

        handle = published_copy(source, folder, "dry")
        t0 = time.perf_counter()
        dry = close_day(
            handle, day, "benchmark", book=False, now=dt.datetime.combine(day, dt.time(6))
        )
        dry_s = time.perf_counter() - t0
        handle.dispose()

        handle = published_copy(source, folder, "close")
        t0 = time.perf_counter()
        report = close_day(handle, day, "benchmark", now=dt.datetime.combine(day, dt.time(6)))
        close_s = time.perf_counter() - t0
        handle.dispose()

        admissions = []
        placed = 0
        start = next(d for d in dates if d >= term.term.start + dt.timedelta(days=14))
        for k in range(args.admissions):
            handle = published_copy(source, folder, f"admit{k}")
            t0 = time.perf_counter()
            done = admit(handle, newcomer(term, k), start)
            admissions.append(time.perf_counter() - t0)
            placed += len(done.placed)
            handle.dispose()

    def mark(ok: bool) -> str:
        return "✅" if ok else "❌"

    slowest = max(admissions)
    print(
        f"{args.participants} participants, {len(schedule.sections)} sections; "
        f"setup (generate, greedy, publish) {setup:.1f} s\n"
    )
    print("| measurement | result | target | met |")
    print("| --- | ---: | ---: | :---: |")
    print(
        f"| makeup search, {len(times)} searches on {day} | p50 {p50 * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms | p95 ≤ 50 ms | {mark(p95 <= 0.05)} |"
    )
    print(
        f"| closure recovery, {day}: {len(report.cancelled_sessions)} sessions, "
        f"{len(report.lost)} lost, {len(report.recovered)} recovered and booked "
        f"(dry run {dry_s:.1f} s, {len(dry.recovered)} proposed) | {close_s:.1f} s | ≤ 10 s | "
        f"{mark(close_s <= 10)} |"
    )
    print(
        f"| admission, {args.admissions} newcomers ({placed} requests placed), slowest "
        f"| {slowest:.2f} s (median {statistics.median(admissions):.2f} s) | ≤ 2 s | "
        f"{mark(slowest <= 2)} |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
