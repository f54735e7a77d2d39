"""Delivering the email outbox over SMTP (standard library ``smtplib``), never twice.

**Exactly once, as far as this side can know.** Each message is *claimed* first: a
``sending`` :class:`~ledger.schema.Delivery` row is committed in its own transaction (a unique
``(outbox_id, attempt, status)`` constraint and a per-message lock stop two senders claiming the
same attempt). Only then is the SMTP server given the message, and the outcome is written after:
``sent``; ``failed`` when the server definitely did not take it (connection lost before DATA, a
4xx/5xx reply to MAIL, RCPT or DATA) — a 4xx is tried again later with exponential backoff
(``backoff_seconds`` × 2^(attempt-1)), a 5xx or the last allowed attempt is given up; or
``unknown`` when the connection broke while the server had the whole message, so it may have
been delivered.

A message left ``sending`` (the process died between the claim and the outcome) or ``unknown``
is **never resent automatically**: :func:`outbox_state` reports it for a person to check, and
:func:`resolve` records their answer (``sent``, or ``released`` to allow another try). Every
message also carries a fixed ``Message-ID`` (``<otgroups-outbox-<id>@<sender domain>>``) so a
copy a person does resend can be recognised as the same message downstream.

Settings come from the environment (:class:`SmtpSettings`: ``OTGROUPS_SMTP_HOST``, ``_PORT``,
``_USER``, ``_PASSWORD``, ``_FROM``, ``_STARTTLS``, ``_TIMEOUT``, ``_MAX_ATTEMPTS``,
``_BACKOFF_SECONDS``). Logs and delivery rows name the outbox id and participant id only —
never an address, a subject or a server's reply text (which may quote the address).
"""

from __future__ import annotations

import datetime as dt
import email.policy
import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime

from pydantic import AliasChoices, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledger.schema import Delivery, OutboxMessage, as_utc
from ledger.state import RefusedError
from ledger.store import Ledger
from logistics.config import LogisticsInputError

log = logging.getLogger("otgroups.logistics.smtp")


class SmtpSettings(BaseSettings):
    """SMTP settings, from ``OTGROUPS_SMTP_*`` environment variables."""

    model_config = SettingsConfigDict(
        env_prefix="OTGROUPS_SMTP_", extra="ignore", populate_by_name=True
    )

    host: str = "localhost"
    port: int = 25
    user: str | None = None
    password: SecretStr | None = None
    sender: str = Field(
        default="otgroups@localhost",
        validation_alias=AliasChoices("OTGROUPS_SMTP_FROM", "sender"),
        description="The From address",
    )
    starttls: bool = False
    timeout: float = 30.0
    max_attempts: int = Field(default=5, ge=1)
    backoff_seconds: float = Field(default=300.0, ge=0)

    def domain(self) -> str:
        return self.sender.rpartition("@")[2] or "otgroups.invalid"

    @classmethod
    def from_environment(cls) -> SmtpSettings:
        """The settings, or :class:`LogisticsInputError` naming each variable that is wrong
        (never its value: one of them is a password)."""
        try:
            return cls()
        except ValidationError as exc:
            wrong = "; ".join(
                f"OTGROUPS_SMTP_{str(e['loc'][0]).upper()}: {e['msg']}" for e in exc.errors()
            )
            raise LogisticsInputError(f"SMTP settings: {wrong}") from None


class DeliveryError(RefusedError):
    """A delivery question or resolution the ledger refuses."""


@dataclass(frozen=True)
class State:
    """Where one outbox message stands: its latest delivery row (``pending``: none yet)."""

    outbox_id: int
    participant: str
    channel: str
    kind: str
    status: str
    attempt: int
    at: dt.datetime | None
    retry_at: dt.datetime | None
    detail: str

    def due(self, now: dt.datetime) -> bool:
        """May be tried now (email only)."""
        if self.channel != "email":
            return False
        if self.status in ("pending", "released"):
            return True
        return self.status == "failed" and self.retry_at is not None and self.retry_at <= now

    @property
    def needs_person(self) -> bool:
        """``sending`` left behind, ``unknown``, or given up: a person decides."""
        return self.status in ("sending", "unknown") or (
            self.status == "failed" and self.retry_at is None
        )


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    failed: list[tuple[int, str, dt.datetime | None]] = field(default_factory=list)
    """(outbox id, detail, retry at; None: given up) of this run's failures."""
    unknown: list[int] = field(default_factory=list)
    skipped: int = 0
    """Claimed by someone else meanwhile."""
    server_error: str = ""
    """Why the server could not be reached (the run stopped; nothing was claimed after)."""
    needs_person: list[State] = field(default_factory=list)
    """Messages left ``sending``/``unknown``/given up, after this run."""
    waiting: int = 0
    """Failed messages whose next try is later."""
    sms_queued: int = 0
    """SMS messages in the outbox: recorded, no transport."""


def outbox_state(s: Session) -> list[State]:
    """Every outbox message and where it stands, by id."""
    latest: dict[int, Delivery] = {}
    for row in s.scalars(select(Delivery).order_by(Delivery.id)):
        latest[row.outbox_id] = row
    out = []
    for msg in s.execute(
        select(
            OutboxMessage.id, OutboxMessage.participant, OutboxMessage.channel, OutboxMessage.kind
        ).order_by(OutboxMessage.id)
    ):
        d = latest.get(msg.id)
        out.append(
            State(
                outbox_id=msg.id,
                participant=msg.participant,
                channel=msg.channel,
                kind=msg.kind,
                status=d.status if d is not None else "pending",
                attempt=d.attempt if d is not None else 0,
                at=as_utc(d.created_at) if d is not None else None,
                retry_at=as_utc(d.retry_at) if d is not None and d.retry_at is not None else None,
                detail=d.detail if d is not None else "",
            )
        )
    return out


def _latest(s: Session, outbox_id: int) -> Delivery | None:
    return s.scalars(
        select(Delivery).where(Delivery.outbox_id == outbox_id).order_by(Delivery.id.desc())
    ).first()


def _record(
    ledger: Ledger,
    outbox_id: int,
    attempt: int,
    status: str,
    detail: str = "",
    retry_at: dt.datetime | None = None,
) -> None:
    with ledger.write() as s:
        s.add(
            Delivery(
                outbox_id=outbox_id,
                attempt=attempt,
                status=status,
                detail=detail[:200],
                retry_at=retry_at,
            )
        )


def message_of(row: OutboxMessage, settings: SmtpSettings, now: dt.datetime) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.sender
    msg["To"] = row.address
    msg["Subject"] = row.subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = f"<otgroups-outbox-{row.id}@{settings.domain()}>"
    msg["Auto-Submitted"] = "auto-generated"
    # quoted-printable for anything not plain ASCII: MAIL is sent without 8BITMIME
    msg.set_content(row.body, cte="7bit" if row.body.isascii() else "quoted-printable")
    return msg


POLICY = email.policy.SMTP.clone(max_line_length=998)
"""CRLF line ends; headers folded only past RFC 5322's hard limit (a subject folded right
after ``Subject:`` reads back with a leading space in some parsers)."""


class _Server:
    """One SMTP connection, opened when first needed and again after it drops."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def ensure(self) -> None:
        if self.smtp is not None:
            return
        st = self.settings
        smtp = smtplib.SMTP(st.host, st.port, timeout=st.timeout)
        try:
            smtp.ehlo()
            if st.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if st.user:
                smtp.login(st.user, st.password.get_secret_value() if st.password else "")
        except BaseException:
            smtp.close()
            raise
        self.smtp = smtp

    def drop(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None

    def send(self, sender: str, to: str, data: bytes) -> tuple[str, str]:
        """(status, detail): ``sent``, ``failed-4xx`` / ``failed-5xx`` / ``failed`` (definitely
        not taken), or ``unknown`` (the connection broke once the server had it all)."""
        assert self.smtp is not None
        smtp = self.smtp
        try:
            code, _ = smtp.mail(sender)
            if code != 250:
                smtp.rset()
                return _refused(code, "MAIL")
            code, _ = smtp.rcpt(to)
            if code not in (250, 251):
                smtp.rset()
                return _refused(code, "RCPT")
        except (smtplib.SMTPException, OSError) as exc:
            self.drop()
            return "failed", f"{type(exc).__name__} before DATA"
        try:
            code, _ = smtp.data(data)
        except smtplib.SMTPDataError as exc:
            try:
                smtp.rset()
            except (smtplib.SMTPException, OSError):
                self.drop()
            return _refused(exc.smtp_code, "DATA")
        except (smtplib.SMTPException, OSError) as exc:
            self.drop()
            return "unknown", f"{type(exc).__name__} during DATA"
        if code != 250:  # smtplib.data() hands the final reply back without raising
            try:
                smtp.rset()
            except (smtplib.SMTPException, OSError):
                self.drop()
            return _refused(code, "DATA")
        return "sent", f"{code} after DATA"


def _refused(code: int, stage: str) -> tuple[str, str]:
    kind = "failed-4xx" if 400 <= code < 500 else "failed-5xx"
    return kind, f"{code} to {stage}"


def deliver(
    ledger: Ledger,
    settings: SmtpSettings | None = None,
    now: dt.datetime | None = None,
    limit: int | None = None,
) -> DeliveryReport:
    """Send every email message that is due (never sent, released, or failed with its retry
    time passed), each claimed before it is sent; see the module docstring."""
    settings = settings or SmtpSettings()
    moment = now.astimezone(dt.UTC) if now is not None else dt.datetime.now(dt.UTC)
    report = DeliveryReport()
    with ledger.read() as s:
        due = [st for st in outbox_state(s) if st.due(moment)]
    server = _Server(settings)
    try:
        for state in due[:limit] if limit is not None else due:
            try:
                server.ensure()
            except (smtplib.SMTPException, OSError) as exc:
                report.server_error = f"{type(exc).__name__}: cannot use the SMTP server"
                log.warning(
                    "SMTP server %s:%s unavailable (%s)",
                    settings.host,
                    settings.port,
                    type(exc).__name__,
                )
                break
            row = _claim(ledger, state)
            if row is None:
                report.skipped += 1
                continue
            attempt = state.attempt + 1
            data = message_of(row, settings, moment).as_bytes(policy=POLICY)
            status, detail = server.send(settings.sender, row.address, data)
            if status == "sent":
                _record(ledger, row.id, attempt, "sent", detail)
                report.sent.append(row.id)
                log.info("outbox %d participant %s: sent", row.id, row.participant)
            elif status == "unknown":
                _record(ledger, row.id, attempt, "unknown", detail)
                report.unknown.append(row.id)
                log.warning(
                    "outbox %d participant %s: outcome unknown, not retried",
                    row.id,
                    row.participant,
                )
            else:
                retry_at = None
                if status != "failed-5xx" and attempt < settings.max_attempts:
                    retry_at = moment + dt.timedelta(
                        seconds=settings.backoff_seconds * 2 ** (attempt - 1)
                    )
                _record(ledger, row.id, attempt, "failed", detail, retry_at)
                report.failed.append((row.id, detail, retry_at))
                log.warning(
                    "outbox %d participant %s: failed (%s), %s",
                    row.id,
                    row.participant,
                    detail,
                    "retry later" if retry_at else "given up",
                )
    finally:
        server.drop()
    with ledger.read() as s:
        after = outbox_state(s)
    report.needs_person = [st for st in after if st.needs_person]
    report.waiting = sum(1 for st in after if st.status == "failed" and st.retry_at is not None)
    report.sms_queued = sum(1 for st in after if st.channel == "sms")
    return report


def _claim(ledger: Ledger, state: State) -> OutboxMessage | None:
    """Commit a ``sending`` row for the message's next attempt if it still stands where it
    was read (None: someone else claimed or settled it meanwhile). Attempt and status name one
    row (they are unique per message), so equal means unchanged."""
    try:
        with ledger.write() as s:
            ledger.lock(s, f"outbox:{state.outbox_id}")
            latest = _latest(s, state.outbox_id)
            now = (latest.attempt, latest.status) if latest is not None else (0, "pending")
            if now != (state.attempt, state.status):
                return None
            row = s.get(OutboxMessage, state.outbox_id)
            assert row is not None
            s.add(Delivery(outbox_id=state.outbox_id, attempt=state.attempt + 1, status="sending"))
            s.flush()
            return row
    except IntegrityError:
        return None


def resolve(ledger: Ledger, outbox_id: int, delivered: bool, by: str = "") -> State:
    """A person's answer for a message left ``sending``/``unknown`` or given up: ``delivered``
    records it ``sent``; otherwise it is ``released`` and the next delivery run tries again."""
    with ledger.write() as s:
        ledger.lock(s, f"outbox:{outbox_id}")
        if s.get(OutboxMessage, outbox_id) is None:
            raise DeliveryError(f"no outbox message {outbox_id}")
        latest = _latest(s, outbox_id)
        settled_for_good = latest is not None and (
            latest.status in ("sending", "unknown")
            or (latest.status == "failed" and latest.retry_at is None)
        )
        if latest is None or not settled_for_good:
            status = latest.status if latest is not None else "pending"
            raise DeliveryError(
                f"outbox message {outbox_id} is {status}: only a message left sending, unknown "
                "or given up needs a person's answer"
            )
        who = f" by {by}" if by else ""
        s.add(
            Delivery(
                outbox_id=outbox_id,
                attempt=latest.attempt,
                status="sent" if delivered else "released",
                detail=f"confirmed delivered{who}" if delivered else f"released{who}",
            )
        )
    with ledger.read() as s:
        return next(st for st in outbox_state(s) if st.outbox_id == outbox_id)
