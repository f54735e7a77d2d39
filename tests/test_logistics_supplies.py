"""Materials and stock: the reorder projection on the demo clinic against a hand computation."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from ledger_helpers import session_id
from logistics_helpers import FRI, MON, book_first, demo_ledger, logistics

from ledger import attendance
from ledger.state import published
from ledger.store import Ledger
from logistics.config import LogisticsInputError, load_logistics
from logistics.supplies import project, record_count, record_reorder_point

D = dt.date


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("published")


@pytest.fixture
def ledger(tmp_path: Path, cache_dir: Path) -> Iterator[Ledger]:
    handle = demo_ledger(tmp_path, cache_dir)
    yield handle
    handle.dispose()


def test_reorder_projection_matches_a_hand_computation(ledger: Ledger) -> None:
    materials = logistics()
    # Monday 13 Sep, creative-expression-1 (8 members, Art Studio): 6 present, P0062 late,
    # P0045 absent and made up in creative-expression-4 on Friday 17 Sep.
    missed = session_id(ledger, "creative-expression-1", MON)
    for pid in ("P0043", "P0064", "P0068", "P0073", "P0102", "P0110"):
        attendance.record(ledger, missed, pid, "present")
    attendance.record(ledger, missed, "P0062", "late", minutes=60)
    option, _ = book_first(ledger, "P0045", missed)
    assert (option.section, option.date) == ("creative-expression-4", FRI)
    record_count(ledger, materials, "clay", 30, counted_on=MON)
    record_count(ledger, materials, "dish-soap", 500, counted_on=MON)
    record_reorder_point(ledger, materials, "dish-soap", 150)

    with ledger.read() as s:
        projection = project(s, published(s), materials, as_of=D(2027, 9, 14))
    items = {line.item: line for line in projection.items}

    # Clay, 0.5 kg per participant attending creative expression (no per-session use).
    # Attendance rate so far: 7 of 8 marks attended (late counts) = 0.875.
    #   Mon 13 ce-1: held and marked, 7 attended            7 × 0.5          = 3.5    left 26.5
    #   Tue 14 ce-2: 8 enrolled                             8 × .875 × .5    = 3.5    left 23.0
    #   Wed 15 ce-3: 7 enrolled                             7 × .875 × .5    = 3.0625 left 19.9375
    #   Fri 17 ce-4: 5 enrolled + 1 makeup                  (4.375 + 1) × .5 = 2.6875 left 17.25
    #   Mon 20: 3.5 → 13.75; Tue 21: 3.5 → 10.25; Wed 22: 3.0625 → 7.1875;
    #   Fri 24: 5 × .875 × .5 = 2.1875 → 5.0; Mon 27: 3.5 → 1.5; Tue 28: needs 3.5, has 1.5
    # → runs out Tue 28 Sep; lead time 10 days → order by Sat 18 Sep.
    assert projection.rates["creative-expression"] == (0.875, 8)
    clay_use = projection.daily["clay"]
    assert clay_use[D(2027, 9, 13)] == pytest.approx(3.5)
    assert clay_use[D(2027, 9, 14)] == pytest.approx(3.5)
    assert clay_use[D(2027, 9, 15)] == pytest.approx(3.0625)
    assert clay_use[D(2027, 9, 17)] == pytest.approx(2.6875)
    assert clay_use[D(2027, 9, 24)] == pytest.approx(2.1875)
    clay = items["clay"]
    assert clay.runs_out == D(2027, 9, 28)
    assert clay.order_by == D(2027, 9, 18)
    assert clay.reorder_point_on is None
    assert clay.need == pytest.approx(sum(clay_use.values()))
    assert clay.to_order == math.ceil(clay.need - 30)
    assert clay.status == "order by 2027-09-18"

    # Dish soap, 50 ml per cooking session (Mon, Wed, Thu, Fri): 500 ml counted Mon 13 Sep,
    # reorder point 150 ml, lead time 3 days.
    #   13: 450, 15: 400, 16: 350, 17: 300, 20: 250, 22: 200, 23: 150 (reorder point),
    #   24: 100, 27: 50, 29: 0, Thu 30: needs 50, has 0 → runs out 30 Sep.
    # Order by min(reorder point reached 23 Sep, 30 Sep − 3 days = 27 Sep) = 23 Sep.
    soap = items["dish-soap"]
    assert soap.runs_out == D(2027, 9, 30)
    assert soap.reorder_point_on == D(2027, 9, 23)
    assert soap.order_by == D(2027, 9, 23)

    # the reorder list: dated, soonest first; items never counted have no dates
    assert [(i.item, i.order_by) for i in projection.reorder_list()] == [
        ("clay", D(2027, 9, 18)),
        ("dish-soap", D(2027, 9, 23)),
    ]
    assert items["paint"].status == "not counted" and items["paint"].runs_out is None

    # a later count starts the projection again from its date
    record_count(ledger, materials, "clay", 200, counted_on=D(2027, 9, 20))
    with ledger.read() as s:
        later = {i.item: i for i in project(s, published(s), materials, D(2027, 9, 20)).items}
    assert later["clay"].runs_out is None and later["clay"].order_by is None


def test_default_rate_and_bad_input(ledger: Ledger, tmp_path: Path) -> None:
    materials = logistics()
    with ledger.read() as s:
        projection = project(s, published(s), materials, as_of=MON)
    assert projection.rates == {}
    # cooking-1 on Mon 13 Sep: 5 enrolled × 0.85 = 4.25 kits
    assert projection.daily["ingredient-kit"][MON] == pytest.approx(4.25)
    with pytest.raises(LogisticsInputError, match="unknown item 'glue'"):
        record_count(ledger, materials, "glue", 3)
    with pytest.raises(LogisticsInputError, match="0 or more"):
        record_count(ledger, materials, "clay", -1)
    bad = tmp_path / "bad.toml"
    bad.write_text('[group_types.cooking]\nmaterials = [{ item = "soap", per_session = 1 }]\n')
    with pytest.raises(LogisticsInputError, match=r"group_types.cooking.materials\[0\].item"):
        load_logistics(bad)
    bad.write_text('[items.kit]\nlead_days = "ten"\n')
    with pytest.raises(LogisticsInputError) as exc:
        load_logistics(bad)
    assert str(exc.value).startswith(f"{bad}: items.kit.lead_days: ")
    assert "(got 'ten')" in str(exc.value)  # the value, quoted
    bad.write_text('[group_types.cookng]\nbring = ["x"]\n')
    with ledger.read() as s, pytest.raises(LogisticsInputError, match="cookng"):
        project(s, published(s), load_logistics(bad), MON)
