"""Test setup: ``tests/`` helpers importable as plain modules, and the published demo ledger."""

import shutil
import sys
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from ledger.publish import publish
from ledger.store import Ledger, open_ledger
from models import Schedule, Term, load_schedule, load_term

sys.path.insert(0, str(Path(__file__).parent))


# -- the bundled demo, published into a ledger once per session --------------------------------


EXAMPLES = files("models") / "examples"


@pytest.fixture(scope="session")
def demo() -> tuple[Term, Schedule]:
    """The bundled demo clinic and its schedule."""
    term = load_term(str(EXAMPLES / "demo_clinic.json"))
    return term, load_schedule(str(EXAMPLES / "demo_schedule.json"), term)


@pytest.fixture(scope="session")
def demo_file(demo: tuple[Term, Schedule], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo published once into a SQLite file; tests copy it (:func:`ledger`)."""
    path = tmp_path_factory.mktemp("demo") / "published.sqlite"
    handle = open_ledger(f"sqlite:///{path}")
    publish(handle, *demo)
    handle.dispose()
    return path


@pytest.fixture
def ledger(demo_file: Path, tmp_path: Path) -> Iterator[Ledger]:
    """A fresh copy of the published demo ledger."""
    path = tmp_path / "ledger.sqlite"
    shutil.copy(demo_file, path)
    handle = open_ledger(f"sqlite:///{path}")
    yield handle
    handle.dispose()


@pytest.fixture
def served(demo_file: Path, tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    """The service (API and web desk) on a fresh copy of the published demo ledger."""
    from web_support import desk_client

    db = tmp_path / "served.sqlite"
    shutil.copy(demo_file, db)
    with desk_client(db) as pair:
        yield pair
