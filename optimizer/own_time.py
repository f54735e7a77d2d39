"""Which of a participant's requests their own week can hold together.

A participant can attend a set of group types only if each type has a meeting pattern they may
attend (after the exact pruning of :mod:`optimizer.prepare`) and those patterns, travel
included, never overlap (H7). Most participants' requests all fit together; for the others the
*maximal fitting sets* tell the data bound (:mod:`optimizer.bounds`) that they can never hold
everything they asked for, and tell the director before any solve.
"""

from __future__ import annotations

from itertools import combinations

from optimizer.prepare import Prepared
from optimizer.weekmask import WeekGrid

MAX_REQUESTS = 10
"""Participants with more modelled requests than this are not examined (2^n subsets); they
count as fitting everything, which keeps every use of the answer valid, only less sharp."""
TERM_BUDGET = 2_000_000
"""Pattern choices tried over the whole term (about a second of Python); once spent, the
participants not yet examined count as fitting everything (again: valid, less sharp)."""


class BudgetSpentError(Exception):
    """The term's search budget ran out before a fit test was decided."""


class Budget:
    """Search steps left; shared by every fit test of one term."""

    def __init__(self, steps: int) -> None:
        self.left = steps

    def spend(self) -> None:
        """Take one step; raises :class:`BudgetSpentError` once none is left."""
        self.left -= 1
        if self.left < 0:
            raise BudgetSpentError


def requested_masks(prep: Prepared) -> dict[str, dict[str, list[int]]]:
    """Participant → type → the distinct week masks (travel included) of patterns they may
    attend in a section of that type; types with no section slot are left out."""
    grid = WeekGrid(prep)
    out: dict[str, dict[str, list[int]]] = {}
    for type_id, data in prep.types.items():
        if data.slots == 0 or not data.patterns:
            continue
        wide = [grid.masks(data, k)[1] for k in range(len(data.patterns))]
        for pid, ks in data.members.items():
            out.setdefault(pid, {})[type_id] = sorted({wide[k] for k in ks})
    return out


def fits_together(masks: list[list[int]], budget: Budget) -> bool:
    """True when one mask per list can be chosen with no two overlapping; raises
    :class:`BudgetSpentError` when ``budget`` runs out first."""
    order = sorted(masks, key=len)

    def place(i: int, busy: int) -> bool:
        if i == len(order):
            return True
        for mask in order[i]:
            budget.spend()
            if not mask & busy and place(i + 1, busy | mask):
                return True
        return False

    return place(0, 0)


def fitting_sets(prep: Prepared, steps: int = TERM_BUDGET) -> dict[str, list[frozenset[str]]]:
    """Participant → the maximal sets of their requested types their week can hold together,
    for every participant found unable to hold all of them (the others are left out).
    Computed once per preparation and budget."""
    key = ("fitting_sets", steps)
    if key in prep.derived:
        return prep.derived[key]  # type: ignore[return-value]
    budget = Budget(steps)
    out: dict[str, list[frozenset[str]]] = {}
    for pid, by_type in sorted(requested_masks(prep).items()):
        if not 2 <= len(by_type) <= MAX_REQUESTS:
            continue
        try:
            found = _maximal_sets(by_type, budget)
        except BudgetSpentError:
            break
        if found is not None:
            out[pid] = found
    prep.derived[key] = out
    return out


def _maximal_sets(by_type: dict[str, list[int]], budget: Budget) -> list[frozenset[str]] | None:
    """The maximal sets of types that fit together; None when all of them do."""
    types = sorted(by_type)
    if fits_together([by_type[t] for t in types], budget):
        return None
    maximal: list[frozenset[str]] = []
    for size in range(len(types) - 1, 0, -1):
        for chosen in combinations(types, size):
            candidate = frozenset(chosen)
            if any(candidate <= known for known in maximal):
                continue
            if fits_together([by_type[t] for t in chosen], budget):
                maximal.append(candidate)
    return maximal
