"""Peer solver: the same contract as a time-indexed 0/1 MIP, solved by HiGHS (highspy).

What an OR consultant would build: the preparation of otgroups (patterns and exact pruning are
contract logic), then variables for slot, pattern, membership, room, staff, vehicle and ride
with their products, every hard rule as linear rows (``benchmarks/baselines/highs/``), and the
contract score as objective. No warm start unless a ``hint`` is passed for experiments.

```python
from benchmarks.baselines.highs_mip import solve_highs, solve_highs_with_stats

result = solve_highs(term, time_limit=60)  # an optimizer.solve.SolveResult
result, stats = solve_highs_with_stats(term)  # plus model size, incumbents, memory
```
"""

from __future__ import annotations

import contextlib
import math
import os
import resource
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import highspy

from benchmarks.baselines.highs.formulation import build
from benchmarks.baselines.highs.matrix import TooLargeError
from benchmarks.baselines.highs.size import estimate_size
from benchmarks.baselines.highs.solution import extract_plan, hint_values
from models.schedule import Status
from models.term import Term
from models.validation import validate_schedule
from optimizer.plan import Plan
from optimizer.prepare import prepare
from optimizer.solve import SolveResult, to_schedule
from optimizer.stability import build_identity

MAX_NONZEROS = 3_000_000
"""Past this (estimated, then counted while building) the MIP is not built: status UNKNOWN."""

DEFAULT_OPTIONS: dict[str, Any] = {
    "presolve_mode": 2,
    "mip_rel_gap": 0.0,
    "mip_abs_gap": 0.999,
}
"""HiGHS options besides time, threads and seed. Light presolve: full probing alone outlasts a
60 s budget from about 100 participants on (and takes seconds on the small instance that light
presolve solves in half a second). ``mip_abs_gap`` below 1 is exact: the score is an integer."""


@dataclass
class HighsStats:
    """What the run looked like from the MIP side."""

    columns: int = 0
    rows: int = 0
    nonzeros: int = 0
    estimated_nonzeros: int = 0
    column_families: dict[str, int] = field(default_factory=dict)
    row_families: dict[str, int] = field(default_factory=dict)
    build_seconds: float = 0.0
    """Preparation and model construction, from the call."""
    highs_seconds: float = 0.0
    model_status: str = ""
    objective: float | None = None
    dual_bound: float | None = None
    nodes: int = 0
    first_incumbent_seconds: float | None = None
    """From the call (build included) to HiGHS's first incumbent, which may score 0."""
    incumbents: list[tuple[float, float]] = field(default_factory=list)
    """(seconds from the call, objective) of every improving solution."""
    peak_rss_mb: float = 0.0
    """Peak resident memory of the process so far (``ru_maxrss``)."""
    note: str = ""

    @property
    def first_positive_seconds(self) -> float | None:
        """From the call to the first incumbent that places anyone."""
        return next((t for t, obj in self.incumbents if obj > 0.5), None)


def solve_highs(
    term: Term,
    time_limit: float = 60.0,
    threads: int = 2,
    seed: int = 0,
    hint: Plan | None = None,
) -> SolveResult:
    """Schedule ``term`` with the HiGHS MIP; a validated contract schedule, never an exception
    for a term that is too large (status UNKNOWN, empty schedule). ``hint``: a valid plan as
    MIP start (experiments only; ``KeyError`` if it uses a pairing the preparation excludes)."""
    return solve_highs_with_stats(term, time_limit, threads, seed, hint)[0]


def solve_highs_with_stats(
    term: Term,
    time_limit: float = 60.0,
    threads: int = 2,
    seed: int = 0,
    hint: Plan | None = None,
    *,
    log: bool = False,
    max_nonzeros: int = MAX_NONZEROS,
    symmetry: bool = True,
    strong_links: bool = True,
    options: dict[str, Any] | None = None,
) -> tuple[SolveResult, HighsStats]:
    """:func:`solve_highs` with the model size and the run's statistics.

    ``log``: HiGHS output on stdout; ``symmetry``: order interchangeable slots; ``strong_links``:
    add the ``w ≤ z`` rows that the capacity rows imply for integers but that tighten the LP;
    ``options``: HiGHS options by name, over :data:`DEFAULT_OPTIONS` (for experiments)."""
    started = time.monotonic()
    prep = prepare(term)
    ident = build_identity(prep, None)
    stats = HighsStats(estimated_nonzeros=estimate_size(prep).nonzeros)

    def finish(plan: Plan, status: Status, bound: int | None) -> tuple[SolveResult, HighsStats]:
        seconds = time.monotonic() - started
        schedule = to_schedule(prep, ident, plan, status, bound, seconds)
        stats.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        result = SolveResult(
            schedule, validate_schedule(term, schedule), [], stats.first_incumbent_seconds
        )
        return result, stats

    if stats.estimated_nonzeros > max_nonzeros:
        stats.note = f"not built: about {stats.estimated_nonzeros:,} nonzeros (> {max_nonzeros:,})"
        return finish(Plan(), Status.UNKNOWN, None)
    try:
        matrix, v = build(prep, max_nonzeros, symmetry, strong_links)
    except TooLargeError as error:
        stats.note = f"not built: {error}"
        return finish(Plan(), Status.UNKNOWN, None)
    stats.columns, stats.rows, stats.nonzeros = matrix.columns, matrix.rows, matrix.nonzeros
    stats.column_families, stats.row_families = dict(matrix.family), dict(matrix.row_family)

    with _stdout_silenced(not log):  # the banner HiGHS prints on construction
        h = highspy.Highs()
    h.setOptionValue("output_flag", log)
    h.setOptionValue("threads", threads)
    h.setOptionValue("random_seed", seed)
    for name, value in {**DEFAULT_OPTIONS, **(options or {})}.items():
        if h.setOptionValue(name, value) != highspy.HighsStatus.kOk:
            raise ValueError(f"HiGHS option {name}={value!r} refused")
    highspy.Highs.resetGlobalScheduler(True)  # so that ``threads`` takes effect in this process
    matrix.load(h)
    del matrix
    if hint is not None:
        values = hint_values(prep, v, hint, stats.columns)
        h.setSolution(len(values), list(range(len(values))), values)

    def improving(event: highspy.highs.HighsCallbackEvent) -> None:
        seconds = time.monotonic() - started
        stats.incumbents.append((seconds, event.data_out.objective_function_value))
        if stats.first_incumbent_seconds is None:
            stats.first_incumbent_seconds = seconds

    h.cbMipImprovingSolution.subscribe(improving)
    stats.build_seconds = time.monotonic() - started
    h.setOptionValue("time_limit", max(1.0, time_limit - stats.build_seconds))
    h.run()
    stats.highs_seconds = time.monotonic() - started - stats.build_seconds

    model_status = h.getModelStatus()
    info = h.getInfo()
    stats.model_status = h.modelStatusToString(model_status)
    stats.nodes = int(info.mip_node_count)
    bound = _finite(info.mip_dual_bound)
    stats.dual_bound = bound
    int_bound = math.floor(bound + 1e-6) if bound is not None else None
    if info.primal_solution_status != highspy.SolutionStatus.kSolutionStatusFeasible:
        stats.note = stats.note or f"no incumbent ({stats.model_status})"
        return finish(Plan(), Status.UNKNOWN, int_bound)
    stats.objective = info.objective_function_value
    plan = extract_plan(prep, v, h.getSolution().col_value)
    score = plan.score(prep)
    if abs(score - stats.objective) > 0.5:
        stats.note = f"objective {stats.objective} but the extracted plan scores {score}"
    proven = model_status == highspy.HighsModelStatus.kOptimal
    proven = proven or (int_bound is not None and score >= int_bound)
    return finish(plan, Status.OPTIMAL if proven else Status.FEASIBLE, int_bound)


@contextlib.contextmanager
def _stdout_silenced(silence: bool) -> Iterator[None]:
    """File descriptor 1 to /dev/null for the duration (C++ output bypasses ``sys.stdout``)."""
    if not silence:
        yield
        return
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with Path(os.devnull).open("wb") as null:
            os.dup2(null.fileno(), 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) and abs(value) < 1e20 else None
