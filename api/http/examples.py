"""Examples for the OpenAPI document, from the bundled demo clinic (trimmed where large)."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

EXAMPLES = files("models") / "examples"


def _load(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / name).read_text())


@cache
def term() -> dict[str, Any]:
    """The demo term with its first four participants (none of them kept apart)."""
    doc = _load("demo_clinic.json")
    doc["participants"] = [
        {**p, "keep_apart": []} for p in doc["participants"][:4] if "current" not in p
    ]
    doc.pop("generated_by", None)
    return doc


@cache
def schedule() -> dict[str, Any]:
    """The demo schedule's first two sections and first two waitlist entries."""
    doc = _load("demo_schedule.json")
    doc["sections"] = doc["sections"][:2]
    doc["transport"] = doc["transport"][:1]
    doc["waitlist"] = doc["waitlist"][:2]
    return doc


@cache
def participant() -> dict[str, Any]:
    return dict(term()["participants"][0], id="P0121")


@cache
def records() -> dict[str, Any]:
    """The demo records: every payer, the first participant's coverage, plan and sessions."""
    doc = _load("demo_records.json")
    pid = doc["coverage"][0]["participant"]
    for key in ("coverage", "authorizations", "plans_of_care", "progress_reports", "sessions"):
        doc[key] = [item for item in doc[key] if item.get("participant") == pid][:3]
    doc["ytd_ot_allowed"] = {k: v for k, v in doc.get("ytd_ot_allowed", {}).items() if k == pid}
    return doc


def one(summary: str, value: Any) -> dict[str, Any]:
    """``openapi_examples`` with one named example."""
    return {"demo": {"summary": summary, "value": value}}
