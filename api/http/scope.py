"""What a principal may see: a clinician reads only the sections they lead (by staff id)."""

from __future__ import annotations

from collections.abc import Iterable

from api.http.auth import Principal
from api.http.problems import ApiProblem
from models import Schedule


def limited(principal: Principal) -> bool:
    """Whether the principal sees only their own sections."""
    return principal.role == "clinician"


def own_sections(principal: Principal, schedule: Schedule) -> set[str] | None:
    """The section ids a clinician leads; None for roles that see every section."""
    if not limited(principal):
        return None
    return {s.id for s in schedule.sections if principal.staff_id in s.staff}


def visible(principal: Principal, schedule: Schedule) -> Schedule:
    """The schedule as the principal may read it: a clinician's sections only, and no
    waitlist or van runs (they name people outside those sections)."""
    mine = own_sections(principal, schedule)
    if mine is None:
        return schedule
    return schedule.model_copy(
        update={
            "sections": [s for s in schedule.sections if s.id in mine],
            "waitlist": [],
            "transport": [],
        }
    )


def own_participants(principal: Principal, schedule: Schedule) -> set[str] | None:
    """The members of a clinician's sections; None for roles that see everyone."""
    mine = own_sections(principal, schedule)
    if mine is None:
        return None
    return {pid for s in schedule.sections if s.id in mine for pid in s.participants}


def check_staff(principal: Principal, staff: Iterable[str], what: str) -> None:
    """403 unless the principal may act on something led by ``staff``."""
    if limited(principal) and principal.staff_id not in set(staff):
        raise ApiProblem(403, "forbidden", "Forbidden", f"{what} is not one of your sections")
