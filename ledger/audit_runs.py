"""Audit runs: the billing and documentation audit of a records document against the published
schedule, kept as an ``audit_runs`` row. The HTTP API and the web desk both run audits here."""

from __future__ import annotations

import datetime as dt
import json

from audit import Finding, audit
from audit.profile import profile_names
from ledger.schema import AuditRun
from ledger.state import Published
from ledger.store import Ledger
from models.records import PayerRules, Records


class UnknownProfileError(ValueError):
    """The asked-for rule profile does not exist (the message names the ones that do)."""

    def __init__(self, profile: str) -> None:
        names = ", ".join(profile_names())
        super().__init__(f"{profile!r} is not a rule profile ({names})")
        self.profile = profile


def with_profile(records: Records, profile: str) -> Records:
    """``records`` with every payer audited under the rule profile ``profile`` (a what-if)."""
    if profile not in profile_names():
        raise UnknownProfileError(profile)
    rules = PayerRules(profile=profile)
    payers = [p.model_copy(update={"rules": rules}) for p in records.payers]
    return records.model_copy(update={"payers": payers})


def run_audit(
    ledger: Ledger,
    pub: Published,
    records: Records,
    as_of: dt.date,
    token_id: int | None,
    profile: str | None = None,
    source: str = "records",
) -> tuple[AuditRun, list[Finding]]:
    """Audit the published schedule ``pub`` and ``records`` (parsed against ``pub.term``) as of
    ``as_of``, every payer under ``profile`` when one is given (:class:`UnknownProfileError`
    for one that does not exist, before anything runs; a ``ContractError`` naming ``source`` for
    a payer whose own rules are wrong); the stored row and all its findings."""
    if profile is not None:
        records = with_profile(records, profile)
    findings = audit(pub.term, pub.schedule, records, as_of, source)
    with ledger.write() as s:
        row = AuditRun(
            as_of=as_of,
            schedule_version=pub.version.number,
            profile=profile,
            findings=json.dumps([f.model_dump(mode="json") for f in findings]),
            token_id=token_id,
        )
        s.add(row)
        s.flush()
    return row, findings
