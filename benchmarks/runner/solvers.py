"""The solvers a benchmark compares: one registry, name → how to get the callable.

Each entry resolves lazily (inside the child process that runs it) to a callable
``(term, time_limit, workers, seed) -> SolveResult`` and a label naming the implementation, so
the runner works while a baseline is still being written: a missing HiGHS baseline (or a
missing ``highspy``) raises :class:`SolverUnavailableError`, and ``greedy`` falls back to the
optimizer's own greedy when ``benchmarks.baselines.spreadsheet`` is absent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from models.term import Term
from optimizer.solve import SolveResult

SolverFn = Callable[[Term, float, int, int], SolveResult]
"""``(term, time_limit, workers, seed) -> SolveResult``."""


class SolverUnavailableError(Exception):
    """The solver cannot be imported here (module or dependency missing)."""


@dataclass(frozen=True)
class Solver:
    name: str
    resolve: Callable[[], tuple[SolverFn, str]]
    """The callable and a label naming its implementation; may raise SolverUnavailableError."""
    anytime: bool
    """Searches until its time limit; when False its answer is its first valid schedule."""


def _otgroups() -> tuple[SolverFn, str]:
    from optimizer import SolveOptions, solve

    def run(term: Term, time_limit: float, workers: int, seed: int) -> SolveResult:
        return solve(term, SolveOptions(time_limit=time_limit, workers=workers, seed=seed))

    return run, "optimizer.solve"


def _greedy() -> tuple[SolverFn, str]:
    try:
        from benchmarks.baselines.spreadsheet import solve_spreadsheet
    except ModuleNotFoundError as exc:
        if exc.name != "benchmarks.baselines.spreadsheet":
            raise
        from optimizer import solve_greedy

        return (
            lambda term, _limit, _workers, _seed: solve_greedy(term),
            "optimizer.solve_greedy (fallback: no benchmarks.baselines.spreadsheet)",
        )
    return (
        lambda term, _limit, _workers, _seed: solve_spreadsheet(term),
        "benchmarks.baselines.spreadsheet.solve_spreadsheet",
    )


def _highs() -> tuple[SolverFn, str]:
    try:
        from benchmarks.baselines.highs_mip import solve_highs
    except ImportError as exc:
        raise SolverUnavailableError(
            f"cannot import benchmarks.baselines.highs_mip: {exc}"
        ) from None

    def run(term: Term, time_limit: float, workers: int, seed: int) -> SolveResult:
        return solve_highs(term, time_limit=time_limit, threads=workers, seed=seed)

    return run, "benchmarks.baselines.highs_mip.solve_highs"


SOLVERS: dict[str, Solver] = {
    "otgroups": Solver("otgroups", _otgroups, anytime=True),
    "greedy": Solver("greedy", _greedy, anytime=False),
    "highs": Solver("highs", _highs, anytime=True),
}
"""Every solver the runner knows, in the default order of a run."""
