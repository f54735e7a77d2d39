"""The shareable term report: one self-contained HTML file (``otgroups report``).

The page holds plotly's JavaScript itself (no CDN, opens without a network), the timetable,
the fill of every section, demand against capacity with the waitlist by priority, and — when
billing records are given — the audit summary by finding code and payer. It names no
participant: only counts, group types, sections, rooms and staff ids, so it can be passed
around. Written atomically: a reader sees the old file or the new one, never half.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from analysis import figures, frames
from audit import audit, summary
from models.files import write_text_atomically
from models.records import Records
from models.schedule import Schedule
from models.term import PRIORITIES, Term

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE = "term_report.html.j2"
PLOT_CONFIG = {"displaylogo": False, "responsive": True}


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


class _Plots:
    """Figures as HTML fragments; plotly's JavaScript goes into the first one only."""

    def __init__(self) -> None:
        self.embedded = False

    def html(self, fig: go.Figure, div_id: str) -> str:
        fragment = fig.to_html(
            full_html=False,
            include_plotlyjs=not self.embedded,
            div_id=div_id,
            config=PLOT_CONFIG,
        )
        self.embedded = True
        return str(fragment)


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share:.1%}"


def report_context(
    term: Term,
    schedule: Schedule,
    records: Records | None = None,
    as_of: dt.date | None = None,
    generated: dt.datetime | None = None,
) -> dict[str, Any]:
    """What the template shows (figures as HTML fragments, tables as lists of dicts)."""
    plots = _Plots()
    meetings = frames.meetings(term, schedule)
    sections = frames.sections(term, schedule)
    demand = frames.demand(term, schedule)
    requested = Counter(r.priority for p in term.participants for r in p.requests)
    waiting = Counter(w.priority for w in schedule.waitlist)
    priorities = [
        {
            "priority": prio,
            "requested": requested[prio],
            "placed": requested[prio] - waiting[prio],
            "waitlisted": waiting[prio],
            "share": f"{(requested[prio] - waiting[prio]) / requested[prio]:.0%}"
            if requested[prio]
            else "-",
        }
        for prio in PRIORITIES
    ]
    section_rows = [
        {
            "section": row.section,
            "name": row.name,
            "meetings": row.meetings,
            "where": row.room if isinstance(row.room, str) else f"off site ({row.vehicle})",
            "staff": row.staff,
            "members": int(row.members),
            "max_size": int(row.max_size),
            "fill": float(row.fill),
        }
        for row in sections.itertuples()
    ]
    demand_rows = [
        {
            "name": row.name,
            "sections": int(row.sections),
            "max_sections": int(row.max_sections),
            "seats": int(row.seats),
            "requested": int(row.requested),
            "placed": int(row.placed),
            "required": int(row.waitlisted_required),
            "recommended": int(row.waitlisted_recommended),
            "optional": int(row.waitlisted_optional),
            "waitlisted": int(row.waitlisted),
        }
        for row in demand.itertuples()
    ]
    context: dict[str, Any] = {
        "clinic": term.clinic.name or term.clinic.id,
        "term_name": term.term.name,
        "term_start": term.term.start.isoformat(),
        "term_end": term.term.end.isoformat(),
        "generated": (generated or dt.datetime.now()).strftime("%Y-%m-%d %H:%M"),
        "status": schedule.status.value,
        "score": schedule.score,
        "bound": "-" if schedule.bound is None else schedule.bound,
        "gap": _percent(schedule.gap),
        "section_count": len(schedule.sections),
        "participant_count": len(term.participants),
        "request_count": sum(requested.values()),
        "waitlist_count": len(schedule.waitlist),
        "priorities": priorities,
        "timetable": plots.html(figures.timetable(meetings), "timetable"),
        "sections": section_rows,
        "demand_figure": plots.html(figures.demand_capacity(demand), "demand"),
        "demand": demand_rows,
        "audit": None,
    }
    if records is not None:
        day = as_of or dt.date.today()
        found = audit(term, schedule, records, day)
        findings = frames.findings(found, term)
        ranked = frames.fix_first(findings).drop(columns=["example"])
        by_payer = summary(found)["payer"] if found else None
        context["audit"] = {
            "as_of": day.isoformat(),
            "total": len(found),
            "errors": sum(1 for f in found if f.severity == "error"),
            "warnings": sum(1 for f in found if f.severity == "warning"),
            "figure": plots.html(figures.findings_by_code(findings), "findings") if found else None,
            "ranked": ranked.to_dict("records"),
            "payers": [
                {
                    "payer": str(payer),
                    "errors": int(row["error"]),
                    "warnings": int(row["warning"]),
                    "total": int(row["total"]),
                }
                for payer, row in (by_payer.iterrows() if by_payer is not None else [])
            ],
        }
    return context


def build_report(
    term: Term,
    schedule: Schedule,
    records: Records | None = None,
    as_of: dt.date | None = None,
    generated: dt.datetime | None = None,
) -> str:
    """The report's HTML: one self-contained page (see the module docstring)."""
    context = report_context(term, schedule, records, as_of, generated)
    return _environment().get_template(TEMPLATE).render(**context)


def write_report(path: str | Path, html: str) -> None:
    """Write ``html`` to ``path`` atomically (a temporary file beside it, then a rename)."""
    write_text_atomically(path, html)
