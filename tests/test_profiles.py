"""Rule profiles: the shipped files load and cite the facts sheet, UNCONFIRMED values are flagged,
malformed profiles and payer overrides are input errors naming the value, yearly values fall
back to the latest earlier year."""

from __future__ import annotations

import copy
import tomllib
from datetime import date
from typing import Any

import pytest

from audit.profile import (
    PROFILE_DIR,
    VALUE_TYPES,
    check_payers,
    load_profile,
    parse_profile,
    payer_problems,
    payer_profile,
    profile_names,
)
from models.errors import ContractError
from models.records import Payer, Records

SHIPPED = [
    "commercial-generic",
    "mbho-carve-out",
    "medicaid-generic",
    "medicare-part-b",
    "medicare-php-iop",
]
OT_97XXX = ["97150", "97530", "97535", "97165", "97166", "97167", "97168"]


def raw(name: str) -> dict[str, Any]:
    """A shipped profile as parsed TOML, to break on purpose."""
    return tomllib.loads((PROFILE_DIR / f"{name}.toml").read_text(encoding="utf-8"))


def paths(exc: pytest.ExceptionInfo[ContractError]) -> list[str]:
    return [p.path for p in exc.value.problems]


def payer(rules: Any, pid: str = "MCR") -> Payer:
    return Payer.model_validate({"id": pid, "name": "Medicare", "kind": "medicare", "rules": rules})


# -- shipped profiles ------------------------------------------------------------------------


def test_exactly_the_five_shipped_profiles() -> None:
    assert profile_names() == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_profile_loads_with_every_value_sourced(name: str) -> None:
    profile = load_profile(name)
    assert profile.name == name
    assert profile.title and profile.version
    assert set(profile.values) == set(VALUE_TYPES)
    for key, value in profile.values.items():
        assert value.source.strip(), f"{name}.{key} has no source"
        if not value.confirmed:
            assert "UNCONFIRMED" in profile.cite(key)
        else:
            assert "UNCONFIRMED" not in profile.cite(key)


@pytest.mark.parametrize("name", SHIPPED)
def test_sources_cite_the_facts_sheet_or_the_contract(name: str) -> None:
    for key, value in load_profile(name).values.items():
        assert value.source.startswith(("billing-facts §", "audit.md")), f"{name}.{key}"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("medicare-part-b", "kx_threshold"),
        ("medicare-part-b", "note_signed_within_days"),
        ("medicare-php-iop", "recert_every_days"),
        ("medicare-php-iop", "assistant_modifier"),
        ("medicare-php-iop", "discipline_modifier"),
        ("mbho-carve-out", "recognized_codes"),
        ("commercial-generic", "timely_filing_days"),
        ("medicaid-generic", "timely_filing_days"),
        ("mbho-carve-out", "timely_filing_days"),
        ("medicaid-generic", "cosign_required_for"),
        ("mbho-carve-out", "max_group_size"),
    ],
)
def test_values_the_sheet_marks_unconfirmed_are_flagged(name: str, value: str) -> None:
    assert not load_profile(name).values[value].confirmed


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("medicare-part-b", "cert_within_days"),
        ("medicare-part-b", "recert_every_days"),
        ("medicare-part-b", "timely_filing_days"),
        ("medicare-php-iop", "min_minutes"),
        ("medicare-php-iop", "group_code"),
        ("medicare-php-iop", "timely_filing_days"),
        ("mbho-carve-out", "paying_benefit"),
    ],
)
def test_sourced_values_are_not_flagged(name: str, value: str) -> None:
    assert load_profile(name).values[value].confirmed


def test_kx_thresholds_after_2024_are_secondary_source_only() -> None:
    kx = load_profile("medicare-part-b").values["kx_threshold"]
    assert kx.value == {"2024": 2330, "2025": 2410, "2026": 2480}
    assert not kx.confirmed


def test_php_iop_bills_ot_as_g0129_and_bundles_every_97xxx() -> None:
    p = load_profile("medicare-php-iop")
    assert p("recognized_codes") == ["G0129", "G0176", "G0177", "G0410"]
    assert p("group_code") == {"PHP": "G0129", "IOP": "G0129"}
    assert set(OT_97XXX) <= set(p("bundled_codes"))
    assert all(c.startswith("97") for c in p("bundled_codes"))
    assert p("min_minutes") == {"G0129": 45, "G0176": 45, "G0177": 45}
    assert "G0410" in p("psychotherapy_codes")
    assert p("requires_auth") is False


def test_mbho_recognizes_psychotherapy_and_no_97xxx() -> None:
    p = load_profile("mbho-carve-out")
    assert "90853" in p("recognized_codes")
    assert not [c for c in p("recognized_codes") if c.startswith("97")]
    assert p("paying_benefit") == "behavioral"
    assert p("group_code")["outpatient"] not in p("recognized_codes")  # the misroute shows


@pytest.mark.parametrize("name", ["medicaid-generic", "commercial-generic", "mbho-carve-out"])
def test_non_medicare_profiles_need_auth_and_have_no_kx(name: str) -> None:
    p = load_profile(name)
    assert p("requires_auth") is True
    assert p("kx_threshold") == {} and p("review_threshold") == {}
    assert p.for_year("kx_threshold", date(2026, 3, 2)) is None
    assert p.for_year("review_threshold", date(2026, 3, 2)) is None
    assert p("threshold_modifier") == ""
    assert p("cosign_required_for") == ["OTA"]
    assert not p.values["timely_filing_days"].confirmed


def test_timely_filing_defaults() -> None:
    days = {n: load_profile(n)("timely_filing_days") for n in SHIPPED}
    assert days == {
        "commercial-generic": 180,
        "mbho-carve-out": 90,
        "medicaid-generic": 365,
        "medicare-part-b": 365,
        "medicare-php-iop": 365,
    }


# -- malformed profiles ----------------------------------------------------------------------


def test_a_misspelt_value_name_is_rejected() -> None:
    data = raw("medicare-part-b")
    data["values"]["cert_within_day"] = data["values"].pop("cert_within_days")
    with pytest.raises(ContractError) as exc:
        parse_profile(data, "bad.toml")
    assert exc.value.source == "bad.toml"
    assert "values.cert_within_day" in paths(exc)  # not a value any check reads
    assert "values.cert_within_days" in paths(exc)  # and the real one is missing


def test_a_missing_value_is_rejected() -> None:
    data = raw("medicaid-generic")
    del data["values"]["recert_every_days"]
    with pytest.raises(ContractError) as exc:
        parse_profile(data, "bad.toml")
    assert paths(exc) == ["values.recert_every_days"]
    assert exc.value.problems[0].message == "missing"


@pytest.mark.parametrize(
    ("value", "bad", "path"),
    [
        ("cert_within_days", "soon", "values.cert_within_days.value"),
        ("requires_auth", "sometimes", "values.requires_auth.value"),
        ("recognized_codes", "97150", "values.recognized_codes.value"),
        ("kx_threshold", {"2026": "a lot"}, "values.kx_threshold.value.2026"),
        ("recognized_codes", ["97150", 97530], "values.recognized_codes.value[1]"),
    ],
)
def test_a_wrong_type_is_rejected(value: str, bad: Any, path: str) -> None:
    data = raw("medicare-part-b")
    data["values"][value]["value"] = bad
    with pytest.raises(ContractError) as exc:
        parse_profile(data, "bad.toml")
    assert paths(exc) == [path]
    assert str(exc.value).count("values.") == 1


def test_a_value_without_a_source_is_rejected() -> None:
    data = raw("commercial-generic")
    data["values"]["max_group_size"]["source"] = ""
    with pytest.raises(ContractError) as exc:
        parse_profile(data, "bad.toml")
    assert paths(exc) == ["values.max_group_size.source"]


def test_a_misspelt_confirmed_flag_is_rejected() -> None:
    """``confimed = false`` must not silently leave an UNCONFIRMED value confirmed."""
    data = raw("medicare-part-b")
    entry = data["values"]["kx_threshold"]
    entry["confimed"] = entry.pop("confirmed")
    with pytest.raises(ContractError) as exc:
        parse_profile(data, "bad.toml")
    assert paths(exc) == ["values.kx_threshold.confimed"]


def test_parse_does_not_change_the_input() -> None:
    data = raw("medicare-php-iop")
    before = copy.deepcopy(data)
    assert parse_profile(data, "ok.toml").name == "medicare-php-iop"
    assert data == before


# -- payer overrides -------------------------------------------------------------------------


def test_a_payer_override_changes_the_value_and_says_whose_it_is() -> None:
    p = payer_profile(
        payer({"profile": "medicare-part-b", "overrides": {"cert_within_days": 14}}, "MCR")
    )
    assert p("cert_within_days") == 14
    assert p.overridden_by == "MCR"
    cite = p.cite("cert_within_days")
    assert "overridden by payer MCR" in cite
    assert "billing-facts §3" in cite  # the profile's source is still shown
    assert "overridden" not in p.cite("recert_every_days")
    assert load_profile("medicare-part-b")("cert_within_days") == 30  # the shared base is intact


def test_override_keys_beside_the_profile_name_are_overrides_too() -> None:
    p = payer_profile(payer({"profile": "commercial-generic", "timely_filing_days": 90}))
    assert p("timely_filing_days") == 90
    assert p.values["timely_filing_days"].confirmed  # the payer states it


def test_a_profile_name_alone_gives_the_shipped_profile() -> None:
    assert payer_profile(payer("mbho-carve-out")) is load_profile("mbho-carve-out")


def test_an_override_is_stored_in_its_declared_type() -> None:
    p = payer_profile(
        payer(
            {
                "profile": "medicaid-generic",
                "overrides": {"cert_within_days": "14", "requires_auth": "false"},
            }
        )
    )
    assert p("cert_within_days") == 14
    assert p("requires_auth") is False


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"cert_within_days": "soon"}, "rules.overrides.cert_within_days"),
        ({"kx_threshold": {"2027": "more"}}, "rules.overrides.kx_threshold.2027"),
        ({"recognized_codes": ["97150", 1]}, "rules.overrides.recognized_codes[1]"),
        ({"cert_within_dayz": 14}, "rules.overrides.cert_within_dayz"),
    ],
)
def test_a_mistyped_override_is_rejected(overrides: dict[str, Any], path: str) -> None:
    bad = payer({"profile": "medicare-part-b", "overrides": overrides})
    with pytest.raises(ContractError) as exc:
        payer_profile(bad, "payers[2]")
    assert exc.value.source == "payers[2]"
    assert paths(exc) == [path]


# -- yearly values ---------------------------------------------------------------------------


def test_for_year_falls_back_to_the_latest_earlier_year() -> None:
    p = load_profile("medicare-part-b")
    assert p.for_year("kx_threshold", date(2026, 6, 1)) == 2480
    assert p.year_is_known("kx_threshold", date(2026, 6, 1))
    assert p.for_year("kx_threshold", date(2028, 1, 5)) == 2480
    assert not p.year_is_known("kx_threshold", date(2028, 1, 5))
    assert p.for_year("kx_threshold", date(2023, 12, 31)) is None
    assert p.for_year("review_threshold", date(2027, 12, 31)) == 3000
    assert not p.year_is_known("review_threshold", date(2028, 1, 1))


def test_for_year_of_an_empty_table_is_none() -> None:
    p = load_profile("medicare-php-iop")
    assert p.for_year("kx_threshold", date(2026, 6, 1)) is None
    assert not p.year_is_known("kx_threshold", date(2026, 6, 1))


# -- unknown profiles ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["medicare-part-c", "../profiles/medicare-part-b", ""])
def test_an_unknown_profile_lists_the_known_ones(name: str) -> None:
    with pytest.raises(ContractError) as exc:
        load_profile(name)
    message = str(exc.value)
    assert f"no rule profile {name!r}" in message
    assert all(known in message for known in SHIPPED)


def test_a_payer_naming_an_unknown_profile_is_rejected() -> None:
    with pytest.raises(ContractError, match="known: commercial-generic, mbho-carve-out") as exc:
        payer_profile(payer("medicare-part-q"), "payers[1]")
    assert exc.value.source == "payers[1]"  # the records, not a profile file that is not there
    assert paths(exc) == ["rules.profile"]


def test_payer_problems_name_each_payer_in_the_records() -> None:
    records = Records.model_validate(
        {
            "format": "otgroups.records/1",
            "payers": [
                payer("medicare-part-b", "OK").model_dump(),
                payer("medicare-part-q", "GONE").model_dump(),
                payer(
                    {"profile": "medicaid-generic", "overrides": {"unit_minutes": "x"}}, "BAD"
                ).model_dump(),
            ],
        }
    )
    assert [p.path for p in payer_problems(records)] == [
        "payers[1].rules.profile",
        "payers[2].rules.overrides.unit_minutes",
    ]
    with pytest.raises(ContractError) as exc:
        check_payers(records, "records.json")
    assert exc.value.source == "records.json" and len(exc.value.problems) == 2
    check_payers(records.model_copy(update={"payers": records.payers[:1]}), "records.json")
