"""The billing and documentation record (``otgroups.records/1``): payers, coverage,
authorizations, plans of care, progress reports and the sessions already held.

Shapes follow ``../shared/contract/audit.md``. Participant and staff references are opaque ids
checked against the term by :func:`models.records_checks.records_problems`.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from pydantic import Field, field_validator

from models.common import ContractModel, Id, IsoDate, Time

RECORDS_FORMAT: Final = "otgroups.records/1"

PayerKind = Literal["medicare", "medicare-advantage", "medicaid", "commercial", "mbho"]
Benefit = Literal["medical", "behavioral"]
Attendance = Literal["present", "late", "left-early", "absent", "excused"]
Setting = Literal["outpatient", "PHP", "IOP", "residential"]


class PayerRules(ContractModel):
    """A rule profile by name, with any of its values overridden for this payer."""

    profile: str = Field(description="Profile name, e.g. medicare-part-b")
    overrides: dict[str, Any] = Field(
        default_factory=dict, description="Profile value name → value for this payer"
    )


class Payer(ContractModel):
    id: Id
    name: str = Field(default="", description="Display name")
    kind: PayerKind
    rules: PayerRules = Field(description="A profile name, or {profile, overrides}")

    @field_validator("rules", mode="before")
    @classmethod
    def _profile_name(cls, value: Any) -> Any:
        """``"medicare-part-b"`` is short for ``{"profile": "medicare-part-b"}``; other keys of an
        object besides ``profile`` and ``overrides`` are overrides too."""
        if isinstance(value, str):
            return {"profile": value}
        if isinstance(value, dict) and "profile" in value:
            extra = {k: v for k, v in value.items() if k not in {"profile", "overrides"}}
            if extra:
                return {
                    "profile": value["profile"],
                    "overrides": {**extra, **(value.get("overrides") or {})},
                }
        return value


class Coverage(ContractModel):
    participant: Id
    payer: Id
    benefit: Benefit = Field(description="medical (where OT 97xxx usually sits) or behavioral")
    member_id: str = Field(default="", description="Opaque member id")
    verified_on: IsoDate | None = Field(default=None, description="Last benefits verification")
    effective_from: IsoDate
    effective_to: IsoDate | None = None


class Authorization(ContractModel):
    id: Id
    participant: Id
    payer: Id
    codes: list[str] = Field(description="Codes the authorization covers")
    units: int = Field(ge=0, description="Units authorised in all")
    start: IsoDate
    end: IsoDate


class Goal(ContractModel):
    id: Id
    text: str = ""
    measure: str | None = None
    baseline: str | None = None
    target: str | None = None
    target_date: IsoDate | None = None


class PlanOfCare(ContractModel):
    id: Id
    participant: Id
    discipline: Literal["OT"] = "OT"
    start: IsoDate
    certified_on: IsoDate | None = None
    certified_by: str | None = Field(default=None, description="Certifying physician/NPP id")
    cert_end: IsoDate
    goals: list[Goal] = Field(default_factory=list)


class ProgressReport(ContractModel):
    participant: Id
    date: IsoDate
    written_by: Id = Field(description="Staff id")


class Line(ContractModel):
    code: str
    units: int = Field(ge=0)
    modifiers: list[str] = Field(default_factory=list)
    minutes: int | None = Field(default=None, ge=0, description="Minutes behind this line")


class Note(ContractModel):
    written_by: Id
    signed_on: IsoDate | None = None
    cosigned_by: Id | None = None
    cosigned_on: IsoDate | None = None
    goal_ids: list[str] = Field(default_factory=list)


class HeldSession(ContractModel):
    id: Id
    participant: Id
    section: str | None = Field(default=None, description="Section id, if from the schedule")
    date: IsoDate
    start: Time
    minutes: int = Field(ge=0, description="Minutes attended")
    attendance: Attendance
    furnished_by: list[Id] = Field(default_factory=list, description="Staff ids")
    setting: Setting
    lines: list[Line] = Field(default_factory=list)
    note: Note | None = None
    billed_on: IsoDate | None = Field(
        default=None, description="otgroups extension: when the claim went out (null: unbilled)"
    )
    payer: Id | None = Field(
        default=None,
        description="otgroups extension: the payer billed (null: the one OT codes route to)",
    )


class Records(ContractModel):
    format: Literal["otgroups.records/1"] = RECORDS_FORMAT
    payers: list[Payer] = Field(default_factory=list)
    coverage: list[Coverage] = Field(default_factory=list)
    authorizations: list[Authorization] = Field(default_factory=list)
    plans_of_care: list[PlanOfCare] = Field(default_factory=list)
    progress_reports: list[ProgressReport] = Field(default_factory=list)
    sessions: list[HeldSession] = Field(default_factory=list)
    ytd_ot_allowed: dict[str, float] = Field(
        default_factory=dict, description="participant → this year's OT allowed dollars so far"
    )
    fees: dict[str, float] = Field(default_factory=dict, description="code → dollars per unit")
