"""Payer checks: the billed payer recognizes the code, pays it outside a per diem, and the
participant's benefit with that payer was verified.

The small helpers here (who a session bills, grouping planned sessions) are shared by the
authorization and claims checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from audit.checks import about, check
from audit.context import AuditContext, Dated
from audit.findings import Finding, Severity
from audit.profile import Profile
from models.records import Coverage, Payer

PER_DIEM_SETTINGS = frozenset({"PHP", "IOP"})

NO_COVERAGE_RULE = (
    "audit.md BENEFIT_UNVERIFIED (billing-facts §7 [S5][S35]): verify benefits, including any "
    "behavioral-health carve-out, before a group series starts"
)


def severity_of(s: Dated) -> Severity:
    """Held sessions are denied already (error); planned ones will be (warning)."""
    return "error" if s.held is not None else "warning"


def sessions_phrase(n: int) -> str:
    return f"{n} session" if n == 1 else f"{n} sessions"


def billing(ctx: AuditContext) -> Iterator[tuple[Dated, Payer, Profile]]:
    """Every session with a payer to bill, with that payer and its profile, in session order."""
    for s in ctx.sessions:
        found = ctx.profile_for(s)
        if found is not None:
            yield s, found[0], found[1]


def dated(finding: Finding, day: date) -> Finding:
    """The same finding about another date (a due date rather than the session's)."""
    return finding.model_copy(update={"date": day})


def _recognizing(ctx: AuditContext, s: Dated, code: str, billed: Payer) -> list[str]:
    """Other payers covering the participant that day whose profile recognizes ``code``."""
    out = []
    for c in ctx.coverages(s.participant, s.date):
        payer = ctx.payers[c.payer]
        if payer.id != billed.id and code in ctx.profile(payer)("recognized_codes"):
            out.append(payer.id)
    return list(dict.fromkeys(out))


def _misroute(payer: Payer) -> str:
    return " (behavioral-health carve-out misroute)" if payer.kind == "mbho" else ""


@check("PAYER_CODE_NOT_RECOGNIZED")
def payer_code_not_recognized(ctx: AuditContext) -> Iterator[Finding]:
    """A billed or planned code the billed payer's profile does not recognize: held lines one
    by one (error); planned sessions once per participant, code and payer (warning)."""
    planned: dict[tuple[str, str, str], list[Dated]] = {}
    payer_of: dict[str, tuple[Payer, Profile]] = {}
    for s, payer, prof in billing(ctx):
        known = set(prof("recognized_codes"))
        for code in dict.fromkeys(line.code for line in s.lines if line.code not in known):
            if s.held is None:
                planned.setdefault((s.participant, code, payer.id), []).append(s)
                payer_of[payer.id] = (payer, prof)
                continue
            others = _recognizing(ctx, s, code, payer)
            to = (
                f"rebill it to {' or '.join(others)}"
                if others
                else f"confirm which plan pays {code} for {s.participant} and rebill it there"
            )
            yield about(
                s,
                "PAYER_CODE_NOT_RECOGNIZED",
                "error",
                f"{s.participant}'s {code} line of {s.date} (session {s.session}) went to "
                f"{payer.id}, which does not recognize {code}{_misroute(payer)}: {to}.",
                prof.cite("recognized_codes"),
                payer.id,
            )
    for (pid, code, payer_id), group in planned.items():
        payer, prof = payer_of[payer_id]
        first = group[0]
        others = _recognizing(ctx, first, code, payer)
        to = (
            f"route them to {' or '.join(others)}"
            if others
            else f"confirm which plan pays {code} for {pid}"
        )
        yield about(
            first,
            "PAYER_CODE_NOT_RECOGNIZED",
            "warning",
            f"{sessions_phrase(len(group))} planned for {pid} from {first.date} would bill {code} "
            f"to {payer_id}, which does not recognize it{_misroute(payer)}: {to} before "
            f"{first.date}.",
            prof.cite("recognized_codes"),
            payer_id,
        )


@check("BUNDLED_IN_PER_DIEM")
def bundled_in_per_diem(ctx: AuditContext) -> Iterator[Finding]:
    """A separate line, on a held PHP/IOP session, whose code the payer pays inside its per
    diem (error)."""
    for s, payer, prof in billing(ctx):
        if s.held is None or s.setting not in PER_DIEM_SETTINGS:
            continue
        bundled = set(prof("bundled_codes"))
        program_code = prof("group_code").get(s.setting)
        for code in dict.fromkeys(line.code for line in s.lines if line.code in bundled):
            instead = (
                f"OT in a {s.setting} program is billed as {program_code}"
                if program_code and program_code not in bundled
                else "OT is part of the per-diem rate"
            )
            yield about(
                s,
                "BUNDLED_IN_PER_DIEM",
                "error",
                f"Remove the separate {code} line from {s.participant}'s {s.setting} session of "
                f"{s.date} (session {s.session}): {payer.id} pays that day as a per diem that "
                f"includes it, the wrong code set for {s.setting} ({instead}).",
                prof.cite("bundled_codes"),
                payer.id,
            )


def _last_verified(covs: list[Coverage], day: date) -> date | None:
    return max(
        (c.verified_on for c in covs if c.verified_on and c.verified_on <= day), default=None
    )


@check("BENEFIT_UNVERIFIED")
def benefit_unverified(ctx: AuditContext) -> Iterator[Finding]:
    """Per participant and billed payer: coverage not verified within the profile's window
    before the first planned session billed to it (the contract's test; the first held one when
    nothing is planned), or verified under a benefit the profile does not pay OT from. Error
    when the session is already held, warning before it."""
    for pid, sessions in ctx.by_participant.items():
        by_payer: dict[str, list[Dated]] = {}
        uncovered: list[Dated] = []
        for s in sessions:
            if s.held is not None and not s.lines:
                continue  # nothing billed, nothing to verify
            payer = ctx.payer_for(s)
            if payer is None:
                uncovered.append(s)
            else:
                by_payer.setdefault(payer.id, []).append(s)
        if uncovered:
            first = uncovered[0]
            yield about(
                first,
                "BENEFIT_UNVERIFIED",
                severity_of(first),
                f"No coverage is on file for {pid} on {first.date} "
                f"({sessions_phrase(len(uncovered))} from then): verify benefits and record "
                "the payer before billing.",
                NO_COVERAGE_RULE,
            )
        for payer_id, group in by_payer.items():
            yield from _verification(ctx, pid, ctx.payers[payer_id], group)


def _verification(
    ctx: AuditContext, pid: str, payer: Payer, group: list[Dated]
) -> Iterator[Finding]:
    """The findings for one participant's sessions billed to one payer (date order)."""
    prof = ctx.profile(payer)
    planned = [s for s in group if s.held is None]
    first = planned[0] if planned else group[0]
    covs = [c for c in ctx.coverages(pid, first.date) if c.payer == payer.id]
    window = prof("verification_valid_days")
    verified = _last_verified(covs, first.date)
    if verified is None or (first.date - verified).days > window:
        last = f"last verified {verified}" if verified else "never verified"
        if first.held is not None:
            message = (
                f"{pid}'s benefits with {payer.id} were not verified within {window} days "
                f"before the first session billed to it, {first.date} ({last}): verify them "
                "now, before the claims are worked."
            )
        else:
            message = (
                f"Verify {pid}'s benefits with {payer.id} before {first.date} ({last}; a "
                f"verification holds {window} days): "
                f"{sessions_phrase(len(planned))} are planned from then."
            )
        yield about(
            first,
            "BENEFIT_UNVERIFIED",
            severity_of(first),
            message,
            prof.cite("verification_valid_days"),
            payer.id,
        )
    paying = prof("paying_benefit")
    benefits = sorted({c.benefit for c in covs})
    if benefits and paying not in benefits:
        held = [s for s in group if s.held is not None]
        at = held[0] if held else first
        then = (
            f"and rebill the sessions from {at.date} if it is another"
            if held
            else f"before {at.date}"
        )
        yield about(
            at,
            "BENEFIT_UNVERIFIED",
            severity_of(at),
            f"{pid}'s coverage with {payer.id} is the {' and '.join(benefits)} benefit, but "
            f"its OT codes are paid under the {paying} benefit: confirm which plan pays OT for "
            f"{pid} (carve-out) {then}.",
            prof.cite("paying_benefit"),
            payer.id,
        )
