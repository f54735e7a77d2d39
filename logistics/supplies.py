"""Materials and stock: how much each session uses, and when each item runs out.

The logistics file (:mod:`logistics.config`) says what each group type uses per participant
attending and per session held. Stock counts and reorder points are ledger rows
(:class:`~ledger.schema.StockCount`, :class:`~ledger.schema.ReorderPoint`; the latest per item
counts). A count is the stock at the *start* of its date, before that day's sessions.

**Projection** (:func:`project`), as of a date, to the end of the term: for every standing dated
session (closed days left out) the attendance is

- for a session on or before ``as_of`` with attendance marks: those marked present, late or
  left-early (what was actually used);
- otherwise, expected: ``roster × rate + makeups``, where the roster is who is enrolled in the
  section that date, ``rate`` the group type's attendance rate so far (attended marks ÷ all
  current marks at its sessions up to ``as_of``; ``default_attendance_rate``, 0.85, with no
  marks), and makeups the standing makeups booked into the session (they count in full);

and each item's use that session is ``per_session + per_participant × attendance``. From each
counted item's count date, the stock left after each date's sessions is the count less the use
so far. The item **runs out** on the first date whose sessions need more than is left; it hits
its **reorder point** on the first date the stock left falls to that point (the count date when
it is there already); it must be **ordered by** the earlier of that date and the run-out date
less the item's ``lead_days`` (calendar days). ``to_order`` covers the rest of the term and
restores the reorder point. Items never counted are projected from ``as_of`` but have no dates.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.attendance import current_marks
from ledger.schema import DatedSession, ReorderPoint, StockCount
from ledger.state import Days, Published
from ledger.store import Ledger
from logistics.config import Logistics, LogisticsInputError

ATTENDED = ("present", "late", "left-early")
EPS = 1e-9


@dataclass(frozen=True)
class SessionUse:
    """One session's attendance, as used for the projection."""

    session_id: int
    date: dt.date
    section: str
    group_type: str
    roster: int
    makeups: int
    rate: float
    attended: int | None
    """Marked attendance (sessions on or before ``as_of`` with marks); None: expected."""

    @property
    def attendance(self) -> float:
        if self.attended is not None:
            return float(self.attended)
        return self.roster * self.rate + self.makeups


@dataclass(frozen=True)
class ItemLine:
    """One item's projection and reorder dates."""

    item: str
    name: str
    unit: str
    lead_days: int
    stock: float | None
    counted_on: dt.date | None
    reorder_point: float | None
    need: float
    """Use from the count date (or ``as_of``) to the end of the term."""
    left_at_end: float | None
    runs_out: dt.date | None
    reorder_point_on: dt.date | None
    order_by: dt.date | None
    to_order: float
    status: str

    def to_json(self) -> dict[str, Any]:
        def day(d: dt.date | None) -> str | None:
            return d.isoformat() if d is not None else None

        return {
            "item": self.item,
            "name": self.name,
            "unit": self.unit,
            "lead_days": self.lead_days,
            "stock": self.stock,
            "counted_on": day(self.counted_on),
            "reorder_point": self.reorder_point,
            "need_to_term_end": round(self.need, 3),
            "left_at_term_end": None if self.left_at_end is None else round(self.left_at_end, 3),
            "runs_out": day(self.runs_out),
            "reorder_point_on": day(self.reorder_point_on),
            "order_by": day(self.order_by),
            "to_order": self.to_order,
            "status": self.status,
        }


@dataclass
class Projection:
    as_of: dt.date
    end: dt.date
    rates: dict[str, tuple[float, int]]
    """group type → (attendance rate used, marks it comes from; 0: the default)."""
    sessions: list[SessionUse]
    daily: dict[str, dict[dt.date, float]]
    """item → date → use that date."""
    items: list[ItemLine] = field(default_factory=list)

    def reorder_list(self) -> list[ItemLine]:
        """Items to order, soonest first."""
        return sorted(
            (i for i in self.items if i.order_by is not None),
            key=lambda i: (i.order_by or dt.date.max, i.item),
        )


def latest_stock(s: Session) -> dict[str, StockCount]:
    out: dict[str, StockCount] = {}
    for row in s.scalars(select(StockCount).order_by(StockCount.id)):
        out[row.item] = row
    return out


def latest_reorder_points(s: Session) -> dict[str, float]:
    out: dict[str, float] = {}
    for row in s.scalars(select(ReorderPoint).order_by(ReorderPoint.id)):
        out[row.item] = row.quantity
    return out


def attendance_rates(
    s: Session, as_of: dt.date
) -> tuple[dict[str, tuple[float, int]], dict[int, int]]:
    """Per group type (rate, marks) from the current marks of sessions up to ``as_of``, and per
    marked session the number attended."""
    marks = current_marks(s)
    ids = sorted({sid for sid, _ in marks})
    types: dict[int, tuple[str, dt.date]] = {}
    for start in range(0, len(ids), 500):
        for row in s.execute(
            select(DatedSession.id, DatedSession.group_type, DatedSession.date).where(
                DatedSession.id.in_(ids[start : start + 500])
            )
        ):
            types[row.id] = (row.group_type, row.date)
    seen: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    attended: dict[int, int] = defaultdict(int)
    for (sid, _), mark in marks.items():
        group_type, day = types[sid]
        if day > as_of:
            continue
        came = mark.status in ATTENDED
        seen[group_type][0] += came
        seen[group_type][1] += 1
        attended[sid] += came
    rates = {gt: (came / total, total) for gt, (came, total) in seen.items() if total}
    return rates, dict(attended)


def project(
    s: Session, pub: Published, logistics: Logistics, as_of: dt.date | None = None
) -> Projection:
    """The projection (see the module docstring)."""
    term = pub.term.term
    as_of = as_of or dt.date.today()
    logistics.check_term(pub.term)
    stock = {k: v for k, v in latest_stock(s).items() if k in logistics.items}
    points = latest_reorder_points(s)
    first = min([as_of, *(row.counted_on for row in stock.values())])
    first = max(first, term.start)
    end = term.end
    rates, attended = attendance_rates(s, as_of)
    sessions: list[SessionUse] = []
    if first <= end:
        days = Days(s, pub, first, end)
        day = first
        while day <= end:
            if day not in days.closed:
                makeups: dict[int, int] = defaultdict(int)
                for m in days.makeups(day):
                    makeups[m.session_id] += 1
                for row in days.sessions(day):
                    rate = rates.get(row.group_type, (logistics.default_attendance_rate, 0))[0]
                    roster = len(days.enrolled(day, row.section)) if row.kind == "regular" else 0
                    marked = attended.get(row.id) if day <= as_of else None
                    sessions.append(
                        SessionUse(
                            session_id=row.id,
                            date=day,
                            section=row.section,
                            group_type=row.group_type,
                            roster=roster,
                            makeups=makeups.get(row.id, 0),
                            rate=rate,
                            attended=marked,
                        )
                    )
            day += dt.timedelta(days=1)
    daily: dict[str, dict[dt.date, float]] = {item: defaultdict(float) for item in logistics.items}
    for use in sessions:
        for material in logistics.group(use.group_type).materials:
            amount = material.per_session + material.per_participant * use.attendance
            if amount:
                daily[material.item][use.date] += amount
    projection = Projection(as_of, end, rates, sessions, {k: dict(v) for k, v in daily.items()})
    for item_id, item in logistics.items.items():
        projection.items.append(
            _item_line(
                item_id, item, daily[item_id], stock.get(item_id), points.get(item_id), as_of
            )
        )
    return projection


def _item_line(
    item_id: str,
    item: Any,
    use: dict[dt.date, float],
    count: StockCount | None,
    point: float | None,
    as_of: dt.date,
) -> ItemLine:
    start = count.counted_on if count is not None else as_of
    dates = sorted(d for d in use if d >= start)
    need = sum(use[d] for d in dates)
    if count is None:
        return ItemLine(
            item_id, item.name or item_id, item.unit, item.lead_days, None, None, point, need,
            None, None, None, None, 0.0, "not counted",
        )  # fmt: skip
    left = count.quantity
    runs_out = None
    point_on = count.counted_on if point is not None and left <= point + EPS else None
    for day in dates:
        left -= use[day]
        if runs_out is None and left < -EPS:
            runs_out = day
        if point_on is None and point is not None and left <= point + EPS:
            point_on = day
    candidates = [d for d in (point_on,) if d is not None]
    if runs_out is not None:
        candidates.append(runs_out - dt.timedelta(days=item.lead_days))
    order_by = min(candidates) if candidates else None
    to_order = 0.0
    if order_by is not None:
        to_order = float(max(0, math.ceil(need - count.quantity + (point or 0.0) - EPS)))
    if order_by is None:
        status = "enough to the end of the term"
    elif order_by < as_of:
        status = "overdue: order now"
    else:
        status = f"order by {order_by.isoformat()}"
    return ItemLine(
        item_id, item.name or item_id, item.unit, item.lead_days, count.quantity,
        count.counted_on, point, need, left, runs_out, point_on, order_by, to_order, status,
    )  # fmt: skip


def _known(logistics: Logistics, item: str) -> None:
    if item not in logistics.items:
        raise LogisticsInputError(
            f"unknown item {item!r} (the logistics file lists "
            f"{', '.join(sorted(logistics.items)) or 'no items'})"
        )


def record_count(
    ledger: Ledger,
    logistics: Logistics,
    item: str,
    quantity: float,
    counted_on: dt.date | None = None,
    by: str = "",
) -> StockCount:
    """A stock count of ``item`` (at the start of ``counted_on``, default today)."""
    _known(logistics, item)
    if quantity < 0 or not math.isfinite(quantity):
        raise LogisticsInputError(f"a count is a number 0 or more, not {quantity}")
    with ledger.write() as s:
        row = StockCount(
            item=item,
            quantity=quantity,
            counted_on=counted_on or dt.date.today(),
            recorded_by=by,
        )
        s.add(row)
        s.flush()
        return row


def record_reorder_point(
    ledger: Ledger, logistics: Logistics, item: str, quantity: float
) -> ReorderPoint:
    _known(logistics, item)
    if quantity < 0 or not math.isfinite(quantity):
        raise LogisticsInputError(f"a reorder point is a number 0 or more, not {quantity}")
    with ledger.write() as s:
        row = ReorderPoint(item=item, quantity=quantity)
        s.add(row)
        s.flush()
        return row


REORDER_COLUMNS = (
    "item",
    "name",
    "unit",
    "stock",
    "counted_on",
    "reorder_point",
    "need_to_term_end",
    "left_at_term_end",
    "runs_out",
    "reorder_point_on",
    "lead_days",
    "order_by",
    "to_order",
    "status",
)
