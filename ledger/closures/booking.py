"""Booking the joint choice in a savepoint (refused once: choose again), and the reasons given
for lost sessions left without a makeup."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ledger.closures.candidates import Plan
from ledger.closures.choice import choose
from ledger.closures.report import ClosureReport
from ledger.makeups import BatchRefused, Booking, MakeupOption, MakeupPlanner, book_all_in
from ledger.store import Ledger
from models import format_time


def own_option(plan: Plan, key: str, oid: str) -> MakeupOption:
    return next(o for k, i, o in plan.candidates if (k, i) == (key, oid))


def book_choice(
    ledger: Ledger,
    s: Session,
    plan: Plan,
    planner: MakeupPlanner,
    chosen: dict[str, str],
    time_limit: float,
    booked_by: str,
    report: ClosureReport,
) -> dict[str, tuple[str, int | None]]:
    """Book ``chosen`` in a savepoint; on a refusal, roll back, drop the refused choice and
    choose once more; a second refusal books nothing."""
    for attempt in (1, 2):
        if not chosen:
            return {}
        report.attempts = attempt
        keys = sorted(
            chosen,
            key=lambda k: (plan.lost[k].participant, own_option(plan, k, chosen[k]).date, k),
        )
        bookings = [
            Booking(
                plan.lost[k].participant, plan.lost[k].session_id, own_option(plan, k, chosen[k])
            )
            for k in keys
        ]
        try:
            with s.begin_nested():
                made = book_all_in(ledger, s, bookings, booked_by)
            report.booking_error = ""
            return {k: (chosen[k], m.id) for k, m in zip(keys, made, strict=True)}
        except BatchRefused as exc:
            report.booking_error = str(exc)
            if exc.index is None:
                break
            failed = chosen[keys[exc.index]]
            if plan.options[failed].extra:  # the proposed meeting itself: drop it for everyone
                plan.refused |= {(k, oid) for k, oid, _ in plan.candidates if oid == failed}
            plan.refused.add((keys[exc.index], failed))
            if attempt == 1:
                chosen = choose(plan, planner, time_limit)
    return {}


def left_out(plan: Plan, key: str, booking_error: str) -> tuple[str, ...]:
    x = plan.lost[key]
    mine = [(oid, o) for k, oid, o in plan.candidates if k == key]
    if booking_error:
        return (f"the joint booking was refused twice: {booking_error}",)
    if not mine:
        rejected = plan.rejected.get(key, [])
        if not rejected:
            return (
                f"no session of {x.group_type} within the window after the closed day, and no "
                "extra meeting",
            )
        rejected = sorted(rejected, key=lambda r: not r[0].startswith("extra meeting"))
        more = (f"… and {len(rejected) - 4} more",) if len(rejected) > 4 else ()
        return tuple(f"{c}: {why}" for c, why in rejected[:4]) + more
    labels = ", ".join(f"{o.section} {o.date} {format_time(o.start)}" for _, o in mine[:3])
    if len(mine) > 3:
        labels += f" and {len(mine) - 3} more"
    refused = [oid for oid, _ in mine if (key, oid) in plan.refused]
    tail = f" ({len(refused)} refused when booked)" if refused else ""
    return (
        f"its option(s) {labels} went to other lost sessions chosen jointly (required "
        f"first): places, high-acuity places, van seats or clashes ran short{tail}",
    )
