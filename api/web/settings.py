"""Web desk settings, from environment variables (``OTGROUPS_WEB_…``) via pydantic-settings."""

from __future__ import annotations

import secrets

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OTGROUPS_WEB_", extra="ignore")

    secret_key: str = Field(
        default_factory=lambda: secrets.token_urlsafe(32),
        description=(
            "Signs session cookies (default: random per run, so a restart signs everyone out;"
            " `otgroups serve --workers N` draws one for all its workers)"
        ),
    )
    cookie_secure: bool = Field(
        default=False, description="Send cookies over HTTPS only (set it behind TLS)"
    )
    session_hours: float = Field(default=10.0, gt=0, description="A login lasts this long")
    solve_seconds: float = Field(default=30.0, gt=0, description="Solve time offered by default")
