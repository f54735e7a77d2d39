"""Dependencies shared by the routers: the ledger, the solve jobs, the settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from api.http.jobs import SolveJobs
from api.http.settings import Settings
from ledger.schema import MAX_ID
from ledger.store import Ledger


def ledger_of(request: Request) -> Ledger:
    return request.app.state.ledger


def jobs_of(request: Request) -> SolveJobs:
    return request.app.state.jobs


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


LedgerDep = Annotated[Ledger, Depends(ledger_of)]
JobsDep = Annotated[SolveJobs, Depends(jobs_of)]
SettingsDep = Annotated[Settings, Depends(settings_of)]

V1 = "/v1"
"""Every resource lives under this prefix."""

IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
