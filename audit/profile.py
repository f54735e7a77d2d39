"""Payer rule profiles: versioned TOML files of values, each with its source.

A profile (``audit/profiles/<name>.toml``) is data a practice can read, copy and edit::

    name = "medicare-part-b"
    title = "Medicare Part B: outpatient OT under an OT plan of care"
    version = "2026-11-29"

    [values.cert_within_days]
    value = 30
    source = "billing-facts §3, §6 [S1]: certification within 30 days of the first treatment day"

    [values.kx_threshold]
    value = { 2024 = 2330, 2025 = 2410, 2026 = 2480 }   # keyed by year
    source = "..."
    confirmed = false                                   # UNCONFIRMED in the facts sheet

Every value the checks read is declared once in :data:`VALUE_TYPES`, so a misspelt or mistyped
value in a file is an input error naming the file and the value, not a silent default. A payer in
the records names a profile and may override any value; an override is reported as the payer's.
"""

from __future__ import annotations

import tomllib
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from models.errors import ContractError, Problem, problems_from_validation
from models.records import Payer, Records

PROFILE_DIR = Path(__file__).parent / "profiles"

CodeList = list[str]
VALUE_TYPES: dict[str, Any] = {
    "recognized_codes": CodeList,
    "group_code": dict[str, str],
    "bundled_codes": CodeList,
    "paying_benefit": str,
    "always_therapy_codes": CodeList,
    "discipline_modifier": str,  # "": none required
    "wrong_discipline_modifiers": CodeList,
    "assistant_modifier": str,  # "": none required
    "assistant_roles": CodeList,
    "threshold_modifier": str,  # "": none required
    "kx_threshold": dict[str, float],  # year → dollars; {}: no threshold
    "review_threshold": dict[str, float],  # year → dollars; {}: no review level
    "cert_within_days": int,
    "recert_every_days": int,
    "progress_report_every_visits": int,
    "progress_report_writer_roles": CodeList,
    "note_signed_within_days": int,
    "cosign_required_for": CodeList,
    "cosign_within_days": int,
    "requires_auth": bool,
    "max_group_size": int,  # 0: no cap (TOML has no null)
    "min_minutes": dict[str, int],
    "timed_codes": CodeList,
    "unit_minutes": int,
    "ptp_pairs": list[dict[str, Any]],
    "distinct_modifiers": CodeList,
    "timely_filing_days": int,
    "timely_filing_warn_share": float,
    "verification_valid_days": int,
    "psychotherapy_codes": CodeList,
    "psychotherapy_ineligible_roles": CodeList,
}
"""Every profile value the checks read, and its type."""


class ProfileValue(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt ``confirmed`` must not pass silently

    value: Any
    source: str = Field(min_length=1, description="Where the value comes from (facts sheet)")
    confirmed: bool = Field(default=True, description="False: UNCONFIRMED in the facts sheet")
    note: str = ""


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    title: str = ""
    version: str = ""
    values: dict[str, ProfileValue]
    overridden_by: str | None = None
    """Payer id whose overrides are applied, if any."""

    def __call__(self, name: str) -> Any:
        """The value ``name`` (KeyError for a name no profile declares)."""
        return self.values[name].value

    def for_year(self, name: str, day: date) -> float | None:
        """A yearly value for ``day``'s year; the latest earlier year if that year is missing."""
        table = {int(k): v for k, v in self(name).items()}
        years = [y for y in table if y <= day.year]
        return table[max(years)] if years else None

    def year_is_known(self, name: str, day: date) -> bool:
        return str(day.year) in self(name)

    def cite(self, name: str) -> str:
        """``medicare-part-b.cert_within_days (source; UNCONFIRMED)`` for a finding's ``rule``."""
        v = self.values[name]
        who = (
            f" — overridden by payer {self.overridden_by}" if v.source.startswith("payer ") else ""
        )
        flag = "; UNCONFIRMED, verify with the payer" if not v.confirmed else ""
        return f"{self.name}.{name} ({v.source}{flag}){who}"


def _check_values(values: dict[str, ProfileValue], complete: bool = True) -> list[Problem]:
    """Problems with ``values`` (``complete``: every declared name must be there); each valid
    entry's value is replaced by its validated form (``"14"`` → 14, ``"false"`` → False), so a
    check never reads a string where it expects a number or a flag."""
    problems = []
    for name, entry in values.items():
        if name not in VALUE_TYPES:
            problems.append(Problem(f"values.{name}", "not a value any check reads"))
            continue
        try:
            entry.value = TypeAdapter(VALUE_TYPES[name]).validate_python(entry.value)
        except ValidationError as exc:
            for p in problems_from_validation(exc):
                problems.append(Problem(_join(f"values.{name}.value", p.path), p.message))
    missing = sorted(set(VALUE_TYPES) - set(values)) if complete else []
    problems.extend(Problem(f"values.{name}", "missing") for name in missing)
    return problems


def parse_profile(data: dict[str, Any], source: str) -> Profile:
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        raise ContractError(source, problems_from_validation(exc)) from None
    problems = _check_values(profile.values)
    if problems:
        raise ContractError(source, problems)
    return profile


@cache
def load_profile(name: str) -> Profile:
    """A shipped profile by name (``audit/profiles/<name>.toml``)."""
    path = PROFILE_DIR / f"{name}.toml"
    if name not in profile_names():  # also keeps "../x" from reading outside the directory
        known = ", ".join(sorted(profile_names()))
        raise ContractError(str(path), [Problem("", f"no rule profile {name!r} (known: {known})")])
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ContractError(str(path), [Problem("", f"not valid TOML: {exc}")]) from None
    return parse_profile(data, str(path))


def profile_names() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.toml"))


def payer_profile(payer: Payer, path: str = "payers") -> Profile:
    """The payer's profile with its overrides applied; overrides are type-checked too. A
    :class:`ContractError` names ``path`` (where the payer is) and the rule inside it."""
    if payer.rules.profile not in profile_names():
        known = ", ".join(profile_names())
        message = f"no rule profile {payer.rules.profile!r} (known: {known})"
        raise ContractError(path, [Problem("rules.profile", message)])
    base = load_profile(payer.rules.profile)
    if not payer.rules.overrides:
        return base
    values = dict(base.values)
    overrides: dict[str, ProfileValue] = {}
    for name, value in payer.rules.overrides.items():
        kept = values.get(name)
        overrides[name] = ProfileValue(
            value=value,
            source=f"payer {payer.id} override"
            + (f" of the profile's {kept.source}" if kept is not None else ""),
        )
    problems = _check_values(overrides, complete=False)  # the cached base stays untouched
    if problems:
        raise ContractError(path, [_override_problem(p) for p in problems])
    values.update(overrides)
    return base.model_copy(update={"values": values, "overridden_by": payer.id})


def payer_problems(records: Records) -> list[Problem]:
    """Every payer whose rule profile does not exist or whose overrides are mistyped, each
    problem named by its path in the records (``payers[1].rules.overrides.cert_within_days``)."""
    problems: list[Problem] = []
    for index, payer in enumerate(records.payers):
        where = f"payers[{index}]"
        try:
            payer_profile(payer, where)
        except ContractError as exc:
            problems.extend(Problem(_join(where, p.path), p.message) for p in exc.problems)
    return problems


def check_payers(records: Records, source: str) -> None:
    """:class:`ContractError` naming ``source`` (the records) when :func:`payer_problems` finds
    any: checked before an audit runs, so a wrong rule never surfaces half-way through it."""
    problems = payer_problems(records)
    if problems:
        raise ContractError(source, problems)


def _override_problem(p: Problem) -> Problem:
    """``values.x.value.2026`` → ``rules.overrides.x.2026``: an override is the bare value."""
    name, _, rest = p.path.removeprefix("values.").partition(".")
    rest = rest.removeprefix("value").removeprefix(".")
    return Problem(_join(f"rules.overrides.{name}", rest), p.message)


def _join(path: str, sub: str) -> str:
    """``a`` + ``b`` → ``a.b``; ``a`` + ``[0].c`` → ``a[0].c``; ``a`` + ``""`` → ``a``."""
    return path + ("." + sub if sub and not sub.startswith("[") else sub)
