"""Closing a day after publication (snow day, outbreak) and recovering what it takes away.

:func:`close_day` works in one write transaction:

1. it records the :class:`~ledger.schema.Closure`, cancels every standing dated session of the
   date (:class:`~ledger.schema.SessionCancellation`) and every makeup booked into them
   (:class:`~ledger.schema.MakeupCancellation`);
2. it lists what is lost: each member enrolled in each cancelled regular session that date, and
   each holder of a cancelled makeup (whose original missed session needs a new makeup);
3. it looks for makeups for each lost session with :class:`ledger.makeups.MakeupPlanner`
   (dated sessions of the same type after the closed day within ``within_days``, each keeping
   every rule on its own, places held by open offers counted), and, for the members of a lost
   session left with none, one proposed extra meeting they can share;
4. it chooses jointly with :func:`optimizer.recovery.recover` (CP-SAT: the most weight
   recovered, the term's priority weights, so required first), with capacities — each option's
   places left, its high-acuity places when the type caps acuity, the seats (and wheelchair
   seats) left on each van run each date for riders who need a new ride — and conflicts —
   clashes in one participant's day (travel included), two sections of one type for one person
   a date, two different runs for one rider a date, keep-apart pairs and two programs in one
   single-program session, and two proposed extra meetings sharing a room, vehicle or staff
   member at once;
5. with ``book=True`` it books the choice (:func:`ledger.makeups.book_all_in`: locks in the
   documented order, each booking re-checked against the state including the ones before it,
   each date touched validated whole). If a re-check fails, every booking is rolled back (a
   savepoint), the failed choice is dropped and the choice made once more; if that fails too,
   nothing is booked and the report says why. The closure itself stands.

With ``book=False`` (``otgroups term close-day --dry-run``) the same work is done and rolled
back: nothing is written and the report is the proposal.

Locks (PostgreSQL): every lost participant (sorted), then the weeks, then the dates from the
closed day to the end of the window — the order :func:`ledger.makeups.book` uses.
"""

from ledger.closures.close import close_day, close_day_in
from ledger.closures.report import (
    ClosureError,
    ClosureReport,
    LostSession,
    Recovered,
    Unrecovered,
)

__all__ = [
    "ClosureError",
    "ClosureReport",
    "LostSession",
    "Recovered",
    "Unrecovered",
    "close_day",
    "close_day_in",
]
