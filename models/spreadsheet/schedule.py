"""A schedule as a spreadsheet to share: sections (one row each), rosters and the waitlist, as
an ``.xlsx`` workbook or a CSV of the sections sheet."""

from __future__ import annotations

import io

from models.common import DAY_NAMES, format_time
from models.schedule import Schedule
from models.spreadsheet.layout import CellValue
from models.spreadsheet.writer import Sheet, _csv, sheets_workbook
from models.term import Term

SECTION_HEADER = [
    "section",
    "group_type",
    "name",
    "days",
    "start",
    "end",
    "room",
    "vehicle",
    "staff",
    "members",
    "max_size",
    "participants",
]


def schedule_sheets(term: Term, schedule: Schedule) -> list[Sheet]:
    """``sections``, ``rosters`` (section, participant) and ``waitlist`` sheets."""
    sections: list[list[CellValue]] = []
    for s in schedule.sections:
        gt = term.group_type(s.group_type)
        first = s.meetings[0]
        sections.append(
            [
                s.id,
                gt.id,
                gt.label,
                "/".join(DAY_NAMES[m.day] for m in s.meetings),
                format_time(first.start),
                format_time(first.end),
                s.room,
                s.vehicle,
                "; ".join(s.staff),
                len(s.participants),
                gt.max_size,
                "; ".join(s.participants),
            ]
        )
    rosters: list[list[CellValue]] = [
        [s.id, s.group_type, pid] for s in schedule.sections for pid in s.participants
    ]
    waitlist: list[list[CellValue]] = [
        [w.participant, w.group_type, w.priority, "; ".join(w.reasons)] for w in schedule.waitlist
    ]
    return [
        ("sections", SECTION_HEADER, sections),
        ("rosters", ["section", "group_type", "participant"], rosters),
        ("waitlist", ["participant", "group_type", "priority", "reasons"], waitlist),
    ]


def schedule_csv(term: Term, schedule: Schedule) -> bytes:
    """The sections sheet as UTF-8 CSV (with a BOM, so Excel reads it right)."""
    _name, header, rows = schedule_sheets(term, schedule)[0]
    return _csv(header, rows, export=True)


def schedule_xlsx(term: Term, schedule: Schedule) -> bytes:
    """The three sheets as an ``.xlsx`` workbook."""
    buffer = io.BytesIO()
    sheets_workbook(schedule_sheets(term, schedule)).save(buffer)
    return buffer.getvalue()
