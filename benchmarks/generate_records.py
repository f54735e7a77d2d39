"""Generate billing and documentation records for a term and schedule.

    python -m benchmarks.generate_records models/examples/demo_clinic.json \\
        models/examples/demo_schedule.json --as-of 2027-10-24 \\
        --out models/examples/demo_records.json

Every session up to ``--as-of`` is held, billed and documented, with one planted mistake of every
kind the audit knows (``benchmarks/generator/records.py``).
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from benchmarks.generator.records import generate_records
from models import load_schedule, load_term, parse_records, write_json


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate_records")
    parser.add_argument("term", type=Path)
    parser.add_argument("schedule", type=Path)
    parser.add_argument("--as-of", type=date.fromisoformat, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    term = load_term(args.term)
    schedule = load_schedule(args.schedule, term)
    doc = generate_records(term, schedule, args.as_of)
    parse_records(doc, term, source="generated records")
    write_json(args.out, doc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
