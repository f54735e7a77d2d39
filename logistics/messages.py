"""Reminders: contacts and opt-ins, templates, and the outbox.

**Contacts** (:func:`import_contacts`): a CSV file ``participant,channel,address,opt_in`` adds a
:class:`~ledger.schema.Contact` row for each line that changes what the ledger holds (the latest
row per participant and channel counts; importing the same file again adds nothing). Channels
are ``email`` (delivered by :mod:`logistics.smtp`) and ``sms`` (queued and recorded; there is no
SMS transport yet). Messages go only to opted-in channels.

**Templates** are Jinja2 files ``<kind>.<channel>.j2`` (kinds ``upcoming``, ``makeup``,
``offer``, ``cancellation``); an email template's first line is ``Subject: …``. The clinic
overrides any of them with a folder of its own (``--templates`` or ``$OTGROUPS_TEMPLATES``);
files it does not override come from ``logistics/templates``. They receive the group's public
name, date, times, room or meeting point, the van's times for off-site groups, and what to bring
(the logistics file) — never tracks, diagnoses, acuity or other participants.

**Queueing** (:func:`queue_messages`) finds, as of ``now`` in the clinic's time zone:

- ``upcoming``: each participant's standing sessions from now to ``days_ahead`` days ahead;
- ``makeup``: standing makeups booked into sessions still to come;
- ``cancellation``: sessions still to come within ``horizon_days`` that were cancelled (or their
  date closed), and makeups cancelled (an enrollment that ends only shows in the calendar);
- ``offer``: open waitlist offers (no response, not expired);

renders one message per opted-in channel, checks it holds no sensitive word
(:meth:`logistics.privacy.Privacy.find`; one that does is refused, not queued), and inserts it
into the outbox under its dedupe key ``kind:event:participant:channel:v<event version>`` (the
event's calendar sequence), in one transaction: re-running never queues a message twice, and a
changed event (a new version) is announced again.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.schema import (
    Contact,
    Offer,
    OfferResponse,
    OutboxMessage,
    WaitlistEntry,
    as_utc,
)
from ledger.state import Published, published
from ledger.store import Ledger
from logistics.config import Logistics, LogisticsInputError
from logistics.events import LedgerEvents, PersonEvent
from logistics.privacy import Privacy
from models import format_time
from models.dated import clinic_time, weekday

CONTACT_COLUMNS = ("participant", "channel", "address", "opt_in")
"""The contacts CSV's header (any order; ``opt_in`` yes/no, true/false or 1/0)."""
CHANNELS: tuple[str, ...] = ("email", "sms")
KINDS: tuple[str, ...] = ("upcoming", "makeup", "offer", "cancellation")
TEMPLATES_ENV = "OTGROUPS_TEMPLATES"
BUILTIN_TEMPLATES = Path(__file__).parent / "templates"
_TRUE = {"true", "yes", "y", "1", "opt-in", "opted-in"}
_FALSE = {"false", "no", "n", "0", "opt-out", "opted-out", ""}


# -- contacts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactLine:
    participant: str
    channel: str
    address: str
    opt_in: bool


@dataclass(frozen=True)
class ImportResult:
    added: int
    unchanged: int
    opted_in: int
    """Participant-channel pairs opted in after the import."""


def read_contacts(path: Path, participants: Iterable[str]) -> list[ContactLine]:
    """The lines of a contacts CSV, checked (:class:`LogisticsInputError` names the row and
    column, never the address)."""
    known = set(participants)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise LogisticsInputError(f"no contacts file at {path}") from None
    except OSError as exc:
        raise LogisticsInputError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise LogisticsInputError(
            f"{path.name} is not UTF-8 text (byte {exc.start}); save it as CSV UTF-8"
        ) from None
    with io.StringIO(text, newline="") as handle:
        reader = csv.DictReader(handle)
        wanted = CONTACT_COLUMNS
        header = [h.strip().lower() for h in reader.fieldnames or []]
        missing = [c for c in wanted if c not in header]
        if missing:
            raise LogisticsInputError(
                f"{path.name}: the header lacks column(s) {', '.join(missing)} "
                f"(expected {','.join(wanted)})"
            )
        lines: dict[tuple[str, str], ContactLine] = {}
        for n, raw in enumerate(reader, start=2):
            row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
            where = f"{path.name} row {n}"
            pid, channel = row["participant"], row["channel"].lower()
            if pid not in known:
                raise LogisticsInputError(
                    f"{where}, column participant: {pid!r} is not a participant of the term"
                )
            if channel not in CHANNELS:
                raise LogisticsInputError(
                    f"{where}, column channel: {channel!r} is not one of {', '.join(CHANNELS)}"
                )
            address = row["address"]
            if channel == "email" and (address.count("@") != 1 or " " in address):
                raise LogisticsInputError(f"{where}, column address: not an email address")
            digits = address.replace(" ", "").replace("-", "")
            if channel == "sms" and not (digits.lstrip("+").isdigit() and len(digits) >= 7):
                raise LogisticsInputError(f"{where}, column address: not a phone number")
            flag = row["opt_in"].lower()
            if flag not in _TRUE | _FALSE:
                raise LogisticsInputError(
                    f"{where}, column opt_in: {row['opt_in']!r} is not yes/no (true/false, 1/0)"
                )
            if (pid, channel) in lines:
                raise LogisticsInputError(
                    f"{where}: a second line for {pid} on {channel} (one line per channel)"
                )
            lines[pid, channel] = ContactLine(pid, channel, address, flag in _TRUE)
    return list(lines.values())


def current_contacts(s: Session) -> dict[tuple[str, str], Contact]:
    """(participant, channel) → the latest contact row."""
    latest: dict[tuple[str, str], Contact] = {}
    for row in s.scalars(select(Contact).order_by(Contact.id)):
        latest[row.participant, row.channel] = row
    return latest


def import_contacts(ledger: Ledger, path: Path) -> ImportResult:
    """Add the file's contacts that differ from the ledger's, in one transaction."""
    with ledger.read() as s:
        pub = published(s)
    lines = read_contacts(path, (p.id for p in pub.term.participants))
    added = unchanged = 0
    with ledger.write() as s:
        ledger.lock(s, "contacts")
        have = current_contacts(s)
        for line in lines:
            row = have.get((line.participant, line.channel))
            if row is not None and (row.address, row.opt_in) == (line.address, line.opt_in):
                unchanged += 1
                continue
            s.add(
                Contact(
                    participant=line.participant,
                    channel=line.channel,
                    address=line.address,
                    opt_in=line.opt_in,
                    source=path.name[:200],
                )
            )
            added += 1
        s.flush()
        opted = sum(1 for c in current_contacts(s).values() if c.opt_in)
    return ImportResult(added, unchanged, opted)


# -- templates -----------------------------------------------------------------------------------


class Templates:
    """The message templates: the clinic's folder first, then the built-in ones."""

    def __init__(self, folder: Path | str | None = None) -> None:
        if folder is None:
            folder = os.environ.get(TEMPLATES_ENV) or None
        loaders: list[jinja2.BaseLoader] = []
        if folder is not None:
            folder = Path(folder)
            if not folder.is_dir():
                raise LogisticsInputError(f"no templates folder at {folder}")
            loaders.append(jinja2.FileSystemLoader(str(folder)))
        loaders.append(jinja2.FileSystemLoader(str(BUILTIN_TEMPLATES)))
        self.folder = folder
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            autoescape=False,
        )

    def render(self, kind: str, channel: str, context: dict[str, Any]) -> tuple[str, str]:
        """(subject, body) of a ``kind`` message on ``channel``."""
        name = f"{kind}.{channel}.j2"
        try:
            text = self.env.get_template(name).render(**context)
        except jinja2.TemplateNotFound:
            raise LogisticsInputError(f"no template {name}") from None
        except jinja2.TemplateError as exc:
            raise LogisticsInputError(f"template {name}: {exc}") from None
        if channel != "email":
            return "", " ".join(text.split())
        first, _, rest = text.partition("\n")
        if not first.startswith("Subject:"):
            raise LogisticsInputError(f"template {name}: the first line must be 'Subject: …'")
        return first.removeprefix("Subject:").strip()[:200], rest.lstrip("\n").rstrip() + "\n"


# -- drafts --------------------------------------------------------------------------------------


WEEKDAYS = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}


@dataclass(frozen=True)
class Due:
    """A message due for a participant, before its channels: kind, event id and version, and
    the template context."""

    kind: str
    event: str
    version: int
    participant: str
    context: dict[str, Any]


@dataclass(frozen=True)
class Draft:
    """A message ready for the outbox."""

    kind: str
    event: str
    version: int
    participant: str
    channel: str
    address: str
    subject: str
    body: str

    @property
    def dedupe_key(self) -> str:
        return f"{self.kind}:{self.event}:{self.participant}:{self.channel}:v{self.version}"


@dataclass
class QueueReport:
    queued: list[tuple[int, str, str, str]] = field(default_factory=list)
    """(outbox id, kind, participant, channel) of each message queued now."""
    already: int = 0
    """Messages found already queued (same dedupe key)."""
    not_opted_in: int = 0
    """Messages not queued: the participant has no opted-in channel."""
    refused: list[tuple[str, str, str]] = field(default_factory=list)
    """(kind, participant, sensitive word) of rendered messages refused."""

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for _, kind, _, _ in self.queued:
            out[kind] += 1
        return dict(out)


def _date_text(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


def _date_short(day: dt.date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


class Composer:
    """Renders the drafts of one moment from the ledger."""

    def __init__(
        self,
        s: Session,
        pub: Published,
        logistics: Logistics | None = None,
        templates: Templates | None = None,
    ) -> None:
        self.s = s
        self.pub = pub
        self.logistics = logistics or Logistics()
        self.templates = templates or Templates()
        self.privacy = Privacy(pub.term, self.logistics)
        self.events = LedgerEvents(s, pub)
        self.contacts = {
            key: row for key, row in current_contacts(s).items() if row.opt_in and row.address
        }

    # contexts

    def _base(self) -> dict[str, Any]:
        name = self.pub.term.clinic.name
        return {"clinic": name, "clinic_short": self.logistics.short_name or name}

    def _place(self, room: str | None) -> str:
        if room is None:
            return ""
        try:
            return self.pub.term.room(room).name or room
        except KeyError:
            return room

    def event_context(self, event: PersonEvent) -> dict[str, Any]:
        try:
            gt = self.pub.term.group_type(event.group_type)
        except KeyError:
            gt = None
        extra = self.logistics.group(event.group_type)
        offsite = event.vehicle is not None or (gt is not None and gt.offsite)
        departs, returns = event.span(gt)
        return {
            **self._base(),
            "group": self.privacy.group_name(event.group_type),
            "date": event.date.isoformat(),
            "date_text": _date_text(event.date),
            "date_short": _date_short(event.date),
            "weekday": f"{event.date:%A}",
            "start": format_time(event.start),
            "end": format_time(event.end),
            "place": self._place(event.room) if not offsite else "off site",
            "offsite": offsite,
            "meeting_point": extra.meeting_point or self.logistics.meeting_point,
            "departs": format_time(departs),
            "returns": format_time(returns),
            "partner": extra.partner or "",
            "address": extra.address or "",
            "bring": list(extra.bring),
            "makeup": event.makeup,
            "session_cancelled": event.session_cancelled,
        }

    def offer_context(self, offer: Any, moment: dt.datetime) -> dict[str, Any]:
        """An offer's group, start date, expiry and weekly meetings (the section's dated
        sessions in its first week, else its meetings in the schedule in force)."""
        week = sorted(
            (
                row
                for row in self.events.by_section.get(offer.section, [])
                if offer.from_date <= row.date < offer.from_date + dt.timedelta(days=7)
                and row.cancelled_at is None
            ),
            key=lambda r: (r.date, r.start),
        )
        found: list[tuple[str, int, int, str | None, str | None]] = [
            (weekday(r.date), r.start, r.end, r.room, r.vehicle) for r in week
        ]
        if not found:
            found = [
                (m.day, m.start, m.end, sec.room, sec.vehicle)
                for sec in self.pub.schedule.sections
                if sec.id == offer.section
                for m in sec.meetings
            ]
        meetings = [
            {
                "weekday": WEEKDAYS[day],
                "start": format_time(start),
                "end": format_time(end),
                "place": "off site" if vehicle is not None else self._place(room),
            }
            for day, start, end, room, vehicle in found
        ]
        expires = as_utc(offer.expires_at).astimezone(moment.tzinfo)
        return {
            **self._base(),
            "group": self.privacy.group_name(offer.group_type),
            "from": offer.from_date.isoformat(),
            "from_text": _date_text(offer.from_date),
            "from_short": _date_short(offer.from_date),
            "expires_text": f"{_date_text(expires.date())} at {expires:%H:%M}",
            "meetings": meetings,
            "bring": list(self.logistics.group(offer.group_type).bring),
        }

    # what is due

    def due(self, now: dt.datetime | None, days_ahead: int, horizon_days: int) -> list[Due]:
        """Every message due at ``now``, before channels (see the module docstring)."""
        moment = clinic_time(self.pub.term, now)
        today = moment.date()
        minute = moment.hour * 60 + moment.minute
        out: list[Due] = []
        for pid in self.events.participants():
            for event in self.events.participant_events(pid, today, None):
                if (event.date, event.start) <= (today, minute):
                    continue
                kinds = []
                if not event.cancelled:
                    if event.date <= today + dt.timedelta(days=days_ahead):
                        kinds.append("upcoming")
                    if event.makeup:
                        kinds.append("makeup")
                elif event.date <= today + dt.timedelta(days=horizon_days) and (
                    event.session_cancelled or (event.makeup and not event.attending)
                ):
                    kinds.append("cancellation")
                for kind in kinds:
                    context = self.event_context(event)
                    session = f"session-{event.session_id}"
                    out.append(Due(kind, session, event.sequence, pid, context))
        for offer in self._open_offers(moment):
            context = self.offer_context(offer, moment)
            out.append(Due("offer", f"offer-{offer.id}", 0, offer.participant, context))
        return out

    def _open_offers(self, moment: dt.datetime) -> list[Any]:
        rows = self.s.execute(
            select(
                Offer.id,
                Offer.section,
                Offer.from_date,
                Offer.expires_at,
                WaitlistEntry.participant,
                WaitlistEntry.group_type,
            )
            .join(WaitlistEntry, WaitlistEntry.id == Offer.entry_id)
            .outerjoin(OfferResponse, OfferResponse.offer_id == Offer.id)
            .where(OfferResponse.id.is_(None))
            .order_by(Offer.id)
        ).all()
        return [r for r in rows if as_utc(r.expires_at) > moment.astimezone(dt.UTC)]

    def drafts(
        self, now: dt.datetime | None, days_ahead: int, horizon_days: int, report: QueueReport
    ) -> list[Draft]:
        out = []
        for due in self.due(now, days_ahead, horizon_days):
            pid = due.participant
            channels = [c for c in CHANNELS if (pid, c) in self.contacts]
            if not channels:
                report.not_opted_in += 1
                continue
            for channel in channels:
                subject, body = self.templates.render(due.kind, channel, due.context)
                word = self.privacy.find(f"{subject}\n{body}")
                if word is not None:
                    report.refused.append((due.kind, pid, word))
                    continue
                out.append(
                    Draft(
                        kind=due.kind,
                        event=due.event,
                        version=due.version,
                        participant=pid,
                        channel=channel,
                        address=self.contacts[pid, channel].address,
                        subject=subject,
                        body=body,
                    )
                )
        return out


def queue_messages(
    ledger: Ledger,
    now: dt.datetime | None = None,
    days_ahead: int = 2,
    horizon_days: int = 14,
    logistics: Logistics | None = None,
    templates: Templates | None = None,
) -> QueueReport:
    """Queue every message due at ``now`` that is not queued yet (see the module docstring)."""
    if days_ahead < 0 or horizon_days < 0:
        raise LogisticsInputError("days ahead and the horizon are 0 or more")
    report = QueueReport()
    with ledger.write() as s:
        ledger.lock(s, "outbox")
        pub = published(s)
        composer = Composer(s, pub, logistics, templates)
        drafts = composer.drafts(now, days_ahead, horizon_days, report)
        keys = [d.dedupe_key for d in drafts]
        have: set[str] = set()
        for start in range(0, len(keys), 500):
            have |= set(
                s.scalars(
                    select(OutboxMessage.dedupe_key).where(
                        OutboxMessage.dedupe_key.in_(keys[start : start + 500])
                    )
                )
            )
        fresh = []
        for draft in drafts:
            if draft.dedupe_key in have:
                report.already += 1
                continue
            have.add(draft.dedupe_key)
            row = OutboxMessage(
                dedupe_key=draft.dedupe_key,
                kind=draft.kind,
                event=draft.event,
                event_version=draft.version,
                participant=draft.participant,
                channel=draft.channel,
                address=draft.address,
                subject=draft.subject,
                body=draft.body,
            )
            s.add(row)
            fresh.append(row)
        s.flush()
        report.queued = [(r.id, r.kind, r.participant, r.channel) for r in fresh]
    return report
