"""Timed units against the 8-minute rule, per participant and date.

Only one-on-one minutes count toward the timed total (billing-facts §3): minutes of a timed line
that fall in the clock time of a group session the same day (a session billing a
``group_code``, e.g. 97150) are the group's, never one-on-one as well (scenario 11). That case
is reported here, as UNITS_EXCEED_TIME, because it is the timed units that the minutes no
longer support; NCCI_PAIR separately asks for the distinct-service modifier the pair needs.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby

from audit.checks import about, check
from audit.context import AuditContext, Dated
from audit.findings import Finding
from models.common import format_time


def units_for(minutes: int, unit_minutes: int = 15) -> int:
    """Units the 8-minute rule gives for a day's timed minutes: 8–22 → 1, 23–37 → 2, 38–52 → 3
    … for 15-minute units (a unit once more than half of it is reached; under 8 minutes, 0)."""
    return (minutes + (unit_minutes - 1) // 2) // unit_minutes


def _overlap(start: int, end: int, others: list[tuple[int, int]]) -> int:
    """Minutes of [start, end) covered by the union of ``others``."""
    covered, reach = 0, start
    for a, b in sorted(others):
        a, b = max(a, reach), min(b, end)
        if b > a:
            covered += b - a
            reach = b
    return covered


def _meets(s: Dated, g: Dated) -> bool:
    """The two sessions share clock time."""
    return s.start < g.start + g.minutes and g.start < s.start + s.minutes


def _span(s: Dated) -> str:
    return f"{format_time(s.start)}–{format_time(s.start + s.minutes)}"


@check("UNITS_EXCEED_TIME")
def units_exceed_time(ctx: AuditContext) -> Iterator[Finding]:
    """Per participant and date (attended held sessions): the units of ``timed_codes`` lines
    exceed ``units_for`` (``unit_minutes``) of the day's one-on-one timed minutes. A timed
    line's minutes count up to the session's minutes left after its own group line (the whole
    session when that line gives no minutes) and after the clock time it shares with other
    group sessions; a timed line without minutes counts 0 (its units are undocumented)."""
    for sessions in ctx.by_participant.values():
        held = [s for s in sessions if s.held is not None and s.attended and s.lines]
        for day, group in groupby(held, key=lambda s: s.date):
            day_sessions = list(group)
            found = ctx.profile_for(day_sessions[0])
            if found is None:
                continue
            payer, profile = found
            timed = set(profile("timed_codes"))
            group_codes = set(profile("group_code").values())
            unit = profile("unit_minutes")
            with_timed = [s for s in day_sessions if any(ln.code in timed for ln in s.lines)]
            if not with_timed or unit <= 0:
                continue
            groups = [s for s in day_sessions if any(ln.code in group_codes for ln in s.lines)]
            billed = documented = countable = 0
            shared: list[tuple[Dated, list[Dated]]] = []
            for s in with_timed:
                mine = sum(ln.minutes or 0 for ln in s.lines if ln.code in timed)
                billed += sum(ln.units for ln in s.lines if ln.code in timed)
                documented += mine
                own_group = sum(
                    s.minutes if ln.minutes is None else ln.minutes
                    for ln in s.lines
                    if ln.code in group_codes
                )
                others = [g for g in groups if g is not s and _meets(s, g)]
                in_groups = _overlap(
                    s.start, s.start + s.minutes, [(g.start, g.start + g.minutes) for g in others]
                )
                free = max(0, s.minutes - own_group - in_groups)
                countable += min(mine, free)
                if free < mine and (own_group or in_groups):
                    shared.append((s, others))
            allowed = units_for(countable, unit)
            if billed <= allowed:
                continue
            first = with_timed[0]
            pid = first.participant
            listed = ", ".join(
                f"{ln.code} ×{ln.units} ({ln.minutes if ln.minutes is not None else 'no'} min)"
                for s in with_timed
                for ln in s.lines
                if ln.code in timed
            )
            if shared and units_for(documented, unit) >= billed:
                where = "; ".join(
                    f"the {_span(s)} session overlaps the group session(s) "
                    + ", ".join(_span(g) for g in gs)
                    if gs
                    else f"the {_span(s)} session also bills the group"
                    for s, gs in shared
                )
                message = (
                    f"{pid}'s timed lines on {day} ({listed}) claim one-on-one minutes in the "
                    f"same clock time as a group ({where}): the same minutes cannot be billed "
                    f"as one-on-one and group. Bill the group alone, or document separate time "
                    f"blocks; {countable} one-on-one minutes support {allowed} unit(s)."
                )
            else:
                message = (
                    f"{pid}'s timed lines on {day} ({listed}) bill {billed} units for "
                    f"{countable} one-on-one timed minutes; the 8-minute rule allows {allowed}: "
                    "bill that many, assigned to the codes with the most minutes first."
                )
            yield about(
                first, "UNITS_EXCEED_TIME", "error", message, profile.cite("unit_minutes"), payer.id
            )
