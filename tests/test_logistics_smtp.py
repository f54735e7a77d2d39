"""Delivering the outbox to a real local SMTP server (aiosmtpd on 127.0.0.1): every message
arrives exactly once, a 451 is retried later and then delivered, a stopped server is survived,
running delivery again never delivers twice, and a message left ``sending`` by a crash is not
resent but reported for a person to check."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import smtplib
import socket
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from logistics_helpers import (
    DEMO_NOW,
    FORBIDDEN,
    demo_ledger,
    logistics,
    two_makeups_one_cancellation,
)
from sqlalchemy import select

from ledger.schema import Delivery, OutboxMessage
from ledger.store import Ledger
from logistics.config import LogisticsInputError
from logistics.messages import import_contacts, queue_messages
from logistics.smtp import DeliveryError, SmtpSettings, deliver, outbox_state, resolve

aiosmtpd = pytest.importorskip("aiosmtpd.controller")

CONTACTS = """participant,channel,address,opt_in
P0045,email,p45@example.org,yes
P0043,email,p43@example.org,yes
P0012,email,p12@example.org,yes
P0012,sms,+1 555 010 0012,yes
"""
T0 = dt.datetime(2027, 9, 13, 14, 0, tzinfo=dt.UTC)  # 07:00 at the clinic


class Inbox:
    """An aiosmtpd handler that keeps what it accepts; ``fail_next`` DATA commands get 451."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.fail_next = 0
        self.refused = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.fail_next:
            self.fail_next -= 1
            self.refused += 1
            return "451 4.3.0 Try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, email.message.EmailMessage)
        message["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def ids(self) -> Counter[str]:
        return Counter(str(m["Message-ID"]) for m in self.messages)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalSmtp:
    """An aiosmtpd server on 127.0.0.1 that can be stopped and started again on its port."""

    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox
        self.port = free_port()
        self.controller: Any = None

    def start(self) -> None:
        self.controller = aiosmtpd.Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def server() -> Iterator[tuple[LocalSmtp, Inbox]]:
    inbox = Inbox()
    smtp = LocalSmtp(inbox)
    smtp.start()
    yield smtp, inbox
    smtp.stop()


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("published")


@pytest.fixture
def ledger(tmp_path: Path, cache_dir: Path) -> Iterator[Ledger]:
    handle = demo_ledger(tmp_path, cache_dir)
    path = tmp_path / "contacts.csv"
    path.write_text(CONTACTS)
    import_contacts(handle, path)
    two_makeups_one_cancellation(handle)
    queue_messages(handle, DEMO_NOW, days_ahead=2, logistics=logistics())
    yield handle
    handle.dispose()


def settings(controller: LocalSmtp) -> SmtpSettings:
    return SmtpSettings(
        host="127.0.0.1",
        port=controller.port,
        sender="groups@pinehollow.example",
        timeout=5,
        backoff_seconds=60,
        max_attempts=3,
    )


def emails(ledger: Ledger) -> list[OutboxMessage]:
    with ledger.read() as s:
        return list(
            s.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.channel == "email")
                .order_by(OutboxMessage.id)
            )
        )


def test_outbox_delivered_exactly_once_through_a_451(
    ledger: Ledger, server: tuple[LocalSmtp, Inbox]
) -> None:
    controller, inbox = server
    rows = emails(ledger)
    assert len(rows) >= 5
    inbox.fail_next = 1  # the first message is refused once with 451

    first = deliver(ledger, settings(controller), T0)
    assert len(first.sent) == len(rows) - 1 and inbox.refused == 1
    [(failed_id, detail, retry_at)] = first.failed
    assert failed_id == rows[0].id and detail == "451 to DATA"
    assert retry_at == T0 + dt.timedelta(seconds=60)
    assert first.waiting == 1 and not first.needs_person
    assert first.sms_queued == sum(1 for st in outbox_state_of(ledger) if st.channel == "sms")

    early = deliver(ledger, settings(controller), T0 + dt.timedelta(seconds=30))
    assert early.sent == [] and early.failed == []  # not due yet

    retried = deliver(ledger, settings(controller), T0 + dt.timedelta(seconds=61))
    assert retried.sent == [failed_id] and retried.waiting == 0

    for later in (2, 3):
        again = deliver(ledger, settings(controller), T0 + dt.timedelta(hours=later))
        assert again.sent == [] and again.failed == []

    # exactly once: one copy of every email in the outbox, to its own address, nothing else
    ids = inbox.ids()
    assert set(ids.values()) == {1}
    assert set(ids) == {f"<otgroups-outbox-{r.id}@pinehollow.example>" for r in rows}
    by_id = {r.id: r for r in rows}
    for message in inbox.messages:
        row = by_id[int(re.findall(r"outbox-(\d+)@", str(message["Message-ID"]))[0])]
        assert message["X-Envelope-To"] == row.address == message["To"]
        assert message["Subject"] == row.subject
        text = f"{message['Subject']}\n{message.get_content()}"
        for word in FORBIDDEN:
            assert not re.search(rf"(?<![\w-]){re.escape(word)}", text, re.IGNORECASE), word
        assert not re.search(r"P\d{4}", text)
    with ledger.read() as s:
        steps = Counter(s.scalars(select(Delivery.status)))
    assert steps == {"sending": len(rows) + 1, "sent": len(rows), "failed": 1}


def outbox_state_of(ledger: Ledger) -> list[Any]:
    with ledger.read() as s:
        return outbox_state(s)


def test_a_stopped_server_is_survived(ledger: Ledger, server: tuple[LocalSmtp, Inbox]) -> None:
    controller, inbox = server
    rows = emails(ledger)
    controller.stop()
    down = deliver(ledger, settings(controller), T0)
    assert down.server_error and down.sent == []
    assert {st.status for st in outbox_state_of(ledger) if st.channel == "email"} == {"pending"}
    controller.start()
    up = deliver(ledger, settings(controller), T0 + dt.timedelta(minutes=5))
    assert sorted(up.sent) == [r.id for r in rows]
    assert deliver(ledger, settings(controller), T0 + dt.timedelta(hours=1)).sent == []
    assert set(inbox.ids().values()) == {1} and len(inbox.messages) == len(rows)


def test_a_message_left_sending_is_reported_not_resent(
    ledger: Ledger, server: tuple[LocalSmtp, Inbox], caplog: pytest.LogCaptureFixture
) -> None:
    controller, inbox = server
    rows = emails(ledger)
    crashed = rows[1]
    with ledger.write() as s:  # a sender died after claiming it, before recording the outcome
        s.add(Delivery(outbox_id=crashed.id, attempt=1, status="sending"))
    caplog.set_level("INFO", logger="otgroups.logistics.smtp")
    report = deliver(ledger, settings(controller), T0)
    assert crashed.id not in report.sent and len(report.sent) == len(rows) - 1
    assert [st.outbox_id for st in report.needs_person] == [crashed.id]
    assert report.needs_person[0].status == "sending"
    assert f"<otgroups-outbox-{crashed.id}@pinehollow.example>" not in inbox.ids()
    # logs carry outbox and participant ids only
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "outbox" in logged and "@" not in logged and "Subject" not in logged

    with pytest.raises(DeliveryError):
        resolve(ledger, rows[0].id, delivered=False)  # sent: nothing for a person to decide
    state = resolve(ledger, crashed.id, delivered=False, by="front desk")
    assert state.status == "released"
    after = deliver(ledger, settings(controller), T0 + dt.timedelta(minutes=1))
    assert after.sent == [crashed.id] and not after.needs_person
    assert set(inbox.ids().values()) == {1} and len(inbox.messages) == len(rows)


def test_repeated_refusals_are_given_up_and_reported(
    ledger: Ledger, server: tuple[LocalSmtp, Inbox]
) -> None:
    controller, inbox = server
    rows = emails(ledger)
    inbox.fail_next = 10**6  # 451 forever
    config = settings(controller)
    moment = T0
    for _ in range(config.max_attempts):
        deliver(ledger, config, moment)
        moment += dt.timedelta(hours=1)
    report = deliver(ledger, config, moment)
    assert report.sent == [] and report.waiting == 0
    assert {st.outbox_id for st in report.needs_person} == {r.id for r in rows}
    assert inbox.refused == config.max_attempts * len(rows) and inbox.messages == []
    resolve(ledger, rows[0].id, delivered=True, by="checked by phone")
    assert rows[0].id not in {st.outbox_id for st in deliver(ledger, config, moment).needs_person}


def test_a_connection_lost_during_data_is_not_retried(
    ledger: Ledger, server: tuple[LocalSmtp, Inbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server had the whole message when the line dropped: it may have delivered it, so
    it is left for a person (``unknown``), never sent again automatically."""
    controller, inbox = server
    rows = emails(ledger)
    real = smtplib.SMTP.data
    calls = {"n": 0}

    def data_then_drop(self: smtplib.SMTP, msg: Any) -> tuple[int, bytes]:
        calls["n"] += 1
        real(self, msg)
        if calls["n"] == 1:
            raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")
        return 250, b"OK"

    monkeypatch.setattr(smtplib.SMTP, "data", data_then_drop)
    report = deliver(ledger, settings(controller), T0)
    assert report.unknown == [rows[0].id] and len(report.sent) == len(rows) - 1
    assert [st.outbox_id for st in report.needs_person] == [rows[0].id]
    again = deliver(ledger, settings(controller), T0 + dt.timedelta(days=1))
    assert again.sent == [] and again.unknown == []
    assert set(inbox.ids().values()) == {1} and len(inbox.messages) == len(rows)


def test_remind_send_reads_settings_from_the_environment(
    ledger: Ledger, server: tuple[LocalSmtp, Inbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from api.cli import app

    controller, inbox = server
    for name, value in {
        "HOST": "127.0.0.1",
        "PORT": str(controller.port),
        "FROM": "groups@pinehollow.example",
        "STARTTLS": "false",
    }.items():
        monkeypatch.setenv(f"OTGROUPS_SMTP_{name}", value)
    assert SmtpSettings().sender == "groups@pinehollow.example"
    args = ["term", "remind", "--now", "2027-09-13 07:00", "--send", "--db", ledger.url]
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = emails(ledger)
    assert f"Delivered {len(rows)} email(s)" in result.output
    assert {str(m["From"]) for m in inbox.messages} == {"groups@pinehollow.example"}
    again = CliRunner().invoke(app, args, catch_exceptions=False)
    assert "Delivered 0 email(s)" in again.output and len(inbox.messages) == len(rows)

    controller.stop()
    queue_messages(ledger, dt.datetime(2027, 9, 14, 7), days_ahead=2, logistics=logistics())
    down = CliRunner().invoke(app, args, catch_exceptions=False)
    assert down.exit_code == 1 and "Could not deliver" in down.output


def test_wrong_smtp_settings_name_the_variable_never_the_value(monkeypatch) -> None:
    monkeypatch.setenv("OTGROUPS_SMTP_PORT", "abc")
    monkeypatch.setenv("OTGROUPS_SMTP_PASSWORD", "hunter2")
    with pytest.raises(LogisticsInputError) as info:
        SmtpSettings.from_environment()
    assert "OTGROUPS_SMTP_PORT" in str(info.value) and "hunter2" not in str(info.value)
    monkeypatch.setenv("OTGROUPS_SMTP_PORT", "2525")
    assert SmtpSettings.from_environment().port == 2525
