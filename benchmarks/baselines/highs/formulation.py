"""The MIP of the contract: binary variables per slot and per product, one function per hard rule.

Built from :func:`optimizer.prepare.prepare` (the same patterns and exact pruning as otgroups):
time rules that depend on one pattern (calendar, grid, windows, availability, blocked rooms,
runs covering a rider's meeting, a vehicle due at a run) are compatibilities, i.e. a product
column exists only for compatible patterns. Everything else is a linear row:

- ``a[s]`` slot runs, ``z[s,k]`` its pattern, ``x[p,s]`` membership, ``w[p,s,k]`` = x·z;
- ``r[s,room]`` with ``u[s,k,room]``, ``v[s,vehicle]`` with ``e[s,k,vehicle]``, ``f[s,staff]`` with
  ``g[s,k,staff]`` (the resource at pattern ``k``);
- ``att[p,day]`` a van rider comes in, ``y[p,run]`` the run they ride, ``pr[s,program]`` H9.

No-overlap of rooms, staff, vehicles and participants is a clique row per start event of the
week (:mod:`.timeline`), exact for half-open spans.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from benchmarks.baselines.highs.matrix import Matrix
from benchmarks.baselines.highs.timeline import Span, add_span, clique_rows
from optimizer.prepare import Prepared, RunRef, TypeData

Slot = tuple[str, int]
SpanTable = dict[tuple[object, str, int, int], Span]


@dataclass
class MipVars:
    """Column indices of every variable family, by key."""

    active: dict[Slot, int] = field(default_factory=dict)
    pattern: dict[tuple[Slot, int], int] = field(default_factory=dict)
    assign: dict[tuple[str, Slot], int] = field(default_factory=dict)
    meets: dict[tuple[str, Slot, int], int] = field(default_factory=dict)
    """w[p,s,k]: p is in slot s and s meets at pattern k (only for compatible k)."""
    room: dict[tuple[Slot, str], int] = field(default_factory=dict)
    room_at: dict[tuple[Slot, int, str], int] = field(default_factory=dict)
    staff: dict[tuple[Slot, str], int] = field(default_factory=dict)
    staff_at: dict[tuple[Slot, int, str], int] = field(default_factory=dict)
    vehicle: dict[tuple[Slot, str], int] = field(default_factory=dict)
    vehicle_at: dict[tuple[Slot, int, str], int] = field(default_factory=dict)
    attends: dict[tuple[str, str], int] = field(default_factory=dict)
    ride: dict[tuple[str, RunRef], int] = field(default_factory=dict)
    program: dict[tuple[Slot, str], int] = field(default_factory=dict)
    slots_of_type: dict[str, list[Slot]] = field(default_factory=dict)
    slots_of_participant: dict[str, list[Slot]] = field(default_factory=dict)
    members_at: dict[tuple[Slot, int], list[tuple[str, int]]] = field(default_factory=dict)
    """(slot, pattern) → (participant, w column) of everyone who could meet there."""


Rule = Callable[[Matrix, Prepared, MipVars], None]


def create_variables(m: Matrix, prep: Prepared) -> MipVars:
    """Every column; product columns only where the preparation found the pair compatible."""
    v = MipVars()
    for data in prep.types.values():
        slots = [(data.id, i) for i in range(data.slots)]
        v.slots_of_type[data.id] = slots
        for slot in slots:
            _slot_columns(m, prep, v, data, slot)
    for pid, slot in v.assign:
        v.slots_of_participant.setdefault(pid, []).append(slot)
    for p in prep.term.participants:
        if p.transport != "van":
            continue
        days = {
            day
            for slot in v.slots_of_participant.get(p.id, [])
            for k in prep.types[slot[0]].members[p.id]
            for day in prep.types[slot[0]].patterns[k].days
        }
        for day in sorted(days):
            v.attends[p.id, day] = m.add_column("att")
            for run in prep.runs_by_day.get(day, []):
                v.ride[p.id, run] = m.add_column("y")
    return v


def _slot_columns(m: Matrix, prep: Prepared, v: MipVars, data: TypeData, slot: Slot) -> None:
    patterns = range(len(data.patterns))
    v.active[slot] = m.add_column("a")
    v.pattern.update(m.add_columns("z", [(slot, k) for k in patterns]))
    for pid, ks in data.members.items():
        v.assign[pid, slot] = m.add_column("x", float(prep.weight[pid, data.id]))
        for k in sorted(ks):
            col = v.meets[pid, slot, k] = m.add_column("w")
            v.members_at.setdefault((slot, k), []).append((pid, col))
    for rid, ks in data.rooms.items():
        v.room[slot, rid] = m.add_column("r")
        v.room_at.update(m.add_columns("u", [(slot, k, rid) for k in sorted(ks)]))
    for vid, ks in data.vehicles.items():
        v.vehicle[slot, vid] = m.add_column("v")
        v.vehicle_at.update(m.add_columns("e", [(slot, k, vid) for k in sorted(ks)]))
    for sid, ks in data.staff.items():
        v.staff[slot, sid] = m.add_column("f")
        v.staff_at.update(m.add_columns("g", [(slot, k, sid) for k in sorted(ks)]))
    if data.group_type.single_program:
        programs = sorted({prep.term.participant(pid).program for pid in data.members})
        if len(programs) > 1:
            v.program.update(m.add_columns("pr", [(slot, prog) for prog in programs]))


def _spans(table: SpanTable, data: TypeData, group: object, k: int, col: int, travel: int) -> None:
    """Register ``col`` as occupying every meeting of pattern ``k`` (widened by travel)."""
    for day, start, end in data.patterns[k].spans(travel):
        add_span(table, group, day, start, end, col)


def _no_overlap(m: Matrix, family: str, tables: dict[str, SpanTable]) -> None:
    for table in tables.values():
        for cols in clique_rows(list(table.values())):
            m.at_most(family, cols, 1)


def time_h3(m: Matrix, prep: Prepared, v: MipVars) -> None:
    """H3: a running slot has exactly one candidate pattern (distinct days, one start on the
    grid, inside opening hours and the type's windows — the candidate patterns guarantee it)."""
    for slot, a in v.active.items():
        n = len(prep.types[slot[0]].patterns)
        m.add_row("H3 pattern", [*((v.pattern[slot, k], 1.0) for k in range(n)), (a, -1.0)], 0, 0)


def size_h1(m: Matrix, prep: Prepared, v: MipVars) -> None:
    """H1 per pattern: min_size·z ≤ Σ w ≤ Σ capacity·(room or vehicle at k); wheelchair seats."""
    term = prep.term
    for slot in v.active:
        data = prep.types[slot[0]]
        gt = data.group_type
        for k in range(len(data.patterns)):
            z = v.pattern[slot, k]
            members = v.members_at.get((slot, k), [])
            terms = [(c, 1.0) for _, c in members]
            m.add_row("H1 min", [*terms, (z, -float(gt.min_size))], lo=0)
            if gt.offsite:
                seats = [
                    (
                        v.vehicle_at[slot, k, vid],
                        -float(min(gt.max_size, term.vehicle(vid).seats - gt.staff.count)),
                    )
                    for vid, ks in data.vehicles.items()
                    if k in ks
                ]
                m.add_row("H1 seats", [*terms, *seats], hi=0)
                wheel = [(c, 1.0) for pid, c in members if term.participant(pid).wheelchair]
                if wheel:
                    cap = [
                        (v.vehicle_at[slot, k, vid], -float(term.vehicle(vid).wheelchair_seats))
                        for vid, ks in data.vehicles.items()
                        if k in ks
                    ]
                    m.add_row("H1 wheelchair", [*wheel, *cap], hi=0)
            else:
                capacity = [
                    (v.room_at[slot, k, rid], -float(min(gt.max_size, term.room(rid).capacity)))
                    for rid, ks in data.rooms.items()
                    if k in ks
                ]
                m.add_row("H1 capacity", [*terms, *capacity], hi=0)


def sections_h2(m: Matrix, prep: Prepared, v: MipVars) -> None:
    """H2: at most ``max_sections`` per type, by construction of the slots."""
    for type_id, slots in v.slots_of_type.items():
        if len(slots) > prep.types[type_id].group_type.max_sections:
            raise AssertionError(f"{type_id}: more slots than max_sections")


def _place(
    m: Matrix,
    prep: Prepared,
    v: MipVars,
    family: str,
    offsite: bool,
    travel_counts: bool,
) -> dict[str, SpanTable]:
    """One room (or vehicle) per running slot at its pattern; returns the span tables."""
    tables: dict[str, SpanTable] = {}
    for slot in v.active:
        data = prep.types[slot[0]]
        if data.group_type.offsite != offsite:
            continue
        places = data.vehicles if offsite else data.rooms
        at = v.vehicle_at if offsite else v.room_at
        whole = v.vehicle if offsite else v.room
        travel = data.travel if travel_counts else 0
        for k in range(len(data.patterns)):
            cols = [at[slot, k, place] for place, ks in places.items() if k in ks]
            m.add_row(family, [*((c, 1.0) for c in cols), (v.pattern[slot, k], -1.0)], 0, 0)
        for place, ks in places.items():
            link = [(at[slot, k, place], 1.0) for k in sorted(ks)]
            m.add_row(family, [*link, (whole[slot, place], -1.0)], 0, 0)
            for k in ks:
                _spans(tables.setdefault(place, {}), data, slot, k, at[slot, k, place], travel)
    return tables


def rooms_h4(m: Matrix, prep: Prepared, v: MipVars) -> None:
    """H4: an on-site slot holds one room with the features, not blocked (prepared), and a
    room holds one meeting at a time (meetings only, no travel)."""
    _no_overlap(m, "H4 no-overlap", _place(m, prep, v, "H4 room", False, False))


def vehicles_h6(m: Matrix, prep: Prepared, v: MipVars) -> None:
    """H6: an off-site slot holds one vehicle, free and not due at a run (prepared), on one
    outing at a time, travel included."""
    _no_overlap(m, "H6 no-overlap", _place(m, prep, v, "H6 vehicle", True, True))


def staff_h5(m: Matrix, prep: Prepared, v: MipVars) -> None:
    """H5: ``count`` qualified, available staff at the slot's pattern; one place at a time
    (travel included); daily and weekly session limits."""
    term = prep.term
    tables: dict[str, SpanTable] = {}
    week: dict[str, list[tuple[int, float]]] = {}
    day_cols: dict[tuple[str, str], list[int]] = {}
    day_slots: dict[tuple[str, str], set[Slot]] = {}
    for slot in v.active:
        data = prep.types[slot[0]]
        gt = data.group_type
        for k in range(len(data.patterns)):
            z = v.pattern[slot, k]
            cols = [v.staff_at[slot, k, sid] for sid, ks in data.staff.items() if k in ks]
            m.add_row("H5 count", [*((c, 1.0) for c in cols), (z, -float(gt.staff.count))], 0, 0)
            if gt.staff.count > 1:
                for c in cols:
                    m.add_row("H5 link", [(c, 1.0), (z, -1.0)], hi=0)
        for sid, ks in data.staff.items():
            link = [(v.staff_at[slot, k, sid], 1.0) for k in sorted(ks)]
            m.add_row("H5 link", [*link, (v.staff[slot, sid], -1.0)], 0, 0)
            week.setdefault(sid, []).append((v.staff[slot, sid], float(gt.meetings_per_week)))
            for k in ks:
                col = v.staff_at[slot, k, sid]
                _spans(tables.setdefault(sid, {}), data, slot, k, col, data.travel)
                for day in data.patterns[k].days:
                    day_cols.setdefault((sid, day), []).append(col)
                    day_slots.setdefault((sid, day), set()).add(slot)
    for sid, terms in week.items():
        limit = term.staff_member(sid).max_sessions_per_week
        if sum(c for _, c in terms) > limit:
            m.add_row("H5 week", terms, hi=limit)
    for (sid, day), cols in day_cols.items():
        limit = term.staff_member(sid).max_sessions_per_day
        if len(day_slots[sid, day]) > limit:
            m.at_most("H5 day", cols, limit)
    _no_overlap(m, "H5 no-overlap", tables)


def participants_h7(m: Matrix, prep: Prepared, v: MipVars) -> None:
    """H7: members only where eligible and available (w exists only for compatible patterns),
    one section per type, never two meetings at once (travel included)."""
    tables: dict[str, SpanTable] = {}
    for (pid, slot), x in v.assign.items():
        data = prep.types[slot[0]]
        ks = sorted(data.members[pid])
        link = [(v.meets[pid, slot, k], 1.0) for k in ks]
        m.add_row("H7 link", [*link, (x, -1.0)], 0, 0)
        for k in ks:
            w = v.meets[pid, slot, k]
            if m.strong_links:
                m.add_row("H7 link", [(w, 1.0), (v.pattern[slot, k], -1.0)], hi=0)
            _spans(tables.setdefault(pid, {}), data, data.id, k, w, data.travel)
    for pid, slots in v.slots_of_participant.items():
        by_type: dict[str, list[int]] = {}
        for slot in slots:
            by_type.setdefault(slot[0], []).append(v.assign[pid, slot])
        for cols in by_type.values():
            if len(cols) > 1:
                m.at_most("H7 one per type", cols, 1)
    _no_overlap(m, "H7 no-overlap", tables)


def acuity_h8(m: Matrix, prep: Prepared, v: MipVars) -> None:
    """H8: high-acuity members ≤ ``max_high_acuity``."""
    for slot in v.active:
        data = prep.types[slot[0]]
        cap = data.group_type.max_high_acuity
        if cap is None:
            continue
        high = [
            v.assign[pid, slot]
            for pid in data.members
            if prep.term.participant(pid).acuity == "high"
        ]
        if len(high) > cap:
            m.at_most("H8", high, cap)


def single_program_h9(m: Matrix, prep: Prepared, v: MipVars) -> None:
    """H9: a ``single_program`` slot picks one program; its members are of it."""
    chosen: dict[Slot, list[int]] = {}
    for (slot, program), col in v.program.items():
        chosen.setdefault(slot, []).append(col)
        for pid in prep.types[slot[0]].members:
            if prep.term.participant(pid).program == program:
                m.add_row("H9", [(v.assign[pid, slot], 1.0), (col, -1.0)], hi=0)
    for cols in chosen.values():
        m.at_most("H9", cols, 1)


def keep_apart_h10(m: Matrix, prep: Prepared, v: MipVars) -> None:
    """H10: no slot holds both of a keep-apart pair (listed by either side)."""
    pairs = {tuple(sorted((p.id, o))) for p in prep.term.participants for o in p.keep_apart}
    for a, b in sorted(pairs):
        for slot in v.slots_of_participant.get(a, []):
            if (b, slot) in v.assign:
                m.at_most("H10", [v.assign[a, slot], v.assign[b, slot]], 1)


def transport_h11(m: Matrix, prep: Prepared, v: MipVars) -> None:
    """H11: a van rider with a meeting on a day rides exactly one run of that day, which covers
    every meeting of theirs that day (travel included); run seats and wheelchair seats."""
    term = prep.term
    riders: dict[RunRef, list[str]] = {}
    for (pid, day), att in v.attends.items():
        runs = prep.runs_by_day.get(day, [])
        m.add_row("H11 ride", [*((v.ride[pid, run], 1.0) for run in runs), (att, -1.0)], 0, 0)
        for run in runs:
            riders.setdefault(run, []).append(pid)
        by_type: dict[str, list[tuple[int, int, int]]] = {}
        for slot in v.slots_of_participant.get(pid, []):
            data = prep.types[slot[0]]
            for k in data.members[pid]:
                pat = data.patterns[k]
                if day in pat.days:
                    span = (pat.start - data.travel, pat.end + data.travel)
                    by_type.setdefault(slot[0], []).append((v.meets[pid, slot, k], *span))
        for meetings in by_type.values():
            m.add_row("H11 attends", [*((w, 1.0) for w, _, _ in meetings), (att, -1.0)], hi=0)
            for run in runs:
                uncovered = [w for w, start, end in meetings if not run.covers(start, end)]
                if uncovered:
                    m.at_most("H11 covers", [v.ride[pid, run], *uncovered], 1)
    for run, pids in riders.items():
        vehicle = term.vehicle(run.vehicle)
        if len(pids) > vehicle.seats:
            m.at_most("H11 seats", [v.ride[pid, run] for pid in pids], vehicle.seats)
        wheel = [v.ride[pid, run] for pid in pids if term.participant(pid).wheelchair]
        if len(wheel) > vehicle.wheelchair_seats:
            m.at_most("H11 wheelchair", wheel, vehicle.wheelchair_seats)


def break_symmetry(m: Matrix, prep: Prepared, v: MipVars) -> None:
    """Interchangeable slots of a type run in order, with non-decreasing pattern index."""
    for type_id, slots in v.slots_of_type.items():
        n = len(prep.types[type_id].patterns)
        for first, second in itertools.pairwise(slots):
            m.add_row("symmetry", [(v.active[second], 1.0), (v.active[first], -1.0)], hi=0)
            index = [(v.pattern[first, k], float(k)) for k in range(1, n)]
            index += [(v.pattern[second, k], -float(k)) for k in range(1, n)]
            m.add_row("symmetry", [*index, (v.active[second], float(n))], hi=n)


HARD_RULES: dict[str, Rule] = {
    "H1": size_h1,
    "H2": sections_h2,
    "H3": time_h3,
    "H4": rooms_h4,
    "H5": staff_h5,
    "H6": vehicles_h6,
    "H7": participants_h7,
    "H8": acuity_h8,
    "H9": single_program_h9,
    "H10": keep_apart_h10,
    "H11": transport_h11,
}


def build(
    prep: Prepared, max_nonzeros: int, symmetry: bool = True, strong_links: bool = True
) -> tuple[Matrix, MipVars]:
    """The whole MIP; raises :class:`~.matrix.TooLargeError` past ``max_nonzeros``."""
    m = Matrix(max_nonzeros)
    m.strong_links = strong_links
    v = create_variables(m, prep)
    for rule in HARD_RULES.values():
        rule(m, prep, v)
    if symmetry:
        break_symmetry(m, prep, v)
    return m, v
