"""Request and response bodies of the HTTP API that the contract does not already define.

Terms, schedules, participants and records are the contract's own models (``models/``); these
are the envelopes around them (jobs, versions, dated sessions, marks, makeup requests and
answers, tokens), with examples from the bundled demo clinic (:mod:`api.http.examples`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from audit.findings import Finding
from ledger.attendance import STATUSES
from ledger.makeups import MakeupOption
from ledger.schema import MAX_ID, as_utc
from models import Participant, Schedule
from models.common import IsoDate

Utc = Annotated[dt.datetime, AfterValidator(as_utc)]
"""A moment in time, always with its UTC offset."""

LedgerId = Annotated[int, Field(ge=1, le=MAX_ID)]

Status = Literal["present", "late", "left-early", "absent", "excused"]
assert set(STATUSES) == set(Status.__args__)  # type: ignore[attr-defined]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class TermSummary(BaseModel):
    id: int
    name: str = Field(description="The term's name")
    clinic: str = Field(description="The clinic's id")
    participants: int
    created_at: Utc


class TermWarnings(BaseModel):
    warnings: list[str] = Field(
        description="Before solving: group types that cannot run, and requesters who are never "
        "free with enough others who may share a section (program rule, acuity cap)"
    )


class ViolationDoc(BaseModel):
    rule: str = Field(description="H1-H11, SHAPE, SCORE or WAITLIST")
    subject: str
    message: str


class ScheduleCheck(BaseModel):
    valid: bool
    score: int = Field(description="The score the schedule states")
    recomputed_score: int = Field(description="The score recomputed from its sections")
    violations: list[ViolationDoc]


class SolveRequest(Body):
    time_limit: float | None = Field(
        default=None, gt=0, description="Seconds (default and cap set by the service)"
    )
    seed: int = Field(default=0, ge=0, le=MAX_ID)
    previous_version: LedgerId | None = Field(
        default=None,
        description="A published version whose people stay in their sections where the score "
        "allows (a mid-term re-solve); what it names that the term no longer has is not kept "
        "and the job's options say what (previous_not_in_term)",
    )


JobState = Literal["running", "done", "failed", "cancelled"]


class JobDoc(BaseModel):
    id: str
    term: int
    state: JobState
    phase: str
    score: int | None = Field(description="Best score so far")
    bound: int | None = Field(description="Proven upper bound so far")
    gap: float | None = Field(description="(bound - score) / bound")
    elapsed: float = Field(description="Seconds since the job started")
    options: dict[str, Any]
    reason: str | None = Field(description="Why it failed or was cancelled")


class SolveResultDoc(BaseModel):
    job: str
    score: int
    bound: int | None
    schedule: Schedule


class PublishRequest(Body):
    """Publish a finished solve (``solve``), or a schedule document for an uploaded term."""

    solve: str | None = Field(default=None, description="A finished solve job's id")
    term: LedgerId | None = Field(default=None, description="An uploaded term's id (with schedule)")
    schedule: Schedule | None = None
    effective_from: IsoDate | None = Field(
        default=None, description="Effective from this date (default: the term's start)"
    )
    note: str = Field(default="", max_length=200)
    undo_changes: bool = Field(
        default=False,
        description="Publish even if it undoes the ledger's changes to the term in force "
        "(someone discharged placed again, someone admitted left out); otherwise that is a 422",
    )


class PublishDoc(BaseModel):
    version: int
    effective_from: IsoDate
    sections: int
    dated_sessions: int
    enrollments: int
    waitlisted: int


class VersionDoc(BaseModel):
    number: int
    effective_from: IsoDate
    note: str
    created_at: Utc
    sections: int
    waitlisted: int


class Move(BaseModel):
    participant: str
    group_type: str
    from_: str = Field(alias="from")
    to: str


class Placement(BaseModel):
    participant: str
    group_type: str
    section: str


class SectionChange(BaseModel):
    section: str
    fields: list[str]
    before: dict[str, Any]
    after: dict[str, Any]


class DiffDoc(BaseModel):
    """Who moved where between two versions."""

    moved: list[Move]
    joined: list[Placement]
    left: list[Placement]
    added: list[str]
    dropped: list[str]
    changed: list[SectionChange]
    score: dict[str, int]


class SessionDoc(BaseModel):
    session_id: int
    date: IsoDate
    section: str
    group_type: str
    kind: str = Field(description="regular, or extra (a one-off makeup meeting)")
    start: str
    end: str
    room: str | None
    vehicle: str | None
    staff: list[str]
    cancelled: bool
    participants: list[str] = Field(description="That date's roster (makeups included)")


class MarkIn(Body):
    participant: str = Field(min_length=1, max_length=64)
    status: Status
    minutes: int | None = Field(
        default=None,
        ge=0,
        le=1440,
        strict=True,  # true is not one minute
        description="Minutes attended (late and left-early need it)",
    )


class AttendanceRequest(Body):
    marks: list[MarkIn] = Field(min_length=1, max_length=500)
    by: str = Field(default="", max_length=64, description="Who records the marks")


class MarkDoc(BaseModel):
    attendance_id: int | None
    session_id: int
    participant: str
    status: Status
    minutes: int
    recorded_by: str
    recorded_at: Utc | None


class MissedIn(Body):
    """The missed meeting: its dated session id, or the contract's section and date."""

    session_id: LedgerId | None = None
    section: str | None = Field(default=None, min_length=1)
    date: IsoDate | None = None


class MakeupRequest(Body):
    """Contract section 3 (``otgroups.makeup/1``)."""

    format: Literal["otgroups.makeup/1"] = "otgroups.makeup/1"
    participant: str = Field(min_length=1, max_length=64)
    group_type: str | None = Field(default=None, description="Checked against the missed one's")
    missed: MissedIn
    within_days: int = Field(default=14, ge=0, le=60)


class RideDoc(BaseModel):
    vehicle: str
    arrive: str
    depart: str


class MakeupOptionDoc(BaseModel):
    """A contract option ``{section, date, start, end, room, seats_left}`` with otgroups'
    extension fields; send it back unchanged to book it."""

    option: int | None = Field(default=None, description="Rank, from 1")
    section: str
    date: IsoDate
    start: str
    end: str
    room: str | None
    seats_left: int
    group_type: str
    vehicle: str | None = None
    staff: list[str] = Field(default_factory=list)
    session_id: LedgerId | None = None
    extra: bool = False
    kind: str = "regular"
    ride: RideDoc | None = None
    comes_in: bool = False
    same_facilitator: bool = False

    def to_option(self) -> MakeupOption:
        """The option to book (ValueError for times that are not clock times)."""
        doc = self.model_dump(mode="json", exclude={"option"})
        try:
            return MakeupOption.from_json(doc)
        except KeyError as exc:
            raise ValueError(f"{exc} is missing") from None


class MissedDoc(BaseModel):
    section: str
    date: IsoDate
    session_id: int


class NotPossible(BaseModel):
    candidate: str
    reason: str


class MakeupAnswer(BaseModel):
    format: Literal["otgroups.makeup/1"]
    participant: str
    group_type: str
    missed: MissedDoc
    within_days: int
    options: list[MakeupOptionDoc]
    not_possible: list[NotPossible]


class BookRequest(Body):
    participant: str = Field(min_length=1, max_length=64)
    missed_session_id: LedgerId
    option: int | MakeupOptionDoc = Field(
        description="An option from a search (booked as it is, re-checked atomically), or its "
        "number (the search is run again now and that rank booked)"
    )
    within_days: int = Field(default=14, ge=0, le=60)
    by: str = Field(default="", max_length=64)


class BookingDoc(BaseModel):
    makeup_id: int
    participant: str
    missed_session_id: int
    session_id: int
    option: MakeupOptionDoc


class CancelledDoc(BaseModel):
    makeup_id: int
    cancelled: Literal[True] = True
    reason: str


class OfferRequest(Body):
    target: str = Field(min_length=1, description="A group type or a section")
    from_date: IsoDate
    hours: float | None = Field(default=None, gt=0, le=24 * 30, description="Until it expires")


class AcceptRequest(Body):
    from_date: IsoDate | None = Field(default=None, description="Default: the offer's date")


class AdmitRequest(Body):
    participant: Participant
    from_date: IsoDate
    time_limit: float = Field(default=10.0, gt=0, description="Seconds (capped by the service)")


class DischargeRequest(Body):
    participant: str = Field(min_length=1, max_length=64)
    from_date: IsoDate
    reason: str = Field(default="", max_length=200)


class MergeRequest(Body):
    section: str = Field(min_length=1)
    into: str = Field(min_length=1)
    from_date: IsoDate


class CloseDayRequest(Body):
    date: IsoDate
    reason: str = Field(default="", max_length=200)
    dry_run: bool = False
    within_days: int = Field(default=14, ge=0, le=60)
    time_limit: float = Field(default=2.0, gt=0, description="Seconds (capped by the service)")


class AuditRequest(Body):
    records: dict[str, Any] = Field(description="An otgroups.records/1 document")
    as_of: IsoDate | None = Field(default=None, description="Held up to here (default today)")
    profile: str | None = Field(
        default=None, description="Audit every payer under this rule profile (a what-if)"
    )


class AuditRunDoc(BaseModel):
    id: int
    as_of: IsoDate
    schedule_version: int
    profile: str | None
    created_at: Utc
    counts: dict[str, int] = Field(description="Findings by code")
    findings: list[Finding]


class AuditRunSummary(BaseModel):
    id: int
    as_of: IsoDate
    schedule_version: int
    profile: str | None
    created_at: Utc
    findings: int


class TokenRequest(Body):
    role: Literal["director", "scheduler", "clinician", "analyst", "admin"]
    label: str = Field(default="", max_length=200)
    staff_id: str | None = Field(default=None, min_length=1, max_length=64)


class TokenDoc(BaseModel):
    id: int
    role: str
    label: str
    staff_id: str | None
    created_at: Utc
    revoked_at: Utc | None


class TokenCreated(TokenDoc):
    token: str = Field(description="The bearer token: shown this once, stored only hashed")
