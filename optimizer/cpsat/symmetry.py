"""Symmetry breaking between interchangeable sections of a type.

Slots of a type are identical until a previous schedule or ``current`` enrollment gives them an
identity. Identical slots are used in order (slot i runs before slot i+1 does) and their pattern
indices do not decrease, which removes the k! relabellings of every solution.
"""

from __future__ import annotations

import itertools

from ortools.sat.python import cp_model

from optimizer.cpsat.variables import Variables
from optimizer.prepare import Prepared
from optimizer.stability import Identity


def break_symmetry(model: cp_model.CpModel, prep: Prepared, v: Variables, ident: Identity) -> None:
    for type_id, slots in v.slots_of_type.items():
        if ident.is_anchored(type_id) or len(slots) < 2:
            continue
        n_patterns = len(prep.types[type_id].patterns)
        index = {slot: sum(k * z for k, z in enumerate(v.pattern[slot])) for slot in slots}
        for first, second in itertools.pairwise(slots):
            model.add_implication(v.active[second], v.active[first])
            model.add(index[first] <= index[second] + n_patterns * (1 - v.active[second]))
