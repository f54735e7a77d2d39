"""Schemathesis against the OpenAPI document (bounded, seeded): no 5xx, and every response
conforms to its documented status codes, content types and schema. Runs on a ledger with the
tiny term published, as a director (the role that reaches the most code)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.http.app import create_app
from api.http.settings import Settings
from tests.http_support import bearer, publish_tiny

ROOT = Path(__file__).parent
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

APP = create_app(
    Settings(
        db_url="sqlite://",  # replaced per session by the fixture below
        max_solve_seconds=1.0,
        max_concurrent_solves=1,
        deidentify_salt="schemathesis-salt",
    )
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
HEADERS: dict[str, str] = {}


@pytest.fixture(scope="module", autouse=True)
def running_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Start the app's lifespan on a fresh ledger with the tiny term published; the
    schemathesis calls below reuse its state."""
    db = tmp_path_factory.mktemp("schemathesis") / "api.sqlite"
    APP.state.settings = APP.state.settings.model_copy(update={"db_url": f"sqlite:///{db}"})
    with TestClient(APP) as client:
        HEADERS.update(bearer(APP, "director"))
        publish_tiny(client, HEADERS)
        yield


@schema.parametrize()
@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_openapi_document_holds(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=HEADERS, checks=CHECKS)
