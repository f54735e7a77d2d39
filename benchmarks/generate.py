"""Generate a realistic clinic term instance.

    python -m benchmarks.generate --participants 120 --seed 7 --out models/examples/demo_clinic.json

Without ``--out`` the document goes to standard output. ``--report`` prints demand against
planned capacity per group type to standard error; ``--greedy`` also runs the greedy scheduler
(:func:`optimizer.solve_greedy`) and reports how many requests it places. ``--wide-weeks``
turns the term into the stress variant of :mod:`benchmarks.generator.wide` (15-minute slots,
everyone free all week). Distributions: ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from benchmarks.generator import generate_term
from benchmarks.generator.report import placement, summary
from benchmarks.generator.wide import wide_weeks
from models import parse_term, write_json

__all__ = ["generate_term", "main"]


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.generate", description="Generate a clinic term instance."
    )
    parser.add_argument("--participants", type=int, required=True, help="how many participants")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", type=Path, help="write the term JSON here (atomically)")
    parser.add_argument("--report", action="store_true", help="print demand vs capacity")
    parser.add_argument("--greedy", action="store_true", help="also run the greedy scheduler")
    parser.add_argument(
        "--wide-weeks", action="store_true", help="stress variant: everyone free all week"
    )
    args = parser.parse_args(argv)
    if args.participants < 1:
        parser.error("--participants must be at least 1")

    term = generate_term(args.participants, args.seed)
    if args.wide_weeks:
        term = wide_weeks(term)
    parse_term(term, source="generated term")
    if args.out is None:
        sys.stdout.write(json.dumps(term, indent=1, ensure_ascii=False) + "\n")
    else:
        write_json(args.out, term)
    if args.report or args.greedy:
        print(summary(term), file=sys.stderr)
    if args.greedy:
        from optimizer import solve_greedy

        parsed = parse_term(term)
        placed = placement(parsed, solve_greedy(parsed).schedule)
        text = ", ".join(f"{k} {a}/{b} ({a / b:.0%})" for k, (a, b) in placed.items() if b)
        print(f"greedy places: {text}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
