"""The bundled demo records: generated (so they cannot drift) and raising every finding code."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from importlib.resources import files

import pytest

from audit import CODES, audit, summary, to_csv, to_frame
from benchmarks.generator.records import generate_records
from models import load_records, load_schedule, load_term

AS_OF = date(2027, 10, 24)
ROOT = files("models") / "examples"


@pytest.fixture(scope="module")
def demo():
    term = load_term(str(ROOT / "demo_clinic.json"))
    schedule = load_schedule(str(ROOT / "demo_schedule.json"), term)
    records = load_records(str(ROOT / "demo_records.json"), term)
    return term, schedule, records


def test_the_file_is_what_the_generator_makes(demo) -> None:
    term, schedule, _ = demo
    on_disk = json.loads((ROOT / "demo_records.json").read_text())
    assert on_disk == json.loads(json.dumps(generate_records(term, schedule, AS_OF)))


def test_the_demo_audit_raises_every_finding_code(demo) -> None:
    term, schedule, records = demo
    findings = audit(term, schedule, records, AS_OF)
    counts = Counter(f.code for f in findings)
    assert [code for code in CODES if code not in counts] == []
    payers = {f.payer for f in findings}
    assert {"medicare-b", "medicare-php", "medicaid", "acme-bh"} <= payers
    assert findings == audit(term, schedule, records, AS_OF)  # deterministic


def test_tables_for_notebooks_and_billing(demo) -> None:
    term, schedule, records = demo
    findings = audit(term, schedule, records, AS_OF)
    frame = to_frame(findings)
    assert len(frame) == len(findings) and list(frame.columns)[:3] == [
        "participant",
        "date",
        "code",
    ]
    lines = to_csv(findings).splitlines()
    assert lines[0].startswith("participant,date,code,severity") and len(lines) == len(findings) + 1
    by_code = summary(findings)["code"]
    assert int(by_code["total"].sum()) == len(findings)
