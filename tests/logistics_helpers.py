"""Shared set-up of the logistics tests: the demo published into a temporary ledger, the
demo's logistics file, and the two makeups and one cancellation the acceptance test uses."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path

from ledger_helpers import session_id

from ledger import attendance
from ledger.makeups import MakeupOption, book, search
from ledger.publish import publish
from ledger.schema import Makeup, SessionCancellation
from ledger.store import Ledger, open_ledger
from logistics.config import Logistics, load_logistics
from models import Schedule, Term, load_schedule, load_term

EXAMPLES = files("models") / "examples"
MATERIALS = Path(str(EXAMPLES / "demo_materials.toml"))
DEMO_NOW = dt.datetime(2027, 9, 13, 7, 0)
MON, TUE, FRI = dt.date(2027, 9, 13), dt.date(2027, 9, 14), dt.date(2027, 9, 17)
NEXT_MON = dt.date(2027, 9, 20)

# Words no participant message or calendar may carry: the demo's tracks, acuity, diagnoses,
# program codes.
FORBIDDEN = (
    "mood",
    "trauma",
    "psychosis",
    "substance",
    "acuity",
    "diagnos",
    "PHP",
    "IOP",
    "schizo",
    "bipolar",
    "depress",
    "high-acuity",
)


@cache
def demo() -> tuple[Term, Schedule]:
    term = load_term(str(EXAMPLES / "demo_clinic.json"))
    return term, load_schedule(str(EXAMPLES / "demo_schedule.json"), term)


@cache
def _published_file(folder: str) -> Path:
    path = Path(folder) / "demo-published.sqlite"
    ledger = open_ledger(f"sqlite:///{path}")
    publish(ledger, *demo())
    ledger.dispose()
    return path


def demo_ledger(tmp_path: Path, cache_dir: Path) -> Ledger:
    """A fresh copy of the demo published (published once per ``cache_dir``)."""
    path = tmp_path / "ledger.sqlite"
    shutil.copy(_published_file(str(cache_dir)), path)
    return open_ledger(f"sqlite:///{path}")


def logistics() -> Logistics:
    return load_logistics(MATERIALS)


def book_first(ledger: Ledger, pid: str, missed: int) -> tuple[MakeupOption, Makeup]:
    """Mark ``pid`` absent at ``missed`` and book their first makeup option."""
    attendance.record(ledger, missed, pid, "absent")
    options = search(ledger, pid, missed, 14, DEMO_NOW).options
    assert options, (pid, missed)
    return options[0], book(ledger, pid, missed, options[0], booked_by="test")


def cancel_session(ledger: Ledger, sid: int, reason: str = "staff training") -> None:
    with ledger.write() as s:
        s.add(SessionCancellation(session_id=sid, reason=reason))


@dataclass(frozen=True)
class Scenario:
    """Two makeups and one cancellation on the published demo."""

    regular_makeup: MakeupOption
    """P0045 missed creative-expression-1 on Mon 13 Sep: made up in creative-expression-4 on
    Fri 17 Sep (a regular session)."""
    extra_makeup: MakeupOption
    """P0043 missed the same session: made up in an extra meeting on Tue 14 Sep."""
    missed: int
    cancelled: int
    """creative-expression-1 on Mon 20 Sep, cancelled."""


def two_makeups_one_cancellation(ledger: Ledger) -> Scenario:
    missed = session_id(ledger, "creative-expression-1", MON)
    regular, _ = book_first(ledger, "P0045", missed)
    extra, _ = book_first(ledger, "P0043", missed)
    cancelled = session_id(ledger, "creative-expression-1", NEXT_MON)
    cancel_session(ledger, cancelled)
    return Scenario(regular, extra, missed, cancelled)
