"""Makeups (contract section 3): where a participant can make up a missed session, and booking.

**Options.** For a missed dated session, the candidates are the standing dated sessions of the
same group type after it and within ``within_days``, not on a closure day, not in the past, and
not the participant's own (already on the roster that date). A candidate is an option when every
hard rule still holds on that date with the participant added to its roster: the date's
:func:`~ledger.state.day_schedule` (enrolled members, makeups already booked, extra meetings and
rides) is checked with :func:`models.validation.validate_day` before and after the participant is
added, and the option stands when adding them breaks nothing new. A ``van`` rider who does not
come in that date also needs a run of that day covering their day (travel included) with a free
seat (and wheelchair seat); the first run that keeps every rule is recorded with the option.

Adding one person to one section can only change H1 (that section's seats, room capacity,
vehicle seats), H7 (that person's sections that day), H8-H10 (that section's company) and H11
(that person's run and its seats); adding an extra section also H3-H6 for it and for the
sections sharing its room, vehicle or staff that date. The search therefore validates just the
sections those rules read — the candidate section, the person's other sections that date, those
sharing the extra section's room, vehicle or staff, and every ride of the date — before and
after (``full=False``, fast), and so does booking, inside its write transaction: the whole
date (``full=True``) costs ten times as much and holds every other writer back meanwhile. A
test checks the two agree on every option of a demo date, and the term replay validates every
date whole after every booking.

Options are ranked sooner first (date), then days the participant already comes in (no extra van
trip), then the missed session's facilitator, then start time. Since coming in is a property of
the date, the second key only separates options once the first is coarser than a date.

**Extra meeting.** When no dated session fits, one extra meeting is proposed: the first clinic
day in the window (not a closure, not past) and start on the slot grid where one meeting of the
type fits (opening hours, the type's windows) and the participant is free and available, in a
free room with the type's features (not blocked, not used then) or, off site, a free vehicle,
led by qualified staff free then and under their daily and weekly loads — checked with
``validate_day`` on the date plus the extra section holding only the participant.

**Booking** (:func:`book`) is one write transaction: it locks the participant, the week (extra
meetings) and the date (:meth:`ledger.store.Ledger.lock`, in that order; SQLite writers are
serialised already), re-checks the option against the state at that moment, and inserts the
:class:`~ledger.schema.Makeup` (and the extra :class:`~ledger.schema.DatedSession`). Any failure
raises :class:`BookingRefused` and writes nothing. :func:`book_in` does the same inside a
caller's transaction; :func:`book_all_in` books several (a closed day's) in one transaction,
each re-checked against the state including the ones before it and every date touched validated
whole once at the end.

**Offers hold places.** A place offered to a waiting request (:mod:`ledger.waitlists`) is taken
until the offer is answered: seats left count the section's open offers from their date on, in
the search and when booking (``full (5 of 6, 1 held by an open offer)``).

Modules: :mod:`~ledger.makeups.options` (what a question and its answer hold, the refusals),
:mod:`~ledger.makeups.clock` (clinic time and dates), :mod:`~ledger.makeups.planner` (the
search and extra meetings), :mod:`~ledger.makeups.booking` (booking and cancelling).
"""

from __future__ import annotations

from ledger.makeups.booking import (
    PAUSE_ENV,
    as_booked,
    book,
    book_all_in,
    book_in,
    booked_option,
    cancel_makeup,
    cancel_makeup_in,
)
from ledger.makeups.options import (
    BatchRefused,
    Booking,
    BookingRefused,
    MakeupError,
    MakeupOption,
    MakeupRequest,
    MissedRef,
    Run,
    Search,
    UnknownMakeupError,
    as_dicts,
    extra_identity,
    rank,
)
from ledger.makeups.planner import MakeupPlanner, makeup_options, search

__all__ = [
    "PAUSE_ENV",
    "BatchRefused",
    "Booking",
    "BookingRefused",
    "MakeupError",
    "MakeupOption",
    "MakeupPlanner",
    "MakeupRequest",
    "MissedRef",
    "Run",
    "Search",
    "UnknownMakeupError",
    "as_booked",
    "as_dicts",
    "book",
    "book_all_in",
    "book_in",
    "booked_option",
    "cancel_makeup",
    "cancel_makeup_in",
    "extra_identity",
    "makeup_options",
    "rank",
    "search",
]
