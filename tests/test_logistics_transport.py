"""Van manifests and outing sheets: runs and riders from the day schedule (makeup riders
included), outing departure and return, seats, CSV and self-contained printable HTML."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from ledger_helpers import session_id
from logistics_helpers import FRI, MON, TUE, book_first, demo, demo_ledger, logistics

from ledger.schema import Closure
from ledger.state import published
from ledger.store import Ledger
from logistics.config import LogisticsInputError
from logistics.transport import day_manifest, manifest_csv, manifest_html


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("published")


@pytest.fixture
def ledger(tmp_path: Path, cache_dir: Path) -> Iterator[Ledger]:
    handle = demo_ledger(tmp_path, cache_dir)
    yield handle
    handle.dispose()


def manifest(ledger: Ledger, day: dt.date):  # type: ignore[no-untyped-def]
    with ledger.read() as s:
        return day_manifest(s, published(s), day, logistics())


def test_runs_and_outing_of_a_day(ledger: Ledger) -> None:
    term, schedule = demo()
    m = manifest(ledger, TUE)
    weekly = [r for r in schedule.transport if r.day == "tue"]
    assert [(r.vehicle, r.arrive, r.depart) for r in m.runs] == [
        (r.vehicle, r.arrive, r.depart) for r in weekly
    ]
    run = m.runs[0]
    assert [r.participant for r in run.riders] == sorted(weekly[0].participants)
    assert run.seats_used == len(weekly[0].participants) and run.seats == 12
    assert run.wheelchair_used == sum(
        term.participant(p).wheelchair for p in weekly[0].participants
    )

    [outing] = m.outings
    section = schedule.section("community-outing-1")
    assert (outing.section, outing.vehicle, outing.vehicle_name) == (section.id, "van-1", "Van 1")
    assert (outing.departs, outing.returns) == (9 * 60 + 40, 11 * 60 + 50)  # 20 min travel
    assert (outing.start, outing.end) == (10 * 60, 11 * 60 + 30)
    assert outing.partner == "Pine Hollow Public Library"
    assert outing.address == "410 W Main St, Pine Hollow"
    assert [r.participant for r in outing.riders] == sorted(section.participants)
    assert outing.staff == (("rt-alvarez", "F. Alvarez, CTRS"), ("ot-morales", "Q. Morales, OTR/L"))
    assert outing.seats_used == len(section.participants) + 2 <= outing.seats

    rows = list(csv.DictReader(io.StringIO(manifest_csv(m))))
    assert len(rows) == len(run.riders) + len(outing.riders)
    assert {r["sheet"] for r in rows} == {"run", "outing"}
    out_rows = [r for r in rows if r["sheet"] == "outing"]
    assert {(r["van_departs"], r["van_returns"]) for r in out_rows} == {("09:40", "11:50")}
    run_rows = [r for r in rows if r["sheet"] == "run"]
    assert {(r["riders_arrive"], r["riders_depart"]) for r in run_rows} == {("09:00", "15:30")}

    html = manifest_html(m)
    assert "@media print" in html and "<style>" in html
    assert "<link" not in html and "src=" not in html and "http" not in html  # self-contained
    assert "Pine Hollow Public Library" in html and "09:40" in html and "11:50" in html
    assert "F. Alvarez, CTRS" in html  # staff sheet
    for pid in section.participants:
        assert pid in html


def test_a_makeup_rider_is_on_that_days_run(ledger: Ledger) -> None:
    missed = session_id(ledger, "social-skills-1", MON)
    option, _ = book_first(ledger, "P0021", missed)
    assert option.date == FRI and option.ride is not None
    riders = {
        (run.vehicle, run.arrive, run.depart): [r.participant for r in run.riders]
        for run in manifest(ledger, FRI).runs
    }
    key = (option.ride.vehicle, option.ride.arrive, option.ride.depart)
    assert "P0021" in riders[key]


def test_closed_and_outside_days(ledger: Ledger) -> None:
    with ledger.write() as s:
        s.add(Closure(date=TUE, reason="water main"))
    m = manifest(ledger, TUE)
    assert m.closed and not m.runs and not m.outings
    assert "closed" in manifest_html(m)
    assert manifest_csv(m).count("\n") == 1  # the header only
    with pytest.raises(LogisticsInputError, match="outside the term"):
        manifest(ledger, dt.date(2028, 1, 3))
