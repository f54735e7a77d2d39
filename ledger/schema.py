"""The term ledger's tables (SQLAlchemy 2). Append-only: a change is a new row, never an edit.

What was true when is read back from the rows: an enrollment is open until an
:class:`EnrollmentEnd` row closes it; a dated session is cancelled by a
:class:`SessionCancellation`; the latest :class:`Attendance` row for a person and session is the
one that counts; a :class:`Makeup` stands until a :class:`MakeupCancellation`; a
:class:`WaitlistEntry` waits until a :class:`WaitlistExit`; an :class:`Offer` is open until an
:class:`OfferResponse` or its expiry. Participant and staff references are the term's opaque ids.

Logistics (``logistics/``): the latest :class:`Contact` row per participant and channel is their
address and opt-in; an :class:`OutboxMessage` is queued once per dedupe key and its
:class:`Delivery` rows record every step of sending it (the latest row is its state); the latest
:class:`StockCount` and :class:`ReorderPoint` per item are the stock on hand and when to reorder.

One table is the service's work queue rather than the term's record, and is updated in place:
:class:`SolveJob`, a solve job's live state, kept here so that every worker process of the
service sees (and can cancel) every job.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from models.schedule import Meeting, Section

MAX_ID = 2**31 - 1
"""The largest row id the ledger's integer columns take (SQLite and PostgreSQL alike): a larger
id from outside is refused as input before it reaches the database."""


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """A stored timestamp as aware UTC: the ledger writes UTC, and SQLite hands it back naive."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


class Base(DeclarativeBase):
    pass


class Created:
    """When a row was written (UTC)."""

    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)


class TermVersion(Created, Base):
    """A term instance document as published or amended (an admission adds a participant)."""

    __tablename__ = "term_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    document: Mapped[str] = mapped_column(Text, doc="otgroups.term/1 JSON")
    reason: Mapped[str] = mapped_column(String(200), default="")


class ScheduleVersion(Created, Base):
    """A published schedule (weekly pattern) and the term version it belongs to."""

    __tablename__ = "schedule_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    term_version_id: Mapped[int] = mapped_column(ForeignKey("term_versions.id"))
    document: Mapped[str] = mapped_column(Text, doc="otgroups.schedule/1 JSON")
    effective_from: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")
    term_version: Mapped[TermVersion] = relationship()


class Enrollment(Created, Base):
    """A participant in a section from a date (open until an EnrollmentEnd closes it)."""

    __tablename__ = "enrollments"
    id: Mapped[int] = mapped_column(primary_key=True)
    participant: Mapped[str] = mapped_column(String(64), index=True)
    group_type: Mapped[str] = mapped_column(String(64))
    section: Mapped[str] = mapped_column(String(128), index=True)
    from_date: Mapped[dt.date] = mapped_column(Date)
    schedule_version_id: Mapped[int] = mapped_column(ForeignKey("schedule_versions.id"))
    reason: Mapped[str] = mapped_column(String(200), default="")
    end: Mapped[EnrollmentEnd | None] = relationship(back_populates="enrollment", uselist=False)


class EnrollmentEnd(Created, Base):
    """Closes an enrollment: the last day attended is ``to_date``."""

    __tablename__ = "enrollment_ends"
    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id"), unique=True)
    to_date: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")
    enrollment: Mapped[Enrollment] = relationship(back_populates="end")


class DatedSession(Created, Base):
    """One meeting of a section on one date (``kind`` regular), or a one-off extra meeting."""

    __tablename__ = "sessions"
    # Not unique: a re-published section's cancelled row and its replacement share a slot.
    __table_args__ = (Index("ix_session_slot", "section", "date", "start"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    section: Mapped[str] = mapped_column(String(128))
    group_type: Mapped[str] = mapped_column(String(64))
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    start: Mapped[int] = mapped_column(Integer, doc="minutes since midnight")
    end: Mapped[int] = mapped_column(Integer)
    room: Mapped[str | None] = mapped_column(String(64), nullable=True)
    vehicle: Mapped[str | None] = mapped_column(String(64), nullable=True)
    staff: Mapped[list[str]] = mapped_column(JSON, default=list)
    kind: Mapped[str] = mapped_column(String(16), default="regular")
    schedule_version_id: Mapped[int] = mapped_column(ForeignKey("schedule_versions.id"))
    cancellation: Mapped[SessionCancellation | None] = relationship(uselist=False)

    @classmethod
    def meeting(
        cls, section: Section, meeting: Meeting, day: dt.date, kind: str, version_id: int
    ) -> DatedSession:
        """The (unsaved) row of ``section``'s ``meeting`` on ``day``."""
        return cls(
            section=section.id,
            group_type=section.group_type,
            date=day,
            start=meeting.start,
            end=meeting.end,
            room=section.room,
            vehicle=section.vehicle,
            staff=list(section.staff),
            kind=kind,
            schedule_version_id=version_id,
        )


SESSION_COLUMNS = (
    DatedSession.id,
    DatedSession.section,
    DatedSession.group_type,
    DatedSession.date,
    DatedSession.start,
    DatedSession.end,
    DatedSession.room,
    DatedSession.vehicle,
    DatedSession.staff,
    DatedSession.kind,
)
"""What readers of dated sessions select (the day cache, the event feeds)."""


class SessionCancellation(Created, Base):
    __tablename__ = "session_cancellations"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(200), default="")


class Closure(Created, Base):
    """A day the clinic closed after publication."""

    __tablename__ = "closures"
    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, unique=True)
    reason: Mapped[str] = mapped_column(String(200), default="")


class Attendance(Created, Base):
    """An attendance mark; a later row for the same session and person supersedes it."""

    __tablename__ = "attendance"
    __table_args__ = (Index("ix_attendance_session_person", "session_id", "participant"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"))
    participant: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), doc="present late left-early absent excused")
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    recorded_by: Mapped[str] = mapped_column(String(64), default="")


class Makeup(Created, Base):
    """A participant booked into a dated session to make up a missed one."""

    __tablename__ = "makeups"
    __table_args__ = (Index("ix_makeups_session", "session_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    participant: Mapped[str] = mapped_column(String(64), index=True)
    group_type: Mapped[str] = mapped_column(String(64))
    missed_session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"))
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"))
    booked_by: Mapped[str] = mapped_column(String(64), default="")
    ride_vehicle: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ride_arrive: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ride_depart: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """The van run a rider takes that date, when the makeup brings them in on a new day."""
    cancellation: Mapped[MakeupCancellation | None] = relationship(uselist=False)


class MakeupCancellation(Created, Base):
    __tablename__ = "makeup_cancellations"
    id: Mapped[int] = mapped_column(primary_key=True)
    makeup_id: Mapped[int] = mapped_column(ForeignKey("makeups.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(200), default="")


class WaitlistEntry(Created, Base):
    """A request waiting for a place; ordered by priority then ``requested_on``."""

    __tablename__ = "waitlist_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    participant: Mapped[str] = mapped_column(String(64), index=True)
    group_type: Mapped[str] = mapped_column(String(64), index=True)
    priority: Mapped[str] = mapped_column(String(16))
    requested_on: Mapped[dt.date] = mapped_column(Date)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    exit: Mapped[WaitlistExit | None] = relationship(uselist=False)


class WaitlistExit(Created, Base):
    __tablename__ = "waitlist_exits"
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("waitlist_entries.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(200), doc="enrolled, withdrawn, discharged")


class Offer(Created, Base):
    """A place in a section offered to a waiting request, from a date, until it expires."""

    __tablename__ = "offers"
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("waitlist_entries.id"), index=True)
    section: Mapped[str] = mapped_column(String(128))
    from_date: Mapped[dt.date] = mapped_column(Date)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    response: Mapped[OfferResponse | None] = relationship(uselist=False)


class OfferResponse(Created, Base):
    __tablename__ = "offer_responses"
    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), unique=True)
    response: Mapped[str] = mapped_column(String(16), doc="accepted, declined, expired")


class Contact(Created, Base):
    """A participant's address on a channel (``email``, ``sms``) and whether they opted in to
    messages there; a later row for the same participant and channel supersedes it."""

    __tablename__ = "contacts"
    __table_args__ = (Index("ix_contacts_participant_channel", "participant", "channel"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    participant: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(254))
    opt_in: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(200), default="", doc="e.g. the imported file")


class OutboxMessage(Created, Base):
    """A message queued for one participant on one channel. ``dedupe_key`` (kind, event,
    participant, channel, event version) is unique, so queueing again never adds a second copy."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(32), doc="upcoming, makeup, offer, cancellation")
    event: Mapped[str] = mapped_column(String(128), doc="e.g. session-12, offer-3")
    event_version: Mapped[int] = mapped_column(Integer, default=0)
    participant: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)


class Delivery(Created, Base):
    """One step of delivering an outbox message: ``sending`` (claimed, committed before the
    transport is called), then ``sent``, ``failed`` (``retry_at`` set: may be tried again then;
    unset: given up), or ``unknown`` (the transport may or may not have delivered it: a person
    checks); ``released`` is a person's word that a ``sending``/``unknown`` one was not
    delivered, so it may be tried again."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("outbox_id", "attempt", "status", name="uq_delivery_step"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(String(200), default="")
    retry_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class StockCount(Created, Base):
    """A count of one supply item on hand at the start of ``counted_on`` (before that day's
    sessions); the latest count of an item is the one projections start from."""

    __tablename__ = "stock_counts"
    id: Mapped[int] = mapped_column(primary_key=True)
    item: Mapped[str] = mapped_column(String(64), index=True)
    quantity: Mapped[float] = mapped_column(Float)
    counted_on: Mapped[dt.date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(64), default="")


class ReorderPoint(Created, Base):
    """Reorder an item when its stock falls to ``quantity``; a later row supersedes it."""

    __tablename__ = "reorder_points"
    id: Mapped[int] = mapped_column(primary_key=True)
    item: Mapped[str] = mapped_column(String(64), index=True)
    quantity: Mapped[float] = mapped_column(Float)


# -- the HTTP API (``api/http``) -------------------------------------------------------------


class ApiToken(Created, Base):
    """A bearer token of the HTTP API: only its SHA-256 is kept. ``staff_id`` ties a clinician's
    token to the staff member whose sections it may read. :class:`ApiTokenRevocation` revokes it."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, doc="sha256 hex of the token")
    role: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(200), default="")
    staff_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    revocation: Mapped[ApiTokenRevocation | None] = relationship(uselist=False)


class ApiTokenRevocation(Created, Base):
    """Revokes a token for good (a new row; the token's row stays)."""

    __tablename__ = "api_token_revocations"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(200), default="")


class AccessLog(Base):
    """One HTTP request that read or wrote participant data: who, when, which route (its
    template, never the filled-in URL or the body) and the participant ids it touched."""

    __tablename__ = "access_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(8))
    route: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(8), doc="read or write")
    participants: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[int] = mapped_column(Integer)


class UploadedTerm(Created, Base):
    """A term document uploaded through the HTTP API (checked against the contract first)."""

    __tablename__ = "uploaded_terms"
    id: Mapped[int] = mapped_column(primary_key=True)
    document: Mapped[str] = mapped_column(Text, doc="otgroups.term/1 JSON")
    name: Mapped[str] = mapped_column(String(200), default="")
    participants: Mapped[int] = mapped_column(Integer, default=0)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"), nullable=True)


class AuditRun(Created, Base):
    """An audit run over the published schedule and a records document: its findings."""

    __tablename__ = "audit_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    schedule_version: Mapped[int] = mapped_column(Integer)
    profile: Mapped[str | None] = mapped_column(String(64), nullable=True)
    findings: Mapped[str] = mapped_column(Text, doc="JSON list of contract findings")
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"), nullable=True)


class SolveJob(Base):
    """A solve job of the HTTP API or the desk (``api/http/jobs.py``), updated as it runs: the
    worker process that started it writes its progress and a heartbeat; any worker may ask it to
    stop (``cancel_requested``) or, once the heartbeat is stale, report it lost."""

    __tablename__ = "solve_jobs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("uploaded_terms.id"))
    options: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), index=True, doc="running/done/failed/cancelled")
    phase: Mapped[str] = mapped_column(String(32), default="starting")
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    bound: Mapped[int | None] = mapped_column(Integer, nullable=True)
    started_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=now, index=True
    )
    heartbeat_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    elapsed: Mapped[float] = mapped_column(Float, default=0.0)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    schedule: Mapped[str | None] = mapped_column(Text, nullable=True, doc="otgroups.schedule/1")
    owner: Mapped[str] = mapped_column(String(100), default="", doc="host:pid running it")


class EndedDeskSession(Created, Base):
    """A web desk session ended by signing out: its cookie is refused by every worker."""

    __tablename__ = "ended_desk_sessions"
    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
