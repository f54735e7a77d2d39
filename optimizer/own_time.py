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

MAX_REQUESTS = 12
"""Participants with more modelled requests than this are not examined (2^n subsets); they
count as fitting everything, which keeps every use of the answer valid, only less sharp."""
SEARCH_BUDGET = 20_000
"""Pattern choices tried per set before it is counted as fitting (again: valid, less sharp)."""


def requested_masks(prep: Prepared) -> dict[str, dict[str, list[int]]]:
    """Participant → type → the distinct week masks (travel included) of patterns they may
    attend in a section of that type; types with no section slot are left out."""
    grid = WeekGrid(prep)
    out: dict[str, dict[str, list[int]]] = {}
    for type_id, data in prep.types.items():
        if data.slots == 0 or not data.patterns:
            continue
        for pid, ks in data.members.items():
            masks = {grid.masks(data, k)[1] for k in ks}
            out.setdefault(pid, {})[type_id] = sorted(masks)
    return out


def fits_together(masks: list[list[int]], budget: int = SEARCH_BUDGET) -> bool:
    """True when one mask per list can be chosen with no two overlapping (or the search ran
    out of ``budget`` before deciding)."""
    order = sorted(masks, key=len)
    left = [budget]

    def place(i: int, busy: int) -> bool:
        if i == len(order):
            return True
        for mask in order[i]:
            left[0] -= 1
            if left[0] < 0:
                return True
            if not mask & busy and place(i + 1, busy | mask):
                return True
        return False

    return place(0, 0)


def fitting_sets(prep: Prepared) -> dict[str, list[frozenset[str]]]:
    """Participant → the maximal sets of their requested types their week can hold together,
    for every participant who cannot hold all of them (the others are left out)."""
    out: dict[str, list[frozenset[str]]] = {}
    for pid, by_type in requested_masks(prep).items():
        types = sorted(by_type)
        if len(types) < 2 or len(types) > MAX_REQUESTS:
            continue
        if fits_together([by_type[t] for t in types]):
            continue
        maximal: list[frozenset[str]] = []
        for size in range(len(types) - 1, 0, -1):
            for chosen in combinations(types, size):
                candidate = frozenset(chosen)
                if any(candidate <= known for known in maximal):
                    continue
                if fits_together([by_type[t] for t in chosen]):
                    maximal.append(candidate)
        out[pid] = maximal
    return out
