"""Plan-of-care checks: a plan covers every session, it is recertified in time, goals measure."""

from __future__ import annotations

from collections.abc import Iterator

from audit.checks import about, check
from audit.context import AuditContext
from audit.findings import Finding, Severity


@check("POC_MISSING")
def poc_missing(ctx: AuditContext) -> Iterator[Finding]:
    """Sessions with no OT plan of care started by their date: once for those already held
    (error, dated at the first) and once for those planned (warning)."""
    for pid, sessions in ctx.by_participant.items():
        plans = ctx.plans(pid)
        uncovered = [
            s for s in sessions if s.attended and not any(p.start <= s.date for p in plans)
        ]
        for held in (True, False):
            group = [s for s in uncovered if (s.held is not None) == held]
            if not group:
                continue
            found = ctx.profile_for(group[0])
            severity: Severity = "error" if held else "warning"
            what = "were held" if held else "are planned"
            yield about(
                group[0],
                "POC_MISSING",
                severity,
                f"Write and certify an OT plan of care for {pid}: {len(group)} session(s) "
                f"{what} without one, from {group[0].date}.",
                "Medicare Benefit Policy Manual ch. 15 §220.1.2 (billing-facts §3 [S1]): "
                "services are furnished under a certified plan of care",
                found[0].id if found else None,
            )


@check("RECERT_DUE")
def recert_due(ctx: AuditContext) -> Iterator[Finding]:
    """Sessions after the plan's ``cert_end``: recertify by that date (planned: warning; held
    after it: error), once per plan."""
    for pid, sessions in ctx.by_participant.items():
        plans = sorted(ctx.plans(pid), key=lambda p: p.start)
        for plan in plans:
            later = [p for p in plans if p.start > plan.start]
            until = min((p.start for p in later), default=None)
            after = [
                s
                for s in sessions
                if s.attended and s.date > plan.cert_end and (until is None or s.date < until)
            ]
            if not after:
                continue
            held = [s for s in after if s.held is not None]
            first = after[0]
            found = ctx.profile_for(first)
            rule = (
                found[1].cite("recert_every_days")
                if found
                else "42 CFR 424.24(c)(4) (billing-facts §3 [S16]): recertify every 90 days"
            )
            n = len(after)
            if held:
                message = (
                    f"{pid}'s plan of care {plan.id} lapsed on {plan.cert_end}; "
                    f"{len(held)} session(s) were held after it: recertify now."
                )
            else:
                message = (
                    f"Recertify {pid}'s plan of care {plan.id} by {plan.cert_end}: "
                    f"{n} session(s) are planned after it lapses."
                )
            yield about(
                first,
                "RECERT_DUE",
                "error" if held else "warning",
                message,
                rule,
                found[0].id if found else None,
            ).model_copy(update={"date": plan.cert_end})


@check("GOAL_NOT_MEASURABLE")
def goal_not_measurable(ctx: AuditContext) -> Iterator[Finding]:
    """A plan's goal lacks a measure, a target or a target date."""
    for plan in ctx.records.plans_of_care:
        for goal in plan.goals:
            lacking = [
                name
                for name, value in (
                    ("a measure", goal.measure),
                    ("a target", goal.target),
                    ("a target date", goal.target_date),
                )
                if not value
            ]
            if lacking:
                yield Finding(
                    code="GOAL_NOT_MEASURABLE",
                    severity="error",
                    participant=plan.participant,
                    date=plan.start,
                    message=(
                        f"Goal {goal.id} of {plan.participant}'s plan {plan.id} lacks "
                        f"{' and '.join(lacking)}: add them before the next progress report."
                    ),
                    rule="42 CFR 410.61 / MBPM ch. 15 §220.1.2 (billing-facts §3 [S18b][S1]): "
                    "long-term goals are measurable",
                )
