"""``/v1/makeups``: contract section 3. Search for a participant's missed session (ranked
options), book one atomically (a seat taken meanwhile is a 409), cancel a booking."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request

from api.http.access import audited, touch
from api.http.auth import Principal, require
from api.http.deps import MAX_ID, V1, IdPath, LedgerDep
from api.http.examples import one
from api.http.problems import ApiProblem, not_found
from api.http.schemas import (
    BookingDoc,
    BookRequest,
    CancelledDoc,
    MakeupAnswer,
    MakeupOptionDoc,
    MakeupRequest,
)
from api.ledger_views import makeup_answer, missed_session_id
from ledger.makeups import book, booked_option, cancel_makeup, search
from ledger.schema import Makeup
from ledger.store import Ledger

router = APIRouter(prefix=V1 + "/makeups", tags=["makeups"], dependencies=[Depends(audited)])
Reader = Annotated[Principal, Depends(require("makeups:read"))]
Writer = Annotated[Principal, Depends(require("makeups:write"))]

SEARCH_EXAMPLE = {
    "format": "otgroups.makeup/1",
    "participant": "P0006",
    "group_type": "social-skills",
    "missed": {"section": "social-skills-1", "date": "2027-09-13"},
    "within_days": 14,
}
BOOK_EXAMPLE = {"participant": "P0006", "missed_session_id": 1, "option": 1, "by": "va-desk"}


def _answer(ledger: Ledger, participant: str, missed: int, within: int) -> dict[str, Any]:
    return makeup_answer(search(ledger, participant, missed, within), within)


@router.get("/options", response_model=MakeupAnswer)
def options(
    request: Request,
    ledger: LedgerDep,
    _: Reader,
    participant: Annotated[str, Query(min_length=1, max_length=64)],
    missed_session_id: Annotated[int, Query(ge=1, le=MAX_ID)],
    within_days: Annotated[int, Query(ge=0, le=60)] = 14,
) -> MakeupAnswer:
    """Ranked makeup options for a missed dated session (by its id)."""
    touch(request, participant)
    return MakeupAnswer.model_validate(_answer(ledger, participant, missed_session_id, within_days))


@router.post("/search", response_model=MakeupAnswer)
def search_request(
    request: Request,
    body: Annotated[MakeupRequest, Body(openapi_examples=one("A missed meeting", SEARCH_EXAMPLE))],
    ledger: LedgerDep,
    _: Reader,
) -> MakeupAnswer:
    """A contract makeup request: the missed meeting by section and date (or session id)."""
    touch(request, body.participant)
    missed = body.missed
    if missed.session_id is not None:
        session_id = missed.session_id
    elif missed.section is not None and missed.date is not None:
        with ledger.read() as s:
            session_id = missed_session_id(s, missed.section, missed.date)
    else:
        raise ApiProblem(
            422, "invalid-input", "Invalid input", "missed: give session_id, or section and date"
        )
    answer = _answer(ledger, body.participant, session_id, body.within_days)
    if body.group_type is not None and body.group_type != answer["group_type"]:
        detail = f"group_type: the missed session is {answer['group_type']}, not {body.group_type}"
        raise ApiProblem(422, "invalid-input", "Invalid input", detail)
    return MakeupAnswer.model_validate(answer)


@router.post("", status_code=201, response_model=BookingDoc)
def book_makeup(
    request: Request,
    body: Annotated[BookRequest, Body(openapi_examples=one("Book option 1", BOOK_EXAMPLE))],
    ledger: LedgerDep,
    who: Writer,
) -> BookingDoc:
    """Book a makeup, atomically: re-checked against the ledger as it is once the locks are
    held; two bookings of the last seat get one 201 and one 409."""
    touch(request, body.participant)
    if isinstance(body.option, int):
        found = search(ledger, body.participant, body.missed_session_id, body.within_days)
        if not 1 <= body.option <= len(found.options):
            detail = (
                f"option: there is no option {body.option}; {body.participant} has "
                f"{len(found.options)} option(s) for session {body.missed_session_id} now"
            )
            raise ApiProblem(409, "conflict", "Conflict", detail)
        chosen = found.options[body.option - 1]
        number: int | None = body.option
    else:
        number = body.option.option
        try:
            chosen = body.option.to_option()
        except ValueError as exc:
            raise ApiProblem(422, "invalid-input", "Invalid input", f"option: {exc}") from None
    made = book(
        ledger, body.participant, body.missed_session_id, chosen, body.by or f"token {who.token_id}"
    )
    chosen = booked_option(ledger, chosen, made.id)
    return BookingDoc(
        makeup_id=made.id,
        participant=body.participant,
        missed_session_id=body.missed_session_id,
        session_id=made.session_id,
        option=MakeupOptionDoc.model_validate({"option": number, **chosen.to_json()}),
    )


@router.delete("/{makeup_id}", response_model=CancelledDoc)
def cancel(
    request: Request,
    makeup_id: IdPath,
    ledger: LedgerDep,
    _: Writer,
    reason: Annotated[str, Query(max_length=200)] = "",
) -> CancelledDoc:
    """Cancel a booked makeup (the booking stays on record); cancelling again is a 409."""
    with ledger.read() as s:
        row = s.get(Makeup, makeup_id)
        if row is None:
            raise not_found(f"no makeup {makeup_id}")
        touch(request, row.participant)
    cancel_makeup(ledger, makeup_id, reason)
    return CancelledDoc(makeup_id=makeup_id, reason=reason)
