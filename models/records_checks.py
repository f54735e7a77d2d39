"""Reference checks of a records document: duplicate ids, unknown participants, payers and staff,
and date ranges that end before they start."""

from __future__ import annotations

from collections.abc import Iterator

from models.errors import Problem
from models.records import Records
from models.term import Term


def records_problems(records: Records, term: Term) -> list[Problem]:
    """Every problem, in document order."""
    return [
        *_duplicates(records),
        *_references(records, term),
        *_ranges(records),
    ]


def _duplicates(records: Records) -> Iterator[Problem]:
    for field in ("payers", "authorizations", "plans_of_care", "sessions"):
        first: dict[str, int] = {}
        for i, item in enumerate(getattr(records, field)):
            if item.id in first:
                yield Problem(
                    f"{field}[{i}].id", f"duplicate id {item.id!r} (also {field}[{first[item.id]}])"
                )
            first.setdefault(item.id, i)


def _references(records: Records, term: Term) -> Iterator[Problem]:
    people = {p.id for p in term.participants}
    staff = {s.id for s in term.staff}
    payers = {p.id for p in records.payers}

    def person(path: str, pid: str) -> Iterator[Problem]:
        if pid not in people:
            yield Problem(path, f"unknown participant {pid!r}")

    def payer(path: str, payer_id: str) -> Iterator[Problem]:
        if payer_id not in payers:
            yield Problem(path, f"unknown payer {payer_id!r}")

    def member_of_staff(path: str, sid: str | None) -> Iterator[Problem]:
        if sid is not None and sid not in staff:
            yield Problem(path, f"unknown staff member {sid!r}")

    for i, c in enumerate(records.coverage):
        yield from person(f"coverage[{i}].participant", c.participant)
        yield from payer(f"coverage[{i}].payer", c.payer)
    for i, a in enumerate(records.authorizations):
        yield from person(f"authorizations[{i}].participant", a.participant)
        yield from payer(f"authorizations[{i}].payer", a.payer)
    for i, plan in enumerate(records.plans_of_care):
        yield from person(f"plans_of_care[{i}].participant", plan.participant)
    for i, report in enumerate(records.progress_reports):
        yield from person(f"progress_reports[{i}].participant", report.participant)
        yield from member_of_staff(f"progress_reports[{i}].written_by", report.written_by)
    for i, s in enumerate(records.sessions):
        yield from person(f"sessions[{i}].participant", s.participant)
        if s.payer is not None:
            yield from payer(f"sessions[{i}].payer", s.payer)
        for j, sid in enumerate(s.furnished_by):
            yield from member_of_staff(f"sessions[{i}].furnished_by[{j}]", sid)
        if s.note is not None:
            yield from member_of_staff(f"sessions[{i}].note.written_by", s.note.written_by)
            yield from member_of_staff(f"sessions[{i}].note.cosigned_by", s.note.cosigned_by)
    for pid in records.ytd_ot_allowed:
        yield from person(f"ytd_ot_allowed.{pid}", pid)


def _ranges(records: Records) -> Iterator[Problem]:
    for i, c in enumerate(records.coverage):
        if c.effective_to is not None and c.effective_to < c.effective_from:
            yield Problem(
                f"coverage[{i}].effective_to",
                f"{c.effective_to} is before effective_from {c.effective_from}",
            )
    for i, a in enumerate(records.authorizations):
        if a.end < a.start:
            yield Problem(f"authorizations[{i}].end", f"{a.end} is before start {a.start}")
    for i, plan in enumerate(records.plans_of_care):
        if plan.cert_end < plan.start:
            yield Problem(
                f"plans_of_care[{i}].cert_end", f"{plan.cert_end} is before start {plan.start}"
            )
