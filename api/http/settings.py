"""Service settings, from environment variables (``OTGROUPS_…``) via pydantic-settings."""

from __future__ import annotations

import datetime as dt

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OTGROUPS_", extra="ignore")

    db_url: str = Field(default="sqlite:///otgroups-ledger.sqlite", description="Ledger database")
    max_body_bytes: int = Field(default=5_000_000, ge=1_000, description="Largest request body")
    max_solve_seconds: float = Field(default=300.0, gt=0, description="Cap on a solve's limit")
    default_solve_seconds: float = Field(default=60.0, gt=0)
    max_concurrent_solves: int = Field(default=1, ge=1, description="Solves running at once")
    solve_workers: int = Field(default=2, ge=1, description="CP-SAT workers per solve")
    offer_hours: float = Field(default=48.0, gt=0, description="How long a waitlist offer holds")
    http_threads: int = Field(
        default=8,
        ge=1,
        description="Threads running request handlers: the work is CPU-bound Python, so more "
        "threads only contend for the interpreter lock (and slow whoever holds the write lock)",
    )
    deidentify_salt: str = Field(default="", description="Salt for analysts' de-identified keys")
    now: dt.datetime | None = Field(
        default=None,
        description="The clinic's time that attendance is checked against (a mark other than "
        "excused needs its session to have started): a rehearsal on a term's future dates, "
        "e.g. 2027-09-13T18:00 (the clinic's wall clock); default the clock",
    )

    def clock(self) -> dt.datetime:
        """:attr:`now`, or the clock (an aware UTC time)."""
        return self.now or dt.datetime.now(dt.UTC)
