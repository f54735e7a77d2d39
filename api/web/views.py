"""Published versions as the director's pages read them, cached per version (a published
version never changes, so its parsed documents and its timetable figure are kept)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select

from analysis import figures, frames
from ledger.schema import ScheduleVersion, TermVersion
from ledger.state import published_cached
from ledger.store import Ledger
from models import Schedule, Term, parse_schedule, parse_term

_CACHE: OrderedDict[tuple[str, int], tuple[Term, Schedule]] = OrderedDict()
_FIGURES: OrderedDict[tuple[str, int], str] = OrderedDict()
_LOCK = threading.Lock()
_SIZE = 8


@dataclass(frozen=True)
class VersionRow:
    number: int
    effective_from: dt.date
    note: str
    sections: int


def _url(ledger: Ledger) -> str:
    return ledger.url


def version_numbers(ledger: Ledger) -> list[int]:
    with ledger.read() as s:
        return list(s.scalars(select(ScheduleVersion.number).order_by(ScheduleVersion.number)))


def versions(ledger: Ledger) -> list[VersionRow]:
    """Every published version, oldest first."""
    with ledger.read() as s:
        rows = s.execute(
            select(
                ScheduleVersion.number,
                ScheduleVersion.effective_from,
                ScheduleVersion.note,
                ScheduleVersion.document,
            ).order_by(ScheduleVersion.number)
        ).all()
    # Counting sections needs the stored JSON only, not every version parsed and checked.
    return [VersionRow(n, f, note, len(json.loads(doc)["sections"])) for n, f, note, doc in rows]


def published_version(ledger: Ledger, number: int) -> tuple[Term, Schedule]:
    """The term and schedule of version ``number`` (read and checked once per process)."""
    key = (_url(ledger), number)
    with _LOCK:
        hit = _CACHE.get(key)
    if hit is not None:
        return hit
    with ledger.read() as s:
        pub = published_cached(s)  # the version in force is parsed once for the whole service
        if pub.version.number == number:
            return pub.term, pub.schedule
        version = s.scalars(select(ScheduleVersion).where(ScheduleVersion.number == number)).one()
        term_doc = s.get(TermVersion, version.term_version_id)
        assert term_doc is not None
        term = parse_term(json.loads(term_doc.document), source=f"term version {term_doc.id}")
        schedule = parse_schedule(json.loads(version.document), term, f"schedule v{number}")
    with _LOCK:
        _CACHE[key] = (term, schedule)
        while len(_CACHE) > _SIZE:
            _CACHE.popitem(last=False)
    return term, schedule


def schedule_of(ledger: Ledger, number: int) -> Schedule:
    return published_version(ledger, number)[1]


def timetable_json(ledger: Ledger, number: int) -> str:
    """The plotly timetable of version ``number`` as figure JSON (drawn once per version)."""
    key = (_url(ledger), number)
    with _LOCK:
        hit = _FIGURES.get(key)
        drawing = _WARMING.get(key)
    if hit is None and drawing is not None and drawing.wait(timeout=30):
        with _LOCK:
            hit = _FIGURES.get(key)  # drawn meanwhile by warm_timetable
    return hit if hit is not None else _draw(ledger, number, key)


def _draw(ledger: Ledger, number: int, key: tuple[str, int]) -> str:
    term, schedule = published_version(ledger, number)
    fig = figures.timetable(frames.meetings(term, schedule), f"Weekly timetable, v{number}")
    drawn = str(fig.to_json()).replace("</", "<\\/")  # safe inside a <script> element
    with _LOCK:
        _FIGURES[key] = drawn
        while len(_FIGURES) > _SIZE:
            _FIGURES.popitem(last=False)
    return drawn


_WARMING: dict[tuple[str, int], threading.Event] = {}


def warm_timetable(ledger: Ledger, number: int) -> None:
    """Draw version ``number``'s timetable in a background thread unless it is drawn (the
    director's home and a publish call this, so the timetable page rarely draws it; a page
    asking meanwhile waits for this drawing instead of starting another)."""
    key = (_url(ledger), number)
    with _LOCK:
        if key in _FIGURES or key in _WARMING:
            return
        done = _WARMING[key] = threading.Event()

    def draw() -> None:
        try:
            _draw(ledger, number, key)
        finally:
            with _LOCK:
                _WARMING.pop(key, None)
            done.set()

    threading.Thread(target=draw, name=f"timetable-v{number}", daemon=True).start()


@lru_cache(maxsize=1)
def plotly_js_path() -> str:
    """plotly.js as bundled with the installed plotly package (served locally, no CDN)."""
    from importlib.resources import files

    return str(files("plotly") / "package_data" / "plotly.min.js")
