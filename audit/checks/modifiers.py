"""Modifier checks: GO on every OT line, CO when an OTA furnished any part, KX once the year's
OT spend passes the threshold, no wrong-discipline or contradictory modifier, and NCCI
procedure-to-procedure pairs billed the same day.

They read the lines of attended held sessions (an absent or excused session's billed line is
NOT_ATTENDED's finding) and, for the KX projection, the planned sessions' lines.

Year-to-date spend, the one model both MODIFIER_MISSING (KX) and THRESHOLD_KX use:
``ytd_ot_allowed[participant]`` is the OT spend of ``as_of``'s year *at* ``as_of``, the held
sessions of that year included. The spend just after a line is therefore
``ytd - (fees of that year's held lines) + (fees of that year's lines up to and including it)``,
floored at the records' own sum when the records hold more than ``ytd`` (a missing ``ytd`` is
0: the records are then a lower bound). Other years start from 0. A line's fee is
``fees[code] × units`` (an unknown code costs 0); only ``always_therapy_codes`` lines of payers
whose ``kx_threshold`` table is non-empty count. A line needs KX when the spend including it
exceeds the year's threshold (the line that crosses it is partly above the threshold too).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations, groupby

from audit.checks import about, check
from audit.context import AuditContext, Dated
from audit.findings import Finding
from audit.profile import Profile
from models.records import Line


def money(value: float) -> str:
    """$2,480 or $2,480.50."""
    return f"${value:,.0f}" if float(value).is_integer() else f"${value:,.2f}"


def yearly(profile: Profile, name: str, s: Dated, what: str) -> tuple[float, str] | None:
    """A yearly profile value for the session's year and, when the profile lacks that year, the
    clause saying which earlier year's value stands in (None: no year at or before it)."""
    value = profile.for_year(name, s.date)
    if value is None:
        return None
    if profile.year_is_known(name, s.date):
        return value, ""
    used = max(int(y) for y in profile(name) if int(y) <= s.date.year)
    return value, f"{s.date.year} {what} not in the profile; using {used}'s {money(value)}"


def _paren(note: str) -> str:
    return f" ({note})" if note else ""


def _semi(note: str) -> str:
    return f"; {note}" if note else ""


@dataclass(frozen=True)
class Step:
    """One therapy line in the year-to-date spend: the spend including it."""

    session: Dated
    line: Line
    spend: float
    payer: str
    profile: Profile


def spend_steps(ctx: AuditContext, sessions: list[Dated]) -> list[Step]:
    """The participant's therapy lines of KX payers in date order, with the spend after each."""
    lines: list[tuple[Dated, Line, float, str, Profile]] = []
    for s in sessions:
        if not s.attended:
            continue
        found = ctx.profile_for(s)
        if found is None or not found[1]("kx_threshold"):
            continue
        payer, profile = found
        therapy = profile("always_therapy_codes")
        for line in s.lines:
            if line.code in therapy:
                fee = ctx.records.fees.get(line.code, 0.0) * line.units
                lines.append((s, line, fee, payer.id, profile))
    if not lines:
        return []
    year = ctx.as_of.year
    held = sum(fee for s, _, fee, _, _ in lines if s.held is not None and s.date.year == year)
    ytd = ctx.records.ytd_ot_allowed.get(lines[0][0].participant, 0.0)
    running = {year: max(0.0, ytd - held)}
    steps = []
    for s, line, fee, payer_id, profile in lines:
        running[s.date.year] = running.get(s.date.year, 0.0) + fee
        steps.append(Step(s, line, running[s.date.year], payer_id, profile))
    return steps


def _held_lines(ctx: AuditContext) -> Iterator[tuple[Dated, Line, str, Profile]]:
    """Every line of an attended held session, with the payer billed and its profile."""
    for sessions in ctx.by_participant.values():
        for s in sessions:
            if s.held is None or not s.attended or not s.lines:
                continue
            found = ctx.profile_for(s)
            if found is None:
                continue
            for line in s.lines:
                yield s, line, found[0].id, found[1]


@check("MODIFIER_MISSING")
def modifier_missing(ctx: AuditContext) -> Iterator[Finding]:
    """On a held ``always_therapy_codes`` line: GO (``discipline_modifier``) absent; CO
    (``assistant_modifier``) absent when a role in ``assistant_roles`` furnished any part of the
    session; KX (``threshold_modifier``) absent once the year-to-date spend including the line
    passes ``kx_threshold``. One finding per missing modifier per line.

    A missing 59/XE/XU on an indicator-1 NCCI pair is NCCI_PAIR's finding (one per pair and
    day, naming the modifier to add), never this check's.
    """
    for s, line, payer, profile in _held_lines(ctx):
        if line.code not in profile("always_therapy_codes"):
            continue
        pid, mods = s.participant, set(line.modifiers)
        where = f"{pid}'s {line.code} line of {s.date}"
        go = profile("discipline_modifier")
        if go and go not in mods:
            yield about(
                s,
                "MODIFIER_MISSING",
                "error",
                f"Add {go} to {where}: every line under an OT plan of care carries {go}, or it "
                "is denied.",
                profile.cite("discipline_modifier"),
                payer,
            )
        co = profile("assistant_modifier")
        assistants = [
            f"{sid} ({ctx.role[sid]})"
            for sid in s.staff
            if ctx.role.get(sid) in profile("assistant_roles")
        ]
        if co and assistants and co not in mods:
            yield about(
                s,
                "MODIFIER_MISSING",
                "error",
                f"Add {co} to {where}: {', '.join(assistants)} furnished the session in whole or "
                f"in part, so it is billed as an assistant's service ({co} with {go or 'GO'}).",
                profile.cite("assistant_modifier"),
                payer,
            )
    for sessions in ctx.by_participant.values():
        for step in spend_steps(ctx, sessions):
            s, profile = step.session, step.profile
            kx = profile("threshold_modifier")
            if s.held is None or not kx or kx in step.line.modifiers:
                continue
            found = yearly(profile, "kx_threshold", s, "threshold")
            if found is None or step.spend <= found[0]:
                continue
            yield about(
                s,
                "MODIFIER_MISSING",
                "error",
                f"Add {kx} to {s.participant}'s {step.line.code} line of {s.date}: year-to-date OT "
                f"spend reaches {money(step.spend)} with it, past the {money(found[0])} "
                f"threshold{_paren(found[1])}; the notes must support medical necessity.",
                profile.cite("kx_threshold"),
                step.payer,
            )


@check("MODIFIER_INVALID")
def modifier_invalid(ctx: AuditContext) -> Iterator[Finding]:
    """On a held line: a ``wrong_discipline_modifiers`` entry (GP, GN, CQ) on an OT line, the
    assistant modifier (CO) without the discipline modifier (GO), or 59 together with an X
    modifier of ``distinct_modifiers``. One finding per problem per line."""
    for s, line, payer, profile in _held_lines(ctx):
        pid, mods = s.participant, line.modifiers
        where = f"{pid}'s {line.code} line of {s.date}"
        go, co = profile("discipline_modifier"), profile("assistant_modifier")
        if line.code in profile("always_therapy_codes"):
            for m in mods:
                if m in profile("wrong_discipline_modifiers"):
                    yield about(
                        s,
                        "MODIFIER_INVALID",
                        "error",
                        f"Replace {m} on {where} with {go}: {m} belongs to a PT or SLP plan of "
                        f"care (or a PTA); an OT plan-of-care line carries {go}.",
                        profile.cite("wrong_discipline_modifiers"),
                        payer,
                    )
            if co and go and co in mods and go not in mods:
                yield about(
                    s,
                    "MODIFIER_INVALID",
                    "error",
                    f"{where.capitalize()} carries {co} without {go}: {co} is only valid with "
                    f"{go}; add {go}.",
                    profile.cite("assistant_modifier"),
                    payer,
                )
        xs = [m for m in mods if m in profile("distinct_modifiers") and m.startswith("X")]
        if "59" in mods and xs:
            yield about(
                s,
                "MODIFIER_INVALID",
                "error",
                f"{where.capitalize()} carries 59 and {', '.join(xs)}: keep the X modifier and "
                "drop 59 (never both on one line).",
                profile.cite("distinct_modifiers"),
                payer,
            )


@check("THRESHOLD_KX")
def threshold_kx(ctx: AuditContext) -> Iterator[Finding]:
    """Projecting the year-to-date spend over the planned sessions (see the module docstring):
    the first planned session whose lines need KX, and the first that passes the targeted
    medical-review threshold (``review_threshold``), per participant and year (warnings). Only
    for payers whose ``kx_threshold`` table is non-empty."""
    for sessions in ctx.by_participant.values():
        warned: set[tuple[str, int]] = set()
        for step in spend_steps(ctx, sessions):
            s, profile = step.session, step.profile
            if s.held is not None:
                continue
            kx = yearly(profile, "kx_threshold", s, "threshold")
            if kx is not None and step.spend > kx[0] and ("kx", s.date.year) not in warned:
                warned.add(("kx", s.date.year))
                yield about(
                    s,
                    "THRESHOLD_KX",
                    "warning",
                    f"From {s.date} {s.participant}'s lines need "
                    f"{profile('threshold_modifier') or 'KX'}: year-to-date OT spend passes "
                    f"{money(kx[0])} (projected {money(step.spend)} with that session"
                    f"{_semi(kx[1])}); add it and make sure each note supports medical necessity.",
                    profile.cite("kx_threshold"),
                    step.payer,
                )
            review = yearly(profile, "review_threshold", s, "review threshold")
            if (
                review is not None
                and step.spend > review[0]
                and ("review", s.date.year) not in warned
            ):
                warned.add(("review", s.date.year))
                yield about(
                    s,
                    "THRESHOLD_KX",
                    "warning",
                    f"From {s.date} {s.participant}'s year-to-date OT spend passes "
                    f"{money(review[0])}, the targeted medical-review level (projected "
                    f"{money(step.spend)}{_semi(review[1])}): expect review, and keep goals, "
                    "progress and medical necessity documented.",
                    profile.cite("review_threshold"),
                    step.payer,
                )


@check("NCCI_PAIR")
def ncci_pair(ctx: AuditContext) -> Iterator[Finding]:
    """Two codes billed for one participant on one date (attended held sessions) that form a
    ``ptp_pairs`` pair: indicator 0, never billable together (error); indicator 1, an error
    unless a line of either code carries one of ``distinct_modifiers``; indicator 9 (edit
    deleted) is ignored. One finding per pair and day, on the session of the pair's second
    code. Whether the separate time blocks a modifier attests are real (group and one-on-one
    in the same clock time, scenario 11) is UNITS_EXCEED_TIME's finding.
    """
    for sessions in ctx.by_participant.values():
        held = [s for s in sessions if s.held is not None and s.attended and s.lines]
        for day, group in groupby(held, key=lambda s: s.date):
            day_sessions = list(group)
            found = ctx.profile_for(day_sessions[0])
            if found is None:
                continue
            payer, profile = found
            billed: dict[str, list[tuple[Dated, Line]]] = {}
            for s in day_sessions:
                for line in s.lines:
                    billed.setdefault(line.code, []).append((s, line))
            distinct = profile("distinct_modifiers")
            pairs = [
                (entry, codes)
                for entry in profile("ptp_pairs")
                for codes in combinations(entry.get("codes", []), 2)
            ]
            for pair, (a, b) in pairs:
                indicator = int(pair.get("indicator", 1))
                if a not in billed or b not in billed or indicator == 9:
                    continue
                both = billed[a] + billed[b]
                if indicator == 1 and any(m in distinct for _, ln in both for m in ln.modifiers):
                    continue
                s = billed[b][0][0]
                pid = s.participant
                if indicator == 0:
                    message = (
                        f"{a} and {b} are both billed for {pid} on {day}: the pair is never "
                        f"payable together (NCCI indicator 0); bill only the one the note "
                        "supports."
                    )
                else:
                    groups = set(profile("group_code").values())
                    grouped = a if a in groups else b if b in groups else None
                    other = b if grouped == a else a
                    fix = (
                        f"if the one-on-one minutes were inside the group, bill {grouped} alone"
                        if grouped
                        else "otherwise bill only one of them"
                    )
                    message = (
                        f"{a} and {b} are both billed for {pid} on {day} without a "
                        f"distinct-service modifier: add {'/'.join(_preferred(distinct))} to the "
                        f"{other} line only if the note shows separate time blocks; {fix}."
                    )
                rule = profile.cite("ptp_pairs")
                if not pair.get("confirmed", profile.values["ptp_pairs"].confirmed):
                    rule += f"; the pair {a}+{b} is UNCONFIRMED: check the current CMS PTP file"
                yield about(s, "NCCI_PAIR", "error", message, rule, payer.id)


def _preferred(distinct: list[str]) -> list[str]:
    """XE and XU first (CMS prefers the specific X modifiers), then 59."""
    order = {"XE": 0, "XU": 1, "59": 2}
    return sorted((m for m in distinct if m in order), key=order.__getitem__) or distinct
