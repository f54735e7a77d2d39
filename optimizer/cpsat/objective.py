"""Objective terms: the contract score first; secondary aims only under it.

The score is Σ weight over placed requests. Secondary aims are minimised in a second phase with
the score held at least at what the first phase found, so they can never cost score:

* ``moved``: requests not kept in today's section (from ``current`` or the previous schedule);
* ``timetable``: changes of a previous section's pattern, room, vehicle or staff;
* ``participant days``: days participants come in, summed (compact weeks, fewer van trips);
* ``max staff sessions``: the busiest staff member's weekly load (balance).
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from optimizer.cpsat.variables import Variables
from optimizer.prepare import Prepared
from optimizer.stability import Identity

SECONDARY_WEIGHTS = {"moved": 1000, "timetable": 200, "participant_days": 10, "max_staff": 1}
"""Lexicographic in spirit: one move outweighs any realistic sum of the later aims."""

MAX_DAY_LINKS = 250_000
"""Above this many (request, slot, day) links the participant-days aim is left out (model size)."""


def primary_score(prep: Prepared, v: Variables) -> cp_model.LinearExpr:
    """Σ weight(priority) × placed, the contract score."""
    keys = list(v.assign)
    return cp_model.LinearExpr.weighted_sum(
        [v.assign[key] for key in keys], [prep.weight[pid, slot[0]] for pid, slot in keys]
    )


@dataclass
class SecondaryTerms:
    moved: cp_model.LinearExpr
    timetable: cp_model.LinearExpr
    participant_days: cp_model.LinearExpr
    max_staff: cp_model.IntVar
    comes: dict[tuple[str, str], cp_model.IntVar]
    """(participant, day) → comes in that day, for those without a van-ride variable."""

    def weighted(self) -> cp_model.LinearExpr:
        w = SECONDARY_WEIGHTS
        return cp_model.LinearExpr.weighted_sum(
            [self.moved, self.timetable, self.participant_days, self.max_staff],
            [w["moved"], w["timetable"], w["participant_days"], w["max_staff"]],
        )


def add_secondary(
    model: cp_model.CpModel, prep: Prepared, v: Variables, ident: Identity
) -> SecondaryTerms:
    """Create the secondary-aim variables and return their expressions."""
    comes: dict[tuple[str, str], cp_model.IntVar] = {}
    return SecondaryTerms(
        moved=_moved(v, ident),
        timetable=_timetable(v, ident),
        participant_days=_participant_days(model, prep, v, comes),
        max_staff=_max_staff(model, prep, v),
        comes=comes,
    )


def change_terms(v: Variables, ident: Identity) -> tuple[cp_model.LinearExpr, int]:
    """Moves plus timetable changes against ``ident``, and the most they can add up to."""
    most = len(ident.current) + sum(2 + len(prev.staff) for prev in ident.previous.values())
    return cp_model.LinearExpr.sum([_moved(v, ident), _timetable(v, ident)]), most


def _kept(lit: cp_model.IntVar | None) -> cp_model.LinearExpr | int:
    """1 when what ``lit`` would keep is changed (always 1 when it cannot be kept)."""
    return 1 - lit if lit is not None else 1


def _moved(v: Variables, ident: Identity) -> cp_model.LinearExpr:
    return cp_model.LinearExpr.sum(
        [
            _kept(v.assign.get((pid, slot)) if slot is not None else None)
            for (pid, _type_id), slot in ident.current.items()
        ]
    )


def _timetable(v: Variables, ident: Identity) -> cp_model.LinearExpr:
    terms: list[cp_model.LinearExpr | int] = []
    for slot, prev in ident.previous.items():
        z = v.pattern[slot]
        terms.append(_kept(z[prev.pattern] if prev.pattern is not None else None))
        if prev.room is not None:
            terms.append(_kept(v.room.get((slot, prev.room))))
        if prev.vehicle is not None:
            terms.append(_kept(v.vehicle.get((slot, prev.vehicle))))
        terms.extend(_kept(v.staff.get((slot, sid))) for sid in prev.staff)
    return cp_model.LinearExpr.sum(terms)


def _participant_days(
    model: cp_model.CpModel,
    prep: Prepared,
    v: Variables,
    comes: dict[tuple[str, str], cp_model.IntVar],
) -> cp_model.LinearExpr:
    days = prep.term.calendar.days
    if len(v.assign) * len(days) > MAX_DAY_LINKS:
        return cp_model.LinearExpr.sum([])
    terms = []
    for pid, slots in v.slots_of_participant.items():
        for day in days:
            links = []
            for slot in slots:
                data = prep.types[slot[0]]
                ks = [k for k in data.members[pid] if day in data.patterns[k].days]
                if ks:
                    links.append((v.assign[pid, slot], sum(v.pattern[slot][k] for k in ks)))
            if not links:
                continue
            attends = v.attends.get((pid, day))
            if attends is None:
                attends = comes[pid, day] = model.new_bool_var(f"comes[{pid},{day}]")
                for lit, meets in links:
                    model.add(attends >= lit + meets - 1)
            terms.append(attends)
    return cp_model.LinearExpr.sum(terms)


def _max_staff(model: cp_model.CpModel, prep: Prepared, v: Variables) -> cp_model.IntVar:
    top = max((s.max_sessions_per_week for s in prep.term.staff), default=0)
    peak = model.new_int_var(0, top, "max_staff_sessions")
    load: dict[str, list[cp_model.LinearExprT]] = {}
    for (slot, sid), lit in v.staff.items():
        load.setdefault(sid, []).append(prep.types[slot[0]].group_type.meetings_per_week * lit)
    for terms in load.values():
        model.add(peak >= sum(terms))
    return peak
