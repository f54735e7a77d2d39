"""Load on the HTTP API: concurrent makeup searches and bookings against ``otgroups serve``.

    python -m benchmarks.api_load [--participants 800] [--clients 50] [--seconds 60] [--think 1]
                                  [--workers 1]

The term is ``generate_term(N, seed)`` scheduled by the greedy (``optimizer.solve_greedy``) and
published into a temporary SQLite ledger; ``otgroups serve`` runs on it on 127.0.0.1 (loopback
only) in its own process (``--workers`` processes). Each client (``httpx.AsyncClient``) picks a
member of one of the second week's sessions, asks for their makeup options
(``GET /v1/makeups/options``) and books the first (``POST /v1/makeups``), until the time is up.
Then the ledger is checked: every date a booking touched is validated whole
(``models.validation.validate_day`` on the ledger's day view), so a seat booked twice breaks H1
there; every 2xx booking is a standing makeup row (no lost write); and no one holds two makeups
for one missed session. Target (issue 7): p95 ≤ 150 ms, no 5xx, no seat booked twice, no lost
write.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from api.http.auth import new_token
from benchmarks.generate import generate_term
from benchmarks.server import ServerStoppedError, serve_process
from ledger.publish import publish
from ledger.schema import DatedSession, Makeup, MakeupCancellation
from ledger.state import day_schedule, enrolled, published
from ledger.store import Ledger, open_ledger
from models import parse_term
from models.validation import validate_day
from optimizer import solve_greedy

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"search": [], "book": []})
    statuses: dict[int, int] = field(default_factory=dict)
    booked: list[dict[str, Any]] = field(default_factory=list)
    errors: int = 0

    def add(self, kind: str, seconds: float, status: int) -> None:
        self.latencies[kind].append(seconds)
        self.statuses[status] = self.statuses.get(status, 0) + 1


def prepare(folder: Path, participants: int, seed: int) -> tuple[str, list[tuple[str, int]]]:
    """Publish the term into a new ledger; its URL and the (participant, session) pairs."""
    term = parse_term(generate_term(participants, seed))
    url = f"sqlite:///{folder / 'load.sqlite'}"
    ledger = open_ledger(url)
    try:
        publish(ledger, term, solve_greedy(term).schedule)
        with ledger.read() as s:
            first = term.term.start
            days = sorted(
                set(s.scalars(select(DatedSession.date).where(DatedSession.date >= first)))
            )
            week = days[5:10] if len(days) >= 10 else days[:5]
            pairs: list[tuple[str, int]] = []
            for day in week:
                members = enrolled(s, day)
                for row in s.scalars(select(DatedSession).where(DatedSession.date == day)):
                    pairs += [(pid, row.id) for pid in members.get(row.section, [])]
    finally:
        ledger.dispose()
    return url, pairs


async def client_loop(
    http: httpx.AsyncClient,
    pairs: list[tuple[str, int]],
    deadline: float,
    tally: Tally,
    rng: random.Random,
    think: float,
) -> None:
    async def pause() -> None:
        if think > 0:
            await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))

    await pause()  # clients start spread out, as people do
    while time.monotonic() < deadline:
        pid, missed = rng.choice(pairs)
        started = time.perf_counter()
        try:
            found = await http.get(
                "/v1/makeups/options", params={"participant": pid, "missed_session_id": missed}
            )
        except httpx.HTTPError:
            tally.errors += 1
            continue
        tally.add("search", time.perf_counter() - started, found.status_code)
        await pause()
        if found.status_code != 200 or not found.json()["options"]:
            continue
        body = {
            "participant": pid,
            "missed_session_id": missed,
            "option": found.json()["options"][0],
        }
        started = time.perf_counter()
        try:
            made = await http.post("/v1/makeups", json=body)
        except httpx.HTTPError:
            tally.errors += 1
            continue
        tally.add("book", time.perf_counter() - started, made.status_code)
        if made.status_code == 201:
            tally.booked.append(made.json())
        await pause()


async def drive(
    base: str,
    token: str,
    pairs: list[tuple[str, int]],
    clients: int,
    seconds: float,
    think: float = 0.0,
) -> Tally:
    tally = Tally()
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as http:
        await asyncio.gather(
            *(
                client_loop(http, pairs, deadline, tally, random.Random(n), think)
                for n in range(clients)
            )
        )
    return tally


def verify(ledger: Ledger, tally: Tally) -> dict[str, Any]:
    """Double bookings (any rule broken on a touched date), lost writes, duplicate makeups."""
    with ledger.read() as s:
        pub = published(s)
        rows = {
            m.id: m
            for m in s.scalars(
                select(Makeup)
                .outerjoin(MakeupCancellation, MakeupCancellation.makeup_id == Makeup.id)
                .where(MakeupCancellation.id.is_(None))
            )
        }
        lost = [
            b["makeup_id"]
            for b in tally.booked
            if b["makeup_id"] not in rows
            or rows[b["makeup_id"]].participant != b["participant"]
            or rows[b["makeup_id"]].session_id != b["session_id"]
        ]
        keys = [(m.participant, m.missed_session_id) for m in rows.values()]
        duplicates = len(keys) - len(set(keys))
        dates = {s.get(DatedSession, m.session_id).date for m in rows.values()}  # type: ignore[union-attr]
        broken = {
            str(day): len(violations)
            for day in sorted(dates)
            if (violations := validate_day(pub.term, day_schedule(s, day, pub)))
        }
    return {
        "makeups_in_ledger": len(rows),
        "dates_checked": len(dates),
        "dates_breaking_a_rule": broken,
        "lost_writes": len(lost),
        "duplicate_makeups": duplicates,
    }


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.api_load", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--participants", type=int, default=800)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean pause in seconds after each answer (0: saturation, no pause)",
    )
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="otgroups-load-") as tmp:
        folder = Path(tmp)
        started = time.monotonic()
        url, pairs = prepare(folder, args.participants, args.seed)
        ledger = open_ledger(url)
        _, token = new_token(ledger, "scheduler", "load test")
        try:
            with serve_process(url, args.workers) as served:
                setup = time.monotonic() - started
                tally = asyncio.run(
                    drive(served.base, token, pairs, args.clients, args.seconds, args.think)
                )
        except ServerStoppedError as exc:
            raise SystemExit(str(exc)) from None
        checks = verify(ledger, tally)
        ledger.dispose()

    every = tally.latencies["search"] + tally.latencies["book"]
    report = {
        "participants": args.participants,
        "clients": args.clients,
        "seconds": args.seconds,
        "think_seconds": args.think,
        "workers": args.workers,
        "setup_seconds": round(setup, 1),
        "requests": len(every),
        "requests_per_second": round(len(every) / args.seconds, 1),
        "p50_ms": round(percentile(every, 0.50) * 1000, 1),
        "p95_ms": round(percentile(every, 0.95) * 1000, 1),
        "search_p95_ms": round(percentile(tally.latencies["search"], 0.95) * 1000, 1),
        "book_p95_ms": round(percentile(tally.latencies["book"], 0.95) * 1000, 1),
        "mean_ms": round(statistics.fmean(every) * 1000, 1) if every else 0.0,
        "statuses": dict(sorted(tally.statuses.items())),
        "server_errors_5xx": sum(n for code, n in tally.statuses.items() if code >= 500),
        "transport_errors": tally.errors,
        "bookings_2xx": len(tally.booked),
        **checks,
    }
    ok = (
        report["server_errors_5xx"] == 0
        and not checks["dates_breaking_a_rule"]
        and checks["lost_writes"] == 0
        and checks["duplicate_makeups"] == 0
    )
    report["target_p95_150ms"] = report["p95_ms"] <= 150
    report["correct"] = ok
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        for key, value in report.items():
            print(f"{key:>22}: {value}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
