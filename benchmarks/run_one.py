"""One benchmark run, in its own process: load a term, run one solver, write what it made.

    python -m benchmarks.run_one --solver otgroups --term T.json --out R.json \
        --time-limit 60 --workers 2 --seed 0

Started by :mod:`benchmarks.run`, one fresh interpreter per run, so the peak memory
(``ru_maxrss``) is this run's alone. The result file holds the status, the wall seconds of the
solver call (the term is loaded before the clock starts), the time to the first valid schedule,
the peak resident memory in MiB and the schedule document; the parent re-validates the schedule
itself. A solver that cannot be imported gives status ``unavailable``; an exception gives
``error`` with its traceback. Exit status 0 whenever the result file was written.
"""

from __future__ import annotations

import argparse
import resource
import time
import traceback
from pathlib import Path
from typing import Any

from benchmarks.runner.solvers import SOLVERS, SolverUnavailableError
from models import document, load_term, write_json


def peak_mib() -> float:
    """This process's peak resident memory so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(solver: str, term_path: Path, time_limit: float, workers: int, seed: int) -> dict[str, Any]:
    """Run ``solver`` on the term file; the result payload (never raises for a solver failure)."""
    payload: dict[str, Any] = {"solver": solver}
    try:
        term = load_term(term_path)
        fn, payload["implementation"] = SOLVERS[solver].resolve()
        started = time.perf_counter()
        result = fn(term, time_limit, workers, seed)
        seconds = time.perf_counter() - started
        first = result.first_valid_seconds if SOLVERS[solver].anytime else seconds
        payload.update(
            status=str(result.schedule.status),
            seconds=seconds,
            first_valid_seconds=first,
            child_violations=len(result.violations),
            schedule=document(result.schedule),
        )
    except SolverUnavailableError as exc:
        payload.update(status="unavailable", note=str(exc))
    except Exception as exc:
        payload.update(
            status="error", note=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc()
        )
    payload["peak_mib"] = peak_mib()
    return payload


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run_one", description=__doc__)
    parser.add_argument("--solver", required=True, choices=sorted(SOLVERS))
    parser.add_argument("--term", type=Path, required=True, help="term JSON file")
    parser.add_argument("--out", type=Path, required=True, help="result JSON file to write")
    parser.add_argument("--time-limit", type=float, required=True, help="seconds")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    payload = run(args.solver, args.term, args.time_limit, args.workers, args.seed)
    write_json(args.out, payload)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
