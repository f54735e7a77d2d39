"""``results.md``: a table per size, ratios to the baselines, the targets, the machine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks.generator.report import PRIORITIES
from benchmarks.runner.machine import machine_markdown
from benchmarks.runner.records import RunRecord
from benchmarks.runner.targets import evaluate_targets

HEADER = (
    "seed",
    "solver",
    "status",
    "valid",
    "score",
    "× greedy",
    "× HiGHS",
    "bound",
    "gap",
    *PRIORITIES,
    "wall s",
    "first valid s",
    "peak MiB",
)


@dataclass(frozen=True)
class RunInfo:
    """What the whole invocation was."""

    command: str
    started: str
    """UTC time the run began, ISO 8601."""
    machine: dict[str, str]
    finished: bool
    """False while runs are still going (the file is rewritten after each)."""


def results_markdown(records: Sequence[RunRecord], info: RunInfo) -> str:
    """The whole ``results.md`` text."""
    state = "" if info.finished else " (in progress: rewritten as runs complete)"
    lines = [
        "# otgroups benchmark results",
        "",
        f"`{info.command}`, started {info.started}{state}. Protocol: `benchmarks/README.md`.",
        "",
        machine_markdown(info.machine),
        "",
        "## Results",
    ]
    groups: dict[tuple[int, float, int], list[RunRecord]] = {}
    for r in records:
        groups.setdefault((r.size, r.time_limit, r.workers), []).append(r)
    for (size, limit, workers), rows in groups.items():
        lines += ["", f"### {size:,} participants — time limit {limit:g} s, {workers} workers", ""]
        lines += size_table(rows)
        lines += _notes(rows)
    lines += ["", "## Targets", "", "| target | met | measured |", "| --- | :---: | --- |"]
    for verdict in evaluate_targets(list(records)):
        lines.append(f"| {verdict.target} | {verdict.mark} | {_cell(verdict.measured)} |")
    lines += [
        "",
        "Placed columns: placed / requested. × greedy, × HiGHS: score over that solver's score "
        "on the same instance. wall s: the solver call in its own process; first valid s: "
        "when a valid schedule was first in hand (the greedy's whole time). peak MiB: the "
        "process's `ru_maxrss`. valid: re-checked by the runner with "
        "`models.validation.validate_schedule`.",
    ]
    return "\n".join(lines) + "\n"


def size_table(rows: Sequence[RunRecord]) -> list[str]:
    """Markdown table lines of one size's runs, with ratios to greedy and HiGHS."""
    out = [_row(HEADER), _row(["---:", "---", "---", ":---:", *["---:"] * (len(HEADER) - 4)])]
    for r in rows:
        cells = [
            str(r.seed),
            r.solver,
            r.status,
            {True: "yes", False: "**NO**", None: "–"}[r.valid],
            _int(r.score),
            _ratio(r, rows, "greedy"),
            _ratio(r, rows, "highs"),
            _int(r.bound),
            "–" if r.gap is None else f"{r.gap:.2%}",
            *(_placed(r, p) for p in PRIORITIES),
            _num(r.seconds, 1),
            _num(r.first_valid_seconds, 2),
            _num(r.peak_mib, 0),
        ]
        out.append(_row(cells))
    return out


def _notes(rows: Sequence[RunRecord]) -> list[str]:
    notes = []
    for r in rows:
        if r.solver == "greedy" and "fallback" in r.implementation:
            notes.append(f"greedy (seed {r.seed}) is `{r.implementation}`")
        if r.note:
            notes.append(f"{r.solver} (seed {r.seed}): {r.note}")
    return ["", *(f"- {_cell(n)}" for n in notes)] if notes else []


def _ratio(r: RunRecord, rows: Sequence[RunRecord], baseline: str) -> str:
    base = next((b for b in rows if b.solver == baseline and b.seed == r.seed), None)
    if base is None or not base.score or r.score is None:
        return "–"
    return f"{r.score / base.score:.3f}"


def _placed(r: RunRecord, priority: str) -> str:
    placed = r.placed(priority)
    return "–" if placed is None else f"{placed:,}/{r.requests(priority):,}"


def _int(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def _num(value: float | None, digits: int) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"
