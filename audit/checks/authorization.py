"""Authorization checks, for payers whose profile ``requires_auth``: one covers every code of
every attended session, its units last, and it has not ended.

Each uncovered session belongs to exactly one code: AUTH_EXPIRED when an authorization for that
code ended before it, AUTH_MISSING otherwise; AUTH_EXHAUSTED counts units inside the windows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from audit.checks import about, check
from audit.checks.payers import billing, dated, sessions_phrase
from audit.context import AuditContext, Dated
from audit.findings import Finding
from audit.profile import Profile
from models.records import Authorization, Payer


@dataclass(frozen=True)
class Use:
    """One line of one attended session, billed to a payer that requires authorization."""

    s: Dated
    code: str
    units: int
    payer: Payer
    profile: Profile


Key = tuple[str, str]
"""(participant, payer id)."""


def _uses(ctx: AuditContext) -> dict[Key, list[Use]]:
    """Lines needing authorization, per participant and payer, in date order."""
    out: dict[Key, list[Use]] = {}
    for s, payer, prof in billing(ctx):
        if not s.attended or not prof("requires_auth"):
            continue
        for line in s.lines:
            out.setdefault((s.participant, payer.id), []).append(
                Use(s, line.code, line.units, payer, prof)
            )
    return out


def _auths(ctx: AuditContext) -> dict[Key, list[Authorization]]:
    out: dict[Key, list[Authorization]] = {}
    for a in ctx.records.authorizations:
        out.setdefault((a.participant, a.payer), []).append(a)
    for found in out.values():
        found.sort(key=lambda a: (a.end, a.start, a.id))
    return out


def _covering(auths: list[Authorization], code: str, day: date) -> list[Authorization]:
    """Authorizations for ``code`` whose window holds ``day``, soonest ending first."""
    return [a for a in auths if code in a.codes and a.start <= day <= a.end]


def _ended_before(auths: list[Authorization], code: str, day: date) -> Authorization | None:
    """The authorization for ``code`` that ended last before ``day``, if any."""
    ended = [a for a in auths if code in a.codes and a.end < day]
    return ended[-1] if ended else None


def _rule(prof: Profile) -> str:
    return prof.cite("requires_auth")


@check("AUTH_MISSING")
def auth_missing(ctx: AuditContext) -> Iterator[Finding]:
    """No authorization for the code on the date (and none for it ended before): held lines one
    by one (error); planned ones per participant, code and payer from the first date
    (warning)."""
    auths = _auths(ctx)
    for (pid, payer_id), uses in _uses(ctx).items():
        mine = auths.get((pid, payer_id), [])
        planned: dict[str, list[Use]] = {}
        for u in uses:
            day = u.s.date
            if _covering(mine, u.code, day) or _ended_before(mine, u.code, day):
                continue
            if u.s.held is None:
                planned.setdefault(u.code, []).append(u)
                continue
            yield about(
                u.s,
                "AUTH_MISSING",
                "error",
                f"No {payer_id} authorization covers {pid}'s {u.code} of {day} (session "
                f"{u.s.session}){_later(mine, u.code, day)}: request a retro-authorization "
                "before billing it.",
                _rule(u.profile),
                payer_id,
            )
        for code, group in planned.items():
            first = group[0]
            yield about(
                first.s,
                "AUTH_MISSING",
                "warning",
                f"Request {payer_id}'s authorization for {pid}'s {code} before {first.s.date}: "
                f"none covers the {sessions_phrase(len(group))} planned from then"
                f"{_later(mine, code, first.s.date)}.",
                _rule(first.profile),
                payer_id,
            )


def _later(auths: list[Authorization], code: str, day: date) -> str:
    starts = [a for a in auths if code in a.codes and a.start > day]
    if not starts:
        return ""
    a = min(starts, key=lambda a: (a.start, a.id))
    return f" (authorization {a.id} starts only on {a.start})"


@check("AUTH_EXHAUSTED")
def auth_exhausted(ctx: AuditContext) -> Iterator[Finding]:
    """Units counted in date order (held lines' billed units, then 1 per planned session),
    soonest-ending authorization first: per authorization, the first session left without
    units. Error if a held session went beyond the units, warning if planned ones will."""
    auths = _auths(ctx)
    for (pid, payer_id), uses in _uses(ctx).items():
        mine = auths.get((pid, payer_id), [])
        left = {a.id: a.units for a in mine}
        short: dict[str, list[Use]] = {}
        for u in uses:
            covering = _covering(mine, u.code, u.s.date)
            need = u.units
            for a in covering:
                take = min(need, left[a.id])
                left[a.id] -= take
                need -= take
            if covering and need > 0:
                short.setdefault(covering[0].id, []).append(u)
        for a in mine:
            if a.id in short:
                yield _exhausted(a, short[a.id])


def _exhausted(a: Authorization, short: list[Use]) -> Finding:
    held = [u for u in short if u.s.held is not None]
    planned = len(short) - len(held)
    first = held[0] if held else short[0]
    pid, payer_id = a.participant, a.payer
    if held:
        more = f"; {planned} more planned" if planned else ""
        message = (
            f"{pid}'s authorization {a.id} ({a.units} units, {a.start} to {a.end}) ran out "
            f"before {first.s.date}: {sessions_phrase(len(held))} held from then "
            f"{'has' if len(held) == 1 else 'have'} no units{more}. Ask {payer_id} for more "
            "units before billing them."
        )
    else:
        message = (
            f"{pid}'s authorization {a.id} runs out of units on {first.s.date}: "
            f"{sessions_phrase(planned)} {'is' if planned == 1 else 'are'} planned from then to "
            f"{a.end} without units. Ask {payer_id} for more units before {first.s.date}."
        )
    return about(
        first.s,
        "AUTH_EXHAUSTED",
        "error" if held else "warning",
        message,
        _rule(first.profile),
        payer_id,
    )


@check("AUTH_EXPIRED")
def auth_expired(ctx: AuditContext) -> Iterator[Finding]:
    """Sessions of an authorization's codes, not covered by another one, after it ended: held
    ones one by one (error); planned ones once per authorization, dated at its end (warning)."""
    auths = _auths(ctx)
    for (pid, payer_id), uses in _uses(ctx).items():
        mine = auths.get((pid, payer_id), [])
        planned: dict[str, list[Use]] = {}
        for u in uses:
            day = u.s.date
            if _covering(mine, u.code, day):
                continue
            ended = _ended_before(mine, u.code, day)
            if ended is None:
                continue
            if u.s.held is None:
                planned.setdefault(ended.id, []).append(u)
                continue
            yield about(
                u.s,
                "AUTH_EXPIRED",
                "error",
                f"{pid}'s {u.code} of {day} (session {u.s.session}) was held after "
                f"authorization {ended.id} ended on {ended.end}: ask {payer_id} to extend it "
                "before billing.",
                _rule(u.profile),
                payer_id,
            )
        by_id = {a.id: a for a in mine}
        for auth_id, group in planned.items():
            a = by_id[auth_id]
            first = group[0]
            sessions = len({id(u.s) for u in group})
            verb = "ended" if a.end < ctx.as_of else "ends"
            yield dated(
                about(
                    first.s,
                    "AUTH_EXPIRED",
                    "warning",
                    f"Renew {pid}'s authorization {a.id} with {payer_id}: it {verb} on {a.end} "
                    f"and {sessions_phrase(sessions)} {'is' if sessions == 1 else 'are'} "
                    f"planned after it, from {first.s.date}.",
                    _rule(first.profile),
                    payer_id,
                ),
                a.end,
            )
