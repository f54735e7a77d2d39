"""Audit findings in the contract's shape, their order, and their tables (JSON, pandas, CSV)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from typing import Literal

import pandas as pd
from pydantic import BaseModel, Field

from models.csv_cells import safe_cell

Severity = Literal["error", "warning"]

CODES: tuple[str, ...] = (
    "PAYER_CODE_NOT_RECOGNIZED",
    "BUNDLED_IN_PER_DIEM",
    "BENEFIT_UNVERIFIED",
    "AUTH_MISSING",
    "AUTH_EXHAUSTED",
    "AUTH_EXPIRED",
    "POC_MISSING",
    "CERT_LATE",
    "RECERT_DUE",
    "PROGRESS_REPORT_DUE",
    "GOAL_NOT_MEASURABLE",
    "GROUP_SIZE_OVER_PAYER_MAX",
    "DURATION_BELOW_MINIMUM",
    "NOT_ATTENDED",
    "NOTE_MISSING",
    "NOTE_UNSIGNED",
    "NOTE_LATE",
    "COSIGN_MISSING",
    "GOAL_NOT_LINKED",
    "MODIFIER_MISSING",
    "MODIFIER_INVALID",
    "THRESHOLD_KX",
    "NCCI_PAIR",
    "UNITS_EXCEED_TIME",
    "DUPLICATE_LINE",
    "PROVIDER_NOT_ELIGIBLE",
    "TIMELY_FILING_RISK",
)
"""Every finding code of the contract (``audit.md``), in its order."""


class Finding(BaseModel):
    """One thing that will be denied or is non-compliant (error), or will be (warning)."""

    code: str = Field(description="A code of CODES")
    severity: Severity
    participant: str
    date: dt.date | None = Field(default=None, description="The session or due date it is about")
    session: str | None = Field(default=None, description="Held session id, when there is one")
    section: str | None = Field(default=None, description="Section id, when there is one")
    message: str = Field(description="A sentence a VA can act on")
    rule: str = Field(description="The profile value and its source")
    payer: str | None = Field(default=None, description="otgroups extension: the payer concerned")

    def sort_key(self) -> tuple[str, dt.date, str, str, str, str]:
        """Contract order: participant, date, code; then the rest so ties are stable too."""
        return (
            self.participant,
            self.date or dt.date.min,
            self.code,
            self.session or "",
            self.section or "",
            self.message,
        )


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Deterministic order, duplicates removed."""
    unique = {f.model_dump_json(): f for f in findings}
    return sorted(unique.values(), key=Finding.sort_key)


NO_PAYER = "(no payer)"
"""How tables and figures label findings that concern no payer (a plan of care, a goal)."""
COLUMNS = [
    "participant",
    "date",
    "code",
    "severity",
    "session",
    "section",
    "payer",
    "message",
    "rule",
]


def to_frame(findings: list[Finding]) -> pd.DataFrame:
    """One row per finding, for notebooks (date as a pandas datetime)."""
    frame = pd.DataFrame([f.model_dump() for f in findings], columns=COLUMNS)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def to_csv(findings: list[Finding]) -> str:
    """CSV a billing person opens in a spreadsheet (ISO dates, one row per finding)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for f in findings:
        row = f.model_dump(mode="json")
        writer.writerow({c: safe_cell(row[c]) if row.get(c) is not None else "" for c in COLUMNS})
    return out.getvalue()


def summary(findings: list[Finding]) -> dict[str, pd.DataFrame]:
    """Counts of errors and warnings by finding code, by payer and by participant."""
    frame = to_frame(findings)
    out = {}
    for key in ("code", "payer", "participant"):
        table = (
            frame.fillna({key: NO_PAYER if key == "payer" else "(none)"})
            .pivot_table(
                index=key, columns="severity", values="message", aggfunc="count", fill_value=0
            )
            .reindex(columns=["error", "warning"], fill_value=0)
        )
        table["total"] = table.sum(axis=1)
        out[key] = table.sort_values(["total", "error"], ascending=False)
    return out
