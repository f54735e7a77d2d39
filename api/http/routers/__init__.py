"""One router per resource, all under ``/v1`` (``health`` at the root)."""

from fastapi import APIRouter

from api.http.routers import (
    admissions,
    attendance,
    audits,
    closures,
    exports,
    health,
    makeups,
    schedules,
    sessions,
    solves,
    terms,
    tokens,
    waitlists,
)

ROUTERS: tuple[APIRouter, ...] = (
    terms.router,
    solves.router,
    schedules.router,
    sessions.router,
    attendance.router,
    makeups.router,
    waitlists.router,
    admissions.router,
    closures.router,
    audits.router,
    exports.router,
    tokens.router,
)

__all__ = ["ROUTERS", "health"]
