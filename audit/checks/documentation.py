"""Documentation checks: certification in time, progress reports every N treatment days, a signed
(and, where required, co-signed) note for every attended session, linked to a goal of the plan.

A *treatment day* is a date with an attended held session or a planned session. Held sessions
marked absent or excused need no note and are no treatment day.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from audit.checks import about, check
from audit.context import AuditContext, Dated
from audit.findings import Finding, Severity
from audit.profile import Profile
from models.records import PlanOfCare, ProgressReport

NOTE_RULE = (
    "Medicare Benefit Policy Manual ch. 15 §220.3 (billing-facts §3 [S1]): a treatment note "
    "for every treatment day, signed by each person who furnished skilled service"
)


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 21st …"""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _an(roles: tuple[str, ...] | list[str]) -> str:
    """Roles with their article, read as letters: "an OT", "an OT or a PT"."""
    if not roles:
        return "a clinician"
    return " or ".join(f"{'an' if r[:1] in set('AEFHILMNORSX') else 'a'} {r}" for r in roles)


def _payer_profile(ctx: AuditContext, s: Dated) -> tuple[str | None, Profile | None]:
    found = ctx.profile_for(s)
    return (found[0].id, found[1]) if found is not None else (None, None)


def _held_attended(ctx: AuditContext) -> Iterator[Dated]:
    for sessions in ctx.by_participant.values():
        yield from (s for s in sessions if s.held is not None and s.attended)


def _active_plan(plans: list[PlanOfCare], day: date) -> PlanOfCare | None:
    """The plan of care in force on ``day``: the latest one started by then."""
    started = [p for p in plans if p.start <= day]
    return max(started, key=lambda p: p.start) if started else None


@check("CERT_LATE")
def cert_late(ctx: AuditContext) -> Iterator[Finding]:
    """A plan not certified within ``cert_within_days`` of its first treatment day.

    The first treatment day is the first attended held session on/after the plan's start (an
    evaluation billed as 97165–97168 is such a session), else its first planned session; the
    plan's start date alone is not taken as an evaluation day. The finding is dated on the
    deadline: an error once it passed at ``as_of`` (or the plan was certified after it), a
    warning ("certify by …") before.
    """
    for pid, sessions in ctx.by_participant.items():
        plans = sorted(ctx.plans(pid), key=lambda p: p.start)
        for i, plan in enumerate(plans):
            until = plans[i + 1].start if i + 1 < len(plans) else None
            first = next(
                (
                    s
                    for s in sessions
                    if s.attended and s.date >= plan.start and (until is None or s.date < until)
                ),
                None,
            )
            if first is None:
                continue
            payer, profile = _payer_profile(ctx, first)
            if profile is None:
                continue
            days = profile("cert_within_days")
            deadline = first.date + timedelta(days=days)
            if plan.certified_on is not None and plan.certified_on <= deadline:
                continue
            since = f"{days} days after the first treatment day {first.date}"
            severity: Severity = "error"
            if plan.certified_on is not None:
                message = (
                    f"{pid}'s plan of care {plan.id} was certified on {plan.certified_on}, after "
                    f"the deadline {deadline} ({since}): file the physician's reason for the "
                    "delayed certification with the claims."
                )
            elif ctx.as_of > deadline:
                message = (
                    f"{pid}'s plan of care {plan.id} is not certified: it was due by {deadline} "
                    f"({since}). Get the physician's dated signature with the reason for the "
                    "delay, or (dates of service from 2025) file the signed order and proof the "
                    "plan was sent within 30 days."
                )
            else:
                severity = "warning"
                message = (
                    f"Certify {pid}'s plan of care {plan.id} by {deadline} ({since}): get the "
                    "physician's dated signature, or file the signed order and proof the plan "
                    "was sent."
                )
            yield about(
                first, "CERT_LATE", severity, message, profile.cite("cert_within_days"), payer
            ).model_copy(update={"date": deadline})


def _treatment_days(sessions: list[Dated]) -> list[Dated]:
    """The first attended session of each distinct date, in date order."""
    out: list[Dated] = []
    for s in sessions:
        if s.attended and (not out or out[-1].date != s.date):
            out.append(s)
    return out


@check("PROGRESS_REPORT_DUE")
def progress_report_due(ctx: AuditContext) -> Iterator[Finding]:
    """The date of the Nth treatment day (``progress_report_every_visits``) since the last
    progress report written by a role in ``progress_report_writer_roles`` (an OTA's report does
    not reset the count; before any report the count starts at the first treatment day).

    Error when a held treatment day followed the due date without a report (one per missed
    report: the count then restarts after the due date, as if it had been written then);
    warning for the first due date on a planned day, or passed with no treatment day held since.
    Only the first warning is given: later due dates depend on when that report is written.
    A profile with ``progress_report_every_visits`` 0 asks for no report.
    """
    reports: dict[str, list[ProgressReport]] = {}
    for r in sorted(ctx.records.progress_reports, key=lambda r: r.date):
        reports.setdefault(r.participant, []).append(r)
    for pid, sessions in ctx.by_participant.items():
        mine = reports.get(pid, [])
        count, ri = 0, 0
        due: _Due | None = None
        since = "since treatment began"
        ignored: list[ProgressReport] = []
        for s in _treatment_days(sessions):
            payer, profile = _payer_profile(ctx, s)
            if profile is None or profile("progress_report_every_visits") <= 0:
                continue
            writers: list[str] = profile("progress_report_writer_roles")
            while ri < len(mine) and mine[ri].date < s.date:
                r = mine[ri]
                ri += 1
                if ctx.role.get(r.written_by) in writers:
                    count, due, since, ignored = 0, None, f"since the last one on {r.date}", []
                else:
                    ignored.append(r)
            count += 1
            if due is not None:
                yield _report_finding(ctx, due, s)
                if s.held is None:
                    break
                count, since, ignored = 1, f"since {due.day.date}, when one was due", []
                due = None
            if count >= profile("progress_report_every_visits"):
                due = _Due(s, count, since, tuple(ignored), tuple(writers), payer, profile)
                if s.held is None:
                    yield _report_finding(ctx, due, None)
                    break
        else:
            later = mine[ri:]  # written after the last treatment day
            if due is not None and not any(
                ctx.role.get(r.written_by) in due.writers for r in later
            ):
                yield _report_finding(ctx, due, None)


@dataclass(frozen=True)
class _Due:
    """The treatment day a progress report is due, and what the message says about it."""

    day: Dated
    nth: int
    since: str
    ignored: tuple[ProgressReport, ...]
    writers: tuple[str, ...]
    payer: str | None
    profile: Profile


def _report_finding(ctx: AuditContext, due: _Due, after: Dated | None) -> Finding:
    """``after`` is the treatment day past the due date (None: there is none, or the due day is
    itself planned)."""
    s = due.day
    pid = s.participant
    who = _an(due.writers)
    head = f"the {ordinal(due.nth)} treatment day {due.since}"
    severity: Severity = "warning"
    site = s
    if after is not None and after.held is not None:
        severity, site = "error", after
        message = (
            f"{pid}'s progress report was due by {s.date}, {head}; the session of {after.date} "
            f"was held without it: {who} must write it now."
        )
    elif s.held is not None:
        nxt = f" before the next session on {after.date}" if after is not None else " now"
        message = f"{pid}'s progress report was due by {s.date}, {head}: {who} must write it{nxt}."
    else:
        message = (
            f"{pid}'s progress report is due by {s.date}, {head}: {who} must write it by then."
        )
    if due.ignored:
        listed = ", ".join(
            f"{r.date} by {r.written_by} ({ctx.role.get(r.written_by, 'unknown role')})"
            for r in due.ignored
        )
        message += f" The report(s) of {listed} do not count: {who} must write it."
    return about(
        site,
        "PROGRESS_REPORT_DUE",
        severity,
        message,
        due.profile.cite("progress_report_every_visits"),
        due.payer,
    ).model_copy(update={"date": s.date})


@check("NOTE_MISSING")
def note_missing(ctx: AuditContext) -> Iterator[Finding]:
    """An attended held session without a note (absent/excused sessions need none)."""
    for s in _held_attended(ctx):
        if s.held is not None and s.held.note is None:
            payer, _ = _payer_profile(ctx, s)
            yield about(
                s,
                "NOTE_MISSING",
                "error",
                f"Write the treatment note for {s.participant}'s session of {s.date} (section "
                f"{s.section or 'none'}): interventions, timed and total minutes, the goals "
                "addressed, signed by whoever furnished it.",
                NOTE_RULE,
                payer,
            )


@check("NOTE_UNSIGNED")
def note_unsigned(ctx: AuditContext) -> Iterator[Finding]:
    """An attended held session whose note has no ``signed_on``."""
    for s in _held_attended(ctx):
        note = s.held.note if s.held is not None else None
        if note is None or note.signed_on is not None:
            continue
        payer, profile = _payer_profile(ctx, s)
        days = profile("note_signed_within_days") if profile else None
        by = f" (due by {s.date + timedelta(days=days)})" if days is not None else ""
        yield about(
            s,
            "NOTE_UNSIGNED",
            "error",
            f"{note.written_by} must sign the note for {s.participant}'s session of {s.date}"
            f"{by} before it is billed.",
            profile.cite("note_signed_within_days") if profile else NOTE_RULE,
            payer,
        )


@check("NOTE_LATE")
def note_late(ctx: AuditContext) -> Iterator[Finding]:
    """A note signed more than ``note_signed_within_days`` after its session."""
    for s in _held_attended(ctx):
        note = s.held.note if s.held is not None else None
        if note is None or note.signed_on is None:
            continue
        payer, profile = _payer_profile(ctx, s)
        if profile is None:
            continue
        days = profile("note_signed_within_days")
        late = (note.signed_on - s.date).days
        if late > days:
            yield about(
                s,
                "NOTE_LATE",
                "error",
                f"The note for {s.participant}'s session of {s.date} was signed on "
                f"{note.signed_on}, {late} days later (the profile allows {days}): add a dated "
                "late-entry statement explaining the delay.",
                profile.cite("note_signed_within_days"),
                payer,
            )


@check("COSIGN_MISSING")
def cosign_missing(ctx: AuditContext) -> Iterator[Finding]:
    """A note whose author's role is in ``cosign_required_for`` lacks a co-signature (by someone
    other than the author) within ``cosign_within_days``: error once late, warning while the
    window is still open at ``as_of``."""
    for s in _held_attended(ctx):
        note = s.held.note if s.held is not None else None
        if note is None:
            continue
        payer, profile = _payer_profile(ctx, s)
        role = ctx.role.get(note.written_by)
        if profile is None or role not in profile("cosign_required_for"):
            continue
        days = profile("cosign_within_days")
        deadline = s.date + timedelta(days=days)
        signed = note.cosigned_on is not None and note.cosigned_by not in {None, note.written_by}
        what = f"the note {role} {note.written_by} wrote for {s.participant}'s session of {s.date}"
        severity: Severity = "error"
        if signed:
            assert note.cosigned_on is not None
            if note.cosigned_on <= deadline:
                continue
            message = (
                f"The supervising OT co-signed {what} on {note.cosigned_on}, after the deadline "
                f"{deadline} ({days} days): document the reason for the late co-signature."
            )
        elif ctx.as_of > deadline:
            message = (
                f"The supervising OT must co-sign {what}: it was due by {deadline} ({days} days)."
            )
        else:
            severity = "warning"
            message = f"The supervising OT must co-sign {what} by {deadline}."
        yield about(
            s, "COSIGN_MISSING", severity, message, profile.cite("cosign_required_for"), payer
        )


@check("GOAL_NOT_LINKED")
def goal_not_linked(ctx: AuditContext) -> Iterator[Finding]:
    """An attended held session's note names no goal of the plan of care in force that day
    (a missing note or plan is NOTE_MISSING's or POC_MISSING's)."""
    for pid, sessions in ctx.by_participant.items():
        plans = ctx.plans(pid)
        for s in sessions:
            note = s.held.note if s.held is not None else None
            if note is None or not s.attended:
                continue
            plan = _active_plan(plans, s.date)
            if plan is None:
                continue
            goals = [g.id for g in plan.goals]
            if set(note.goal_ids) & set(goals):
                continue
            named = (
                f"names goal(s) {', '.join(note.goal_ids)}, none of them in"
                if note.goal_ids
                else "names no goal of"
            )
            offered = f" ({', '.join(goals)})" if goals else " (the plan lists no goal yet)"
            payer, _ = _payer_profile(ctx, s)
            yield about(
                s,
                "GOAL_NOT_LINKED",
                "error",
                f"The note for {pid}'s session of {s.date} {named} plan {plan.id}: link the "
                f"interventions to the plan's goals{offered}.",
                "billing-facts §3 [S2][S35a]: group notes link each patient's skilled "
                "interventions to the goals of their plan of care",
                payer,
            )
