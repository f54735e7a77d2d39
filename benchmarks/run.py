"""Run the benchmark: every solver on every generated instance, one fresh process per run.

    python -m benchmarks.run --sizes 250,800 --time-limit 60 --workers 2
    python -m benchmarks.run --sizes 250,800,2000        # the protocol's limit for each size

For each size and seed the instance is ``generate_term(size, seed)``; each solver then runs in
its own interpreter (:mod:`benchmarks.run_one`) under a hard wall-clock guard (time limit plus
slack), so peak memory and a hang are per run. The schedule each child returns is re-validated
here. Results go to ``<out>/results.csv`` (one row per run) and ``<out>/results.md`` (tables,
ratios, targets, machine), both rewritten atomically after every run. Exit status 1 when any
schedule is invalid or any run failed with an error or crash, else 0 (timeouts and unavailable
solvers are results, not failures). Protocol: ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.generate import generate_term
from benchmarks.runner.guard import run_guarded
from benchmarks.runner.machine import ROOT, machine_info
from benchmarks.runner.records import RunRecord, RunSpec, build_record, to_csv
from benchmarks.runner.report import RunInfo, results_markdown
from benchmarks.runner.solvers import SOLVERS
from models import ContractError, Term, parse_term, read_json, write_json
from models.files import write_text_atomically

PROTOCOL_LIMITS: dict[int, float] = {250: 60.0, 800: 120.0, 2000: 300.0}
"""Seconds per instance size when ``--time-limit`` is not given."""
DEFAULT_OUT = ROOT / "benchmarks" / "results"


def guard_seconds(time_limit: float, slack: float | None) -> float:
    """The hard wall-clock limit of a run: the time limit plus slack (default: as much again,
    at least 60 s), for interpreter start, model building and writing the schedule."""
    return time_limit + (max(60.0, time_limit) if slack is None else slack)


def run_one(
    spec: RunSpec, term: Term, term_path: Path, work: Path, slack: float | None
) -> RunRecord:
    """One solver on one instance in a fresh child process; its re-validated row."""
    stem = f"{spec.size}-{spec.seed}-{spec.solver}"
    result_path, log_path = work / f"{stem}.result.json", work / f"{stem}.log"
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.run_one",
        f"--solver={spec.solver}",
        f"--term={term_path}",
        f"--out={result_path}",
        f"--time-limit={spec.time_limit}",
        f"--workers={spec.workers}",
        f"--seed={spec.seed}",
    ]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.setdefault("PYTHONHASHSEED", "0")
    done = run_guarded(cmd, guard_seconds(spec.time_limit, slack), log_path, env)
    payload = _read_payload(result_path) if not done.timed_out else None
    record = build_record(
        spec,
        term,
        payload,
        process_seconds=done.seconds,
        peak_mib=done.peak_mib,
        timed_out=done.timed_out,
        returncode=done.returncode,
    )
    if record.status == "crashed":
        record.note += f"; log: {_tail(log_path)}"
    if payload is not None and payload.get("traceback"):
        print(payload["traceback"], file=sys.stderr)
    return record


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = _parse(argv)
    sizes: list[int] = args.sizes
    limits: dict[int, float] = args.limits
    plan = [
        RunSpec(size, seed, solver, limits[size], args.workers)
        for size in sizes
        for seed in args.seeds
        for solver in args.solvers
    ]
    info = RunInfo(
        command="python -m benchmarks.run " + shlex.join(sys.argv[1:] if argv is None else argv),
        started=datetime.now(UTC).isoformat(timespec="seconds"),
        machine=machine_info(),
        finished=False,
    )
    out: Path = args.out
    records: list[RunRecord] = []
    with tempfile.TemporaryDirectory(prefix="otgroups-bench-") as tmp:
        work = Path(tmp)
        for size in sizes:
            for seed in args.seeds:
                doc = generate_term(size, seed)
                term = parse_term(doc, source=f"generate_term({size}, {seed})")
                term_path = work / f"term-{size}-{seed}.json"
                write_json(term_path, doc)
                for spec in (s for s in plan if s.size == size and s.seed == seed):
                    record = run_one(spec, term, term_path, work, args.slack)
                    records.append(record)
                    _progress(len(records), len(plan), record)
                    if record.valid is False:
                        _keep_invalid(out, work / f"{size}-{seed}-{spec.solver}.result.json")
                    write_outputs(out, records, info)
        write_outputs(out, records, RunInfo(**{**vars(info), "finished": True}))
    print(f"wrote {out / 'results.csv'} and {out / 'results.md'}", file=sys.stderr)
    failed = [r for r in records if r.valid is False or r.status in {"error", "crashed"}]
    return 1 if failed else 0


def write_outputs(out: Path, records: list[RunRecord], info: RunInfo) -> None:
    """Write ``results.csv`` and ``results.md`` atomically."""
    write_text_atomically(out / "results.csv", to_csv(records))
    write_text_atomically(out / "results.md", results_markdown(records, info))


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description="Run the otgroups benchmark."
    )
    parser.add_argument("--sizes", required=True, help="participants, comma separated: 250,800")
    parser.add_argument("--seeds", default="0", help="generator seeds, comma separated (0)")
    parser.add_argument(
        "--solvers", default=",".join(SOLVERS), help=f"comma separated, of {', '.join(SOLVERS)}"
    )
    parser.add_argument(
        "--time-limit",
        help="seconds for every size (60), or per size (250=60,800=120); "
        "default: the protocol's 250=60,800=120,2000=300",
    )
    parser.add_argument("--workers", type=int, default=2, help="solver threads (2)")
    parser.add_argument(
        "--slack",
        type=float,
        help="seconds past the time limit before a run is killed (default: max(60, limit))",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)
    try:
        args.sizes = _ints(args.sizes)
        args.seeds = _ints(args.seeds)
        args.limits = _limits(args.time_limit, args.sizes)
    except ValueError as exc:
        parser.error(str(exc))
    args.solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
    unknown = [s for s in args.solvers if s not in SOLVERS]
    if unknown or not args.solvers:
        parser.error(f"unknown solver {', '.join(unknown)}; known: {', '.join(SOLVERS)}")
    if args.workers < 1 or any(s < 1 for s in args.sizes):
        parser.error("--workers and --sizes must be positive")
    return args


def _ints(text: str) -> list[int]:
    try:
        values = [int(v.replace("_", "")) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"expected comma-separated integers, got {text!r}") from None
    if not values:
        raise ValueError(f"expected comma-separated integers, got {text!r}")
    return list(dict.fromkeys(values))


def _limits(text: str | None, sizes: list[int]) -> dict[int, float]:
    """Seconds per size from ``60`` or ``250=60,800=120``; the protocol's when None."""
    if text is None:
        table = PROTOCOL_LIMITS
    elif "=" not in text:
        return {size: _positive(text) for size in sizes}
    else:
        table = {}
        for item in text.split(","):
            size, _, seconds = item.partition("=")
            table[_ints(size)[0]] = _positive(seconds)
    missing = [s for s in sizes if s not in table]
    if missing:
        raise ValueError(f"no time limit for size {missing[0]}: pass --time-limit")
    return {size: table[size] for size in sizes}


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"time limit must be a number of seconds, got {text!r}") from None
    if value <= 0:
        raise ValueError(f"time limit must be positive, got {text!r}")
    return value


def _read_payload(path: Path) -> dict[str, Any] | None:
    try:
        payload = read_json(path)
    except ContractError:
        return None
    return payload if isinstance(payload, dict) else None


def _keep_invalid(out: Path, result: Path) -> None:
    """Keep an invalid schedule's result file next to the results, for the bug report."""
    if result.exists():
        target = out / "invalid" / result.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(result.read_bytes())


def _tail(path: Path, chars: int = 300) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return " ".join(text[-chars:].split()) or "(empty)"


def _progress(done: int, total: int, r: RunRecord) -> None:
    parts = [f"[{done}/{total}] {r.size} seed {r.seed} {r.solver}: {r.status}"]
    if r.score is not None:
        gap = "" if r.gap is None else f" gap {r.gap:.2%}"
        parts.append(f"score {r.score:,} bound {'–' if r.bound is None else f'{r.bound:,}'}{gap}")
        parts.append("valid" if r.valid else f"INVALID ({r.violations} violations)")
    if r.seconds is not None:
        parts.append(f"{r.seconds:.1f} s")
    if r.first_valid_seconds is not None:
        parts.append(f"first valid {r.first_valid_seconds:.1f} s")
    if r.peak_mib is not None:
        parts.append(f"peak {r.peak_mib:,.0f} MiB")
    if r.note:
        parts.append(r.note[:200])
    print(", ".join(parts), file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
