"""Billing and documentation audit: post-solve checks of a schedule and held sessions against
payer rule profiles (``../shared/contract/audit.md``)."""

from audit.findings import CODES, Finding, summary, to_csv, to_frame
from audit.run import audit

__all__ = ["CODES", "Finding", "audit", "summary", "to_csv", "to_frame"]
