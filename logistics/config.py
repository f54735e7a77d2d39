"""The clinic's logistics file (TOML, ``otgroups.materials/1``): per group type the materials
used per participant and per session, what participants bring, the name messages use, and for
off-site groups the partner, address and meeting point; per item its unit and order lead time.

It is the clinic's own file, beside the term (the term contract is not extended)::

    format = "otgroups.materials/1"
    default_attendance_rate = 0.85

    [items.clay]
    name = "Air-dry clay"
    unit = "kg"
    lead_days = 10

    [group_types.creative-expression]
    bring = ["clothes that can get messy"]
    materials = [{ item = "clay", per_participant = 0.5 }]

    [group_types.community-outing]
    partner = "Pine Hollow Public Library"
    address = "410 W Main St, Pine Hollow"
    meeting_point = "the front entrance"
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from models import Term
from models.errors import problems_from_validation

FORMAT = "otgroups.materials/1"
ENV = "OTGROUPS_MATERIALS"
"""Environment variable naming the logistics file when no ``--materials`` is given."""


class LogisticsInputError(ValueError):
    """A logistics file, contacts file or template the clinic supplied is not usable; the
    message names the file, the place and what is wrong, in one line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Item(_Strict):
    name: str = Field(default="", description="Display name")
    unit: str = Field(default="unit", description="kit, kg, ml, sheet, …")
    lead_days: int = Field(default=0, ge=0, description="Days from ordering to having it")


class Use(_Strict):
    """One item a group type uses: per participant attending, and per session held."""

    item: str
    per_participant: float = Field(default=0.0, ge=0)
    per_session: float = Field(default=0.0, ge=0)


class GroupLogistics(_Strict):
    public_name: str | None = Field(
        default=None, description="Name used in messages and calendars (default: the term's)"
    )
    bring: list[str] = Field(default_factory=list, description="What participants bring")
    materials: list[Use] = Field(default_factory=list)
    partner: str | None = Field(default=None, description="Off site: who is visited")
    address: str | None = Field(default=None, description="Off site: where")
    meeting_point: str | None = Field(default=None, description="Off site: where riders meet")


class Logistics(_Strict):
    format: Literal["otgroups.materials/1"] = "otgroups.materials/1"
    default_attendance_rate: float = Field(default=0.85, gt=0, le=1)
    short_name: str | None = Field(
        default=None, description="The clinic's name in text messages (default: its full name)"
    )
    meeting_point: str = Field(
        default="the clinic's front entrance", description="Where off-site groups meet the van"
    )
    items: dict[str, Item] = Field(default_factory=dict)
    group_types: dict[str, GroupLogistics] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _items_known(self) -> Logistics:
        for type_id, group in self.group_types.items():
            for n, use in enumerate(group.materials):
                if use.item not in self.items:
                    raise ValueError(
                        f"group_types.{type_id}.materials[{n}].item: unknown item {use.item!r} "
                        f"(items: {', '.join(sorted(self.items)) or 'none'})"
                    )
        return self

    def group(self, type_id: str) -> GroupLogistics:
        return self.group_types.get(type_id) or GroupLogistics()

    def item(self, item_id: str) -> Item:
        return self.items[item_id]

    def check_term(self, term: Term, source: str = "logistics file") -> None:
        """Every group type named is one of the term's (a typo would silently drop materials)."""
        known = {gt.id for gt in term.group_types}
        for type_id in self.group_types:
            if type_id not in known:
                raise LogisticsInputError(
                    f"{source}: group_types.{type_id}: not a group type of the term "
                    f"({', '.join(sorted(known))})"
                )


def load_logistics(path: Path | str | None) -> Logistics:
    """The file at ``path`` (default: ``$OTGROUPS_MATERIALS``; neither: an empty one)."""
    source = materials_source(path)
    if source is None:
        return Logistics()
    path = Path(source)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LogisticsInputError(f"no logistics file at {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LogisticsInputError(f"cannot read {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise LogisticsInputError(f"{path}: not TOML ({exc})") from None
    try:
        return Logistics.model_validate(raw)
    except ValidationError as exc:
        first = problems_from_validation(exc)[0]  # quotes the value: (got 'ten')
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise LogisticsInputError(f"{path}: {first}{more}") from None


def materials_source(path: Path | str | None) -> str | None:
    """Where :func:`load_logistics` reads from: ``path``, else ``$OTGROUPS_MATERIALS``."""
    return str(path) if path is not None else os.environ.get(ENV) or None
