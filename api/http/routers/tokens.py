"""``/v1/tokens``: bearer tokens (admin only). Carries no participant data."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.http.auth import Principal, list_tokens, new_token, require, revoke_token
from api.http.deps import V1, IdPath, LedgerDep
from api.http.problems import ApiProblem
from api.http.schemas import TokenCreated, TokenDoc, TokenRequest

router = APIRouter(prefix=V1 + "/tokens", tags=["tokens"])
Admin = Annotated[Principal, Depends(require("tokens:admin"))]


@router.post("", status_code=201, response_model=TokenCreated)
def create(body: TokenRequest, ledger: LedgerDep, _: Admin) -> TokenCreated:
    """Make a token; the response is the only time it is shown."""
    try:
        token_id, token = new_token(ledger, body.role, body.label, body.staff_id)
    except ValueError as exc:
        raise ApiProblem(422, "invalid-input", "Invalid input", str(exc)) from None
    info = next(t for t in list_tokens(ledger) if t.id == token_id)
    return TokenCreated(**info.to_json(), token=token)


@router.get("", response_model=list[TokenDoc])
def listing(ledger: LedgerDep, _: Admin) -> list[TokenDoc]:
    """Every token (never the tokens themselves), with when each was revoked."""
    return [TokenDoc(**t.to_json()) for t in list_tokens(ledger)]


@router.delete("/{token_id}", response_model=TokenDoc)
def revoke(token_id: IdPath, ledger: LedgerDep, _: Admin) -> TokenDoc:
    """Revoke a token for good."""
    return TokenDoc(**revoke_token(ledger, token_id).to_json())
