"""Who may join a group type: its ``allowed`` lists and an acuity cap of 0, with the reasons
(and nobody kept apart from themselves: read literally, H10 lets no section hold them)."""

from __future__ import annotations

from collections.abc import Iterable

from models.term import GroupType, Participant


def listing(values: Iterable[str]) -> str:
    """``a, b, c`` or ``none``."""
    text = ", ".join(values)
    return text or "none"


def ineligibility(gt: GroupType, p: Participant) -> list[str]:
    """Why ``p`` may never join ``gt`` (its ``allowed`` lists and an acuity cap of 0)."""
    a, name, out = gt.allowed, gt.label, []
    if a.age_bands is not None and p.age_band not in a.age_bands:
        out.append(f"{p.id}'s age band {p.age_band} is not among {name}'s ({listing(a.age_bands)})")
    if a.genders is not None and p.gender not in a.genders:
        out.append(f"{name} is open to genders {listing(a.genders)} only")
    if a.programs is not None and p.program not in a.programs:
        out.append(f"{name} is for programs {listing(a.programs)}; {p.id} is in {p.program}")
    if a.tracks_any is not None and not set(a.tracks_any) & set(p.tracks):
        out.append(f"{name} is for tracks {listing(a.tracks_any)}; {p.id} is in none of them")
    if gt.max_high_acuity == 0 and p.acuity == "high":
        out.append(f"{name} takes no high-acuity participants")
    if p.id in p.keep_apart:
        out.append(f"{p.id} is on their own keep_apart list, so no section may hold them (H10)")
    return out
