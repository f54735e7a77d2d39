"""The issue's acceptance targets, evaluated only from runs that measure them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from benchmarks.runner.records import RunRecord

NOT_MEASURED = "not measured in this run"
FAILED_RUNS = frozenset({"error", "crashed", "unavailable"})
"""A baseline row with one of these statuses measured nothing."""


@dataclass(frozen=True)
class Verdict:
    target: str
    passed: bool | None
    """None: the run that measures this target was not made."""
    measured: str

    @property
    def mark(self) -> str:
        return {True: "✅", False: "❌", None: "—"}[self.passed]


def evaluate_targets(records: list[RunRecord]) -> list[Verdict]:
    """Every target, in the issue's order."""
    return [
        ratio_target(records, 250, 60, "greedy", 1.08),
        ratio_target(records, 250, 60, "highs", 1.0),
        ratio_target(records, 800, 120, "greedy", 1.05),
        first_valid_target(records, 800, 15),
        large_target(records, 2000, 300, 4096),
        all_valid_target(records),
    ]


def ratio_target(
    records: list[RunRecord], size: int, limit: float, baseline: str, factor: float
) -> Verdict:
    """otgroups' score ≥ ``factor`` × the baseline's, same instance and time limit, every seed.

    A baseline that ran but has no valid schedule (timed out, found none, or an invalid one)
    counts as score 0; one that could not run (unavailable, error, crash) measures nothing.
    """
    name = "HiGHS" if baseline == "highs" else baseline
    times = "" if factor == 1 else f"{factor:g} × "
    label = f"{size:,} participants: otgroups ≥ {times}{name} at {limit:g} s"
    rows = [r for r in records if r.size == size and r.time_limit == limit]
    ours = {r.seed: r for r in rows if r.solver == "otgroups"}
    theirs = {r.seed: r for r in rows if r.solver == baseline}
    failed = [r for r in theirs.values() if r.status in FAILED_RUNS]
    seeds = sorted(s for s in ours.keys() & theirs.keys() if theirs[s].status not in FAILED_RUNS)
    if not seeds:
        why = f" ({name} {failed[0].status})" if failed else ""
        return Verdict(label, None, NOT_MEASURED + why)
    passed, parts = True, []
    for seed in seeds:
        mine, base = ours[seed], theirs[seed]
        if not (mine.has_schedule and mine.valid and mine.score is not None):
            passed = False
            parts.append(f"seed {seed}: otgroups {_no_schedule(mine)}")
            continue
        base_score = base.score if base.has_schedule and base.valid and base.score else 0
        ok = mine.score >= factor * base_score
        passed = passed and ok
        if base_score:
            ratio = f"{mine.score / base_score:.3f}"
            parts.append(f"{ratio} (seed {seed}: {mine.score:,} vs {base_score:,})")
            if not ok and mine.bound is not None and mine.bound < factor * base_score:
                parts.append(
                    f"unattainable on this instance: no schedule can score above the proven "
                    f"bound {mine.bound:,} ({mine.bound / base_score:.4f} × {name}), below the "
                    f"{factor:g} × {name} = {factor * base_score:,.0f} asked"
                )
        else:
            parts.append(f"seed {seed}: {name} has no schedule scoring above 0 ({_what(base)})")
    return Verdict(label, passed, "; ".join(parts))


def first_valid_target(records: list[RunRecord], size: int, seconds: float) -> Verdict:
    """otgroups has a valid schedule in hand within ``seconds`` (any time limit), every seed."""
    label = f"{size:,} participants: otgroups' first valid schedule ≤ {seconds:g} s"
    rows = [r for r in records if r.size == size and r.solver == "otgroups"]
    if not rows:
        return Verdict(label, None, NOT_MEASURED)
    passed, parts = True, []
    for r in rows:
        first = r.first_valid_seconds
        ok = r.has_schedule and bool(r.valid) and first is not None and first <= seconds
        passed = passed and ok
        shown = f"{first:.1f} s" if first is not None else _no_schedule(r)
        parts.append(f"{shown} (seed {r.seed})")
    return Verdict(label, passed, "; ".join(parts))


def large_target(records: list[RunRecord], size: int, limit: float, mib: float) -> Verdict:
    """At ``limit`` seconds, otgroups returns a valid schedule within the limit (wall time of
    the solve call) and its process stays under ``mib`` MiB, every seed."""
    label = f"{size:,} participants: a valid schedule in {limit:g} s under {mib / 1024:g} GiB"
    rows = [r for r in records if r.size == size and r.solver == "otgroups"]
    rows = [r for r in rows if r.time_limit == limit]
    if not rows:
        return Verdict(label, None, NOT_MEASURED)
    passed, parts = True, []
    for r in rows:
        peak = f"{r.peak_mib:,.0f} MiB" if r.peak_mib is not None else "peak unknown"
        if not (r.has_schedule and r.valid and r.seconds is not None):
            passed = False
            parts.append(f"seed {r.seed}: {_no_schedule(r)}, {peak}")
            continue
        ok = r.seconds <= limit and r.peak_mib is not None and r.peak_mib < mib
        passed = passed and ok
        parts.append(f"valid in {r.seconds:.1f} s, {peak} (seed {r.seed})")
    return Verdict(label, passed, "; ".join(parts))


def all_valid_target(records: list[RunRecord]) -> Verdict:
    """Every schedule any solver returned passes the validator (re-checked by the runner)."""
    label = "every schedule from every solver valid"
    with_schedule = [r for r in records if r.has_schedule]
    if not with_schedule:
        return Verdict(label, None, NOT_MEASURED)
    invalid = [r for r in with_schedule if not r.valid]
    parts = [f"{len(with_schedule) - len(invalid)} of {len(with_schedule)} schedules valid"]
    if invalid:
        parts.append("invalid: " + _names(invalid, lambda r: f"{r.violations} violations"))
    missing = [r for r in records if not r.has_schedule]
    if missing:
        parts.append("no schedule: " + _names(missing, lambda r: r.status))
    return Verdict(label, not invalid, "; ".join(parts))


def _no_schedule(r: RunRecord) -> str:
    if r.has_schedule and not r.valid:
        return f"invalid schedule ({r.violations} violations)"
    if r.has_schedule:
        return f"score {r.score}"
    return r.status


def _what(r: RunRecord) -> str:
    if r.has_schedule and r.valid:
        return f"{r.status}, score {r.score}"
    return _no_schedule(r)


def _names(rows: Iterable[RunRecord], describe: Callable[[RunRecord], str]) -> str:
    return ", ".join(f"{r.solver} {r.size}/seed {r.seed} ({describe(r)})" for r in rows)
