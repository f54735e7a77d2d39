"""Claim-line checks: group size, minimum minutes, attendance, duplicates, who may bill a
psychotherapy code, and the filing deadline."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta

from audit.checks import about, check
from audit.checks.payers import PER_DIEM_SETTINGS, billing, sessions_phrase
from audit.context import AuditContext, Dated
from audit.findings import Finding
from audit.profile import Profile
from models.records import Line, Payer

NOT_ATTENDED_RULE = (
    "audit.md NOT_ATTENDED (billing-facts §1 [S2]): a line bills a service furnished to the "
    "patient that day; an absent or excused participant received none"
)
DUPLICATE_RULE = (
    "billing-facts §5 [S25]: CARC 18, exact duplicate claim/service (the same code for the "
    "same participant and date twice)"
)


@check("GROUP_SIZE_OVER_PAYER_MAX")
def group_size_over_payer_max(ctx: AuditContext) -> Iterator[Finding]:
    """A section larger than a member's payer pays for (``max_group_size``, 0 = no cap), once
    per member and section: planned members (warning, from the first date), and held
    attendees of a section with more attendees that day than the cap (error)."""
    members = {sec.id: len(sec.participants) for sec in ctx.schedule.sections}
    attendees: Counter[tuple[str, date]] = Counter(
        (s.section, s.date)
        for s in ctx.sessions
        if s.held is not None and s.section is not None and s.attended
    )
    over: dict[tuple[str, str, bool], list[tuple[Dated, Payer, int, int]]] = {}
    for s, payer, prof in billing(ctx):
        cap = prof("max_group_size")
        if not cap or s.section is None or not s.attended or not s.lines:
            continue
        size = attendees[(s.section, s.date)] if s.held is not None else members[s.section]
        if size > cap:
            key = (s.participant, s.section, s.held is not None)
            over.setdefault(key, []).append((s, payer, size, cap))
    for (pid, section, held), group in over.items():
        s, payer, size, cap = group[0]
        rule = ctx.profile(payer).cite("max_group_size")
        n = sessions_phrase(len(group))
        if held:
            message = (
                f"{size} participants attended section {section} on {s.date}, but {payer.id} "
                f"pays a group of at most {cap}: {pid}'s claims for {n} from then will be "
                f"denied. Check {payer.id}'s group rule before billing and keep {section} at "
                f"{cap} or fewer."
            )
        else:
            message = (
                f"Section {section} has {size} members but {payer.id} pays a group of at most "
                f"{cap}: move {pid} to a smaller section or split {section} before {s.date} "
                f"({n} planned)."
            )
        yield about(
            s, "GROUP_SIZE_OVER_PAYER_MAX", "error" if held else "warning", message, rule, payer.id
        )


def _documented_minutes(s: Dated, line_minutes: int | None) -> int:
    """Planned: the section's duration; held: minutes attended, or the line's if fewer."""
    if s.held is None or line_minutes is None:
        return s.minutes
    return min(s.minutes, line_minutes)


@check("DURATION_BELOW_MINIMUM")
def duration_below_minimum(ctx: AuditContext) -> Iterator[Finding]:
    """Minutes below the code's ``min_minutes``: held attended sessions one by one (error);
    planned ones per participant, section and code from the first date (warning)."""
    planned: dict[tuple[str, str | None, str], list[tuple[Dated, Payer, Profile, int]]] = {}
    for s, payer, prof in billing(ctx):
        if not s.attended:
            continue
        minimum = prof("min_minutes")
        for line in s.lines:
            need = minimum.get(line.code)
            minutes = _documented_minutes(s, line.minutes)
            if need is None or minutes >= need:
                continue
            if s.held is None:
                key = (s.participant, s.section, line.code)
                planned.setdefault(key, []).append((s, payer, prof, need))
                continue
            yield about(
                s,
                "DURATION_BELOW_MINIMUM",
                "error",
                f"{s.participant}'s {line.code} of {s.date} (session {s.session}) documents "
                f"{minutes} minutes, below the {need} the code requires per session: do not "
                f"bill {line.code} for it unless the record supports {need} minutes.",
                prof.cite("min_minutes"),
                payer.id,
            )
    for (pid, section, code), group in planned.items():
        s, payer, prof, need = group[0]
        yield about(
            s,
            "DURATION_BELOW_MINIMUM",
            "warning",
            f"Section {section} meets {s.minutes} minutes but {code} needs {need} per session: "
            f"lengthen it before {s.date} or {pid}'s {sessions_phrase(len(group))} will not "
            "meet the code.",
            prof.cite("min_minutes"),
            payer.id,
        )


@check("NOT_ATTENDED")
def not_attended(ctx: AuditContext) -> Iterator[Finding]:
    """A billed line on a held session marked absent or excused (error)."""
    for s in ctx.sessions:
        if s.held is None or s.attended or not s.lines:
            continue
        found = ctx.profile_for(s)
        codes = ", ".join(dict.fromkeys(line.code for line in s.lines))
        yield about(
            s,
            "NOT_ATTENDED",
            "error",
            f"Remove the {codes} line(s) from session {s.session}: {s.participant} was "
            f"{s.held.attendance} on {s.date}, and a session not attended is not billable.",
            NOT_ATTENDED_RULE,
            found[0].id if found else None,
        )


@check("DUPLICATE_LINE")
def duplicate_line(ctx: AuditContext) -> Iterator[Finding]:
    """The same participant, date and code on two held lines, within a session or across
    sessions (error), once per participant, date and code, about the first repeat's session.
    A repeat on another session that carries one of the profile's ``distinct_modifiers`` is a
    separate service, not a duplicate."""
    for pid, sessions in ctx.by_participant.items():
        seen: dict[tuple[date, str], list[tuple[Dated, Line]]] = {}
        for s in sessions:
            if s.held is None:
                continue
            for line in s.lines:
                seen.setdefault((s.date, line.code), []).append((s, line))
        for (day, code), where in seen.items():
            if len(where) < 2:
                continue
            first = where[0][0]
            found = ctx.profile_for(first)
            distinct = set(found[1]("distinct_modifiers")) if found else set()
            repeats = [
                s
                for s, line in where[1:]
                if s is first or not distinct.intersection(line.modifiers)
            ]
            if not repeats:
                continue
            ids = ", ".join(dict.fromkeys(str(s.session) for s, _ in where))
            yield about(
                repeats[0],
                "DUPLICATE_LINE",
                "error",
                f"{pid}'s {code} is billed {len(where)} times on {day} (session(s) {ids}): "
                "remove the duplicate, or if they were separate sessions bill one line with "
                "the total units (or mark the later one with a distinct-service modifier) and "
                "document both times.",
                DUPLICATE_RULE,
                found[0].id if found else None,
            )


def _recode(s: Dated) -> str:
    return "G0129" if s.setting in PER_DIEM_SETTINGS else "97150"


@check("PROVIDER_NOT_ELIGIBLE")
def provider_not_eligible(ctx: AuditContext) -> Iterator[Finding]:
    """A ``psychotherapy_codes`` line furnished in whole or part by a role in
    ``psychotherapy_ineligible_roles``: held lines (error); planned ones once per participant,
    section and code (warning)."""
    planned: dict[tuple[str, str | None, str], list[tuple[Dated, Payer, Profile, str]]] = {}
    for s, payer, prof in billing(ctx):
        codes = set(prof("psychotherapy_codes")) & {line.code for line in s.lines}
        if not codes or not s.attended:
            continue
        barred = set(prof("psychotherapy_ineligible_roles"))
        who = [f"{ctx.role[sid]} {sid}" for sid in s.staff if ctx.role.get(sid) in barred]
        if not who:
            continue
        by = " and ".join(who)
        for code in sorted(codes):
            if s.held is None:
                key = (s.participant, s.section, code)
                planned.setdefault(key, []).append((s, payer, prof, by))
                continue
            yield about(
                s,
                "PROVIDER_NOT_ELIGIBLE",
                "error",
                f"{by} furnished {s.participant}'s {code} of {s.date} (session {s.session}), "
                f"but that role may not bill psychotherapy: recode to {_recode(s)} if skilled "
                "OT was delivered (recreational or socialization content qualifies for "
                "neither).",
                prof.cite("psychotherapy_ineligible_roles"),
                payer.id,
            )
    for (pid, section, code), group in planned.items():
        s, payer, prof, by = group[0]
        yield about(
            s,
            "PROVIDER_NOT_ELIGIBLE",
            "warning",
            f"Section {section} is led by {by}, who may not bill psychotherapy, yet {pid}'s "
            f"{sessions_phrase(len(group))} from {s.date} would bill {code}: bill it as "
            f"{_recode(s)} (skilled OT) or have an eligible clinician lead it.",
            prof.cite("psychotherapy_ineligible_roles"),
            payer.id,
        )


@check("TIMELY_FILING_RISK")
def timely_filing_risk(ctx: AuditContext) -> Iterator[Finding]:
    """An attended held session with lines and no ``billed_on``: warning once its age at
    ``as_of`` reaches ``timely_filing_warn_share`` of ``timely_filing_days``, error past it."""
    for s, payer, prof in billing(ctx):
        if s.held is None or s.held.billed_on is not None or not s.attended or not s.lines:
            continue
        limit = prof("timely_filing_days")
        age = (ctx.as_of - s.date).days
        last = s.date + timedelta(days=limit)
        if age > limit:
            yield about(
                s,
                "TIMELY_FILING_RISK",
                "error",
                f"{s.participant}'s claim for {s.date} (session {s.session}) was never filed "
                f"and {payer.id}'s {limit}-day limit passed on {last}: it will be denied as "
                "untimely (CARC 29) unless an exception applies.",
                prof.cite("timely_filing_days"),
                payer.id,
            )
        elif age >= prof("timely_filing_warn_share") * limit:
            yield about(
                s,
                "TIMELY_FILING_RISK",
                "warning",
                f"File {s.participant}'s claim for {s.date} (session {s.session}) with "
                f"{payer.id} by {last}: it is {age} days old and the limit is {limit} days.",
                prof.cite("timely_filing_days"),
                payer.id,
            )
