"""``/healthz``: the service is up (no token, no data)."""

from fastapi import APIRouter

from api.http.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The service answers."""
    return Health()
