"""Reminders: contacts and opt-ins, the outbox's dedupe key, what messages say (and never
say), offers, cancellations and the clinic's own templates."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from logistics_helpers import (
    DEMO_NOW,
    FORBIDDEN,
    FRI,
    demo_ledger,
    logistics,
    two_makeups_one_cancellation,
)
from sqlalchemy import func, select

from ledger.makeups import book, cancel_makeup, search
from ledger.schema import Contact, DatedSession, Makeup, Offer, OutboxMessage, WaitlistEntry
from ledger.state import published
from ledger.store import Ledger
from logistics.config import LogisticsInputError
from logistics.events import LedgerEvents
from logistics.messages import Templates, import_contacts, queue_messages

CONTACTS = """participant,channel,address,opt_in
P0045,email,p45@example.org,yes
P0045,sms,+1 555 010 0045,yes
P0043,email,p43@example.org,no
P0043,sms,+1 555 010 0043,yes
P0012,email,p12@example.org,true
P0020,email,p20@example.org,1
"""


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("published")


@pytest.fixture
def ledger(tmp_path: Path, cache_dir: Path) -> Iterator[Ledger]:
    handle = demo_ledger(tmp_path, cache_dir)
    path = tmp_path / "contacts.csv"
    path.write_text(CONTACTS)
    import_contacts(handle, path)
    yield handle
    handle.dispose()


def outbox(ledger: Ledger) -> list[OutboxMessage]:
    with ledger.read() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_contacts_import_is_checked_and_idempotent(ledger: Ledger, tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    again = import_contacts(ledger, path)
    assert (again.added, again.unchanged, again.opted_in) == (0, 6, 5)
    path.write_text(CONTACTS.replace("P0043,email,p43@example.org,no", "P0043,email,p43@x.org,yes"))
    changed = import_contacts(ledger, path)
    assert (changed.added, changed.opted_in) == (1, 6)
    with ledger.read() as s:
        assert s.scalar(select(func.count()).select_from(Contact)) == 7  # history kept

    bad = {
        "participant,channel,address,opt_in\nP9999,email,a@b.org,yes\n": "column participant",
        "participant,channel,address,opt_in\nP0001,fax,123,yes\n": "column channel",
        "participant,channel,address,opt_in\nP0001,email,nobody,yes\n": "not an email address",
        "participant,channel,address,opt_in\nP0001,sms,call me,yes\n": "not a phone number",
        "participant,channel,address,opt_in\nP0001,email,a@b.org,maybe\n": "column opt_in",
        "participant,channel,address\nP0001,email,a@b.org\n": "lacks column(s) opt_in",
    }
    for text, message in bad.items():
        path.write_text(text)
        with pytest.raises(LogisticsInputError, match=re.escape(message)) as caught:
            import_contacts(ledger, path)
        assert "@" not in str(caught.value).replace("a@b.org,yes", "")  # no address echoed
    path.write_bytes(
        "participant,channel,address,opt_in\nP0001,email,é@b.org,yes\n".encode("latin-1")
    )
    with pytest.raises(LogisticsInputError, match="is not UTF-8 text"):
        import_contacts(ledger, path)
    with ledger.read() as s:
        assert s.scalar(select(func.count()).select_from(Contact)) == 7  # nothing written


def test_queue_dedupes_and_only_uses_opted_in_channels(ledger: Ledger) -> None:
    two_makeups_one_cancellation(ledger)
    first = queue_messages(ledger, DEMO_NOW, days_ahead=2, logistics=logistics())
    assert first.queued and not first.refused
    again = queue_messages(ledger, DEMO_NOW, days_ahead=2, logistics=logistics())
    assert again.queued == [] and again.already == len(first.queued)
    rows = outbox(ledger)
    assert len(rows) == len(first.queued)
    assert len({r.dedupe_key for r in rows}) == len(rows)
    channels = {(r.participant, r.channel) for r in rows}
    assert ("P0043", "email") not in channels  # opted out
    assert ("P0043", "sms") in channels
    assert {p for p, _ in channels} <= {"P0045", "P0043", "P0012", "P0020"}
    for row in rows:
        assert row.dedupe_key == (
            f"{row.kind}:{row.event}:{row.participant}:{row.channel}:v{row.event_version}"
        )
    kinds = {(r.participant, r.kind) for r in rows}
    # P0045: upcoming (Mon-Wed), the makeup on Fri, the cancellation of Mon 20 Sep
    assert {("P0045", "upcoming"), ("P0045", "makeup"), ("P0045", "cancellation")} <= kinds
    assert ("P0043", "makeup") in kinds
    makeup = next(
        r for r in rows if (r.participant, r.kind, r.channel) == ("P0045", "makeup", "email")
    )
    assert "Friday 17 September" in makeup.body and "14:00" in makeup.body
    assert "Art Studio" in makeup.body and "clothes that can get messy" in makeup.body
    assert makeup.subject.startswith("Makeup session booked: Creative Expression")
    cancel = next(r for r in rows if (r.participant, r.kind) == ("P0045", "cancellation"))
    assert "Monday 20 September" in cancel.body and "cancelled" in cancel.body
    # a later day brings the next reminders; nothing already queued is queued again
    later = queue_messages(ledger, dt.datetime(2027, 9, 15, 18, 0), 2, logistics=logistics())
    assert later.queued and {k for _, k, _, _ in later.queued} <= {"upcoming"}


def test_messages_say_nothing_clinical_and_only_own_sessions(ledger: Ledger) -> None:
    two_makeups_one_cancellation(ledger)
    queue_messages(ledger, DEMO_NOW, days_ahead=6, logistics=logistics())
    rows = outbox(ledger)
    assert rows
    with ledger.read() as s:
        events = LedgerEvents(s, published(s))
        own = {
            pid: {(e.date, e.start) for e in events.participant_events(pid)}
            for pid in {r.participant for r in rows}
        }
    for row in rows:
        text = f"{row.subject}\n{row.body}"
        for word in FORBIDDEN:
            assert not re.search(rf"(?<![\w-]){re.escape(word)}", text, re.IGNORECASE), (
                word,
                row.id,
            )
        assert not re.search(r"P\d{4}", text)  # no participant ids, theirs or others'
        assert row.event.startswith("session-")
        sid = int(row.event.split("-")[1])
        with ledger.read() as s:
            session = s.get(DatedSession, sid)
            assert session is not None
        assert (session.date, session.start) in own[row.participant]
        assert f"{session.start // 60:02d}:{session.start % 60:02d}" in text
    # the psychosis group's members get its public name
    psychosis = [r for r in rows if "Cognitive Skills Group" in r.body]
    assert all("Psychosis" not in r.body for r in psychosis)


def test_offers_are_announced_until_they_expire(ledger: Ledger) -> None:
    with ledger.write() as s:
        entry = WaitlistEntry(
            participant="P0020",
            group_type="gardening",
            priority="recommended",
            requested_on=dt.date(2027, 9, 13),
            reasons=[],
        )
        s.add(entry)
        s.flush()
        s.add(
            Offer(
                entry_id=entry.id,
                section="gardening-3",
                from_date=FRI,
                expires_at=dt.datetime(2027, 9, 15, 1, 0, tzinfo=dt.UTC),  # 14 Sep 18:00 local
            )
        )
    report = queue_messages(ledger, DEMO_NOW, days_ahead=0, logistics=logistics())
    offers = [r for r in outbox(ledger) if r.kind == "offer"]
    assert [r.participant for r in offers] == ["P0020"] and offers[0].event.startswith("offer-")
    body = offers[0].body
    assert "Therapeutic Gardening" in body and "Friday 17 September" in body
    assert "Fridays 10:00 to 11:00, Courtyard Garden" in body
    assert "Tuesday 14 September at 18:00" in body
    assert "a hat, sturdy shoes" in body
    assert report.counts()["offer"] == 1
    late = queue_messages(ledger, dt.datetime(2027, 9, 14, 19, 0), 0, logistics=logistics())
    assert "offer" not in late.counts()


def test_clinic_templates_override_and_leaks_are_refused(ledger: Ledger, tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "upcoming.email.j2").write_text(
        "Subject: See you {{ weekday }}\n\n{{ group }} at {{ start }}, {{ place }}.\n"
    )
    report = queue_messages(ledger, DEMO_NOW, 0, logistics=logistics(), templates=Templates(folder))
    rows = [r for r in outbox(ledger) if r.kind == "upcoming" and r.channel == "email"]
    assert rows and all(r.subject.startswith("See you ") for r in rows)
    sms = [r for r in outbox(ledger) if r.channel == "sms"]
    assert all(r.body.startswith("Pine Hollow CMHC: reminder") for r in sms)  # not overridden
    assert not report.refused

    (folder / "upcoming.email.j2").write_text(
        "Subject: Reminder\n\nYour trauma group {{ group }} meets at {{ start }}.\n"
    )
    leaked = queue_messages(
        ledger, dt.datetime(2027, 9, 14, 7), 0, logistics=logistics(), templates=Templates(folder)
    )
    assert leaked.refused and {w for _, _, w in leaked.refused} == {"trauma"}
    assert all("trauma" not in r.body for r in outbox(ledger))

    (folder / "upcoming.email.j2").write_text("no subject line {{ group }}\n")
    with pytest.raises(LogisticsInputError, match="Subject"):
        queue_messages(ledger, dt.datetime(2027, 9, 15, 7), 0, templates=Templates(folder))
    (folder / "upcoming.email.j2").write_text("Subject: x\n\n{{ nonsense }}\n")
    with pytest.raises(LogisticsInputError, match="nonsense"):
        queue_messages(ledger, dt.datetime(2027, 9, 15, 7), 0, templates=Templates(folder))


def test_a_changed_event_is_announced_again(ledger: Ledger) -> None:
    scenario = two_makeups_one_cancellation(ledger)
    queue_messages(ledger, DEMO_NOW, 0, logistics=logistics())
    with ledger.read() as s:
        makeup = s.scalars(select(Makeup).where(Makeup.participant == "P0045")).one()
    cancel_makeup(ledger, makeup.id)
    queue_messages(ledger, DEMO_NOW, 0, logistics=logistics())
    option = next(
        o
        for o in search(ledger, "P0045", scenario.missed, 14, DEMO_NOW).options
        if o.session_id == scenario.regular_makeup.session_id
    )
    book(ledger, "P0045", scenario.missed, option)
    queue_messages(ledger, DEMO_NOW, 0, logistics=logistics())
    event = f"session-{scenario.regular_makeup.session_id}"
    seen = [
        (r.kind, r.event_version)
        for r in outbox(ledger)
        if r.event == event and r.participant == "P0045" and r.channel == "email"
    ]
    assert seen == [("makeup", 0), ("cancellation", 1), ("makeup", 2)]
