"""The term instance (``otgroups.term/1``): what a program director builds a schedule from."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal

from pydantic import Field, PrivateAttr

from models.common import ContractModel, Day, Id, IsoDate, Time, Window

TERM_FORMAT: Final = "otgroups.term/1"

Role = Literal["OT", "OTA", "PEER", "RT", "OTHER"]
AgeBand = Literal["adolescent", "adult", "older-adult"]
Program = Literal["PHP", "IOP", "OP", "RES"]
Acuity = Literal["low", "moderate", "high"]
Priority = Literal["required", "recommended", "optional"]
Transport = Literal["self", "van"]

PRIORITIES: tuple[Priority, ...] = ("required", "recommended", "optional")


class Clinic(ContractModel):
    id: Id = Field(description="Clinic id")
    name: str = Field(description="Display name")
    timezone: str = Field(description="IANA time zone, e.g. America/Chicago")


class TermDates(ContractModel):
    name: str = Field(description="Term name, e.g. Winter 2027")
    start: IsoDate = Field(description="First day of the term")
    end: IsoDate = Field(description="Last day of the term")
    closures: list[IsoDate] = Field(default_factory=list, description="Days the clinic is shut")


class Calendar(ContractModel):
    days: list[Day] = Field(min_length=1, description="Days the clinic runs groups")
    open: Time = Field(description="Opening time; the slot grid starts here")
    close: Time = Field(description="Closing time; meetings end by then")
    slot_minutes: Literal[15, 30] = Field(description="Every meeting starts on this grid")


class Room(ContractModel):
    id: Id
    name: str = Field(default="", description="Display name")
    capacity: int = Field(ge=1, description="Most participants the room holds")
    features: list[str] = Field(default_factory=list, description="kitchen, sink, garden, …")
    blocked: list[Window] = Field(default_factory=list, description="Times the room is not ours")


class Staff(ContractModel):
    id: Id
    name: str = Field(default="", description="Display name (never written to logs)")
    role: Role = Field(description="OT, OTA, PEER, RT or OTHER")
    skills: list[str] = Field(default_factory=list, description="Skills a group type may require")
    available: list[Window] = Field(description="Weekly windows the person can lead groups")
    max_sessions_per_day: int = Field(default=4, ge=0, description="Meetings led per day at most")
    max_sessions_per_week: int = Field(default=16, ge=0, description="Meetings led per week")


class Run(ContractModel):
    day: Day
    arrive: Time = Field(description="Riders reach the clinic at this time")
    depart: Time = Field(description="Riders leave the clinic at this time")


class Vehicle(ContractModel):
    id: Id
    name: str = Field(default="", description="Display name")
    seats: int = Field(ge=1, description="Seats, the driver excluded")
    wheelchair_seats: int = Field(default=0, ge=0, description="Wheelchair positions")
    available: list[Window] = Field(default_factory=list, description="Free for outings")
    runs: list[Run] = Field(default_factory=list, description="Daily rider runs")

    def distinct_runs(self) -> list[tuple[int, Run]]:
        """``(index, run)`` of each run, a repeat left out: a ride names a run by vehicle, day
        and times, so the same run listed twice is one run with its seats once."""
        first: dict[tuple[str, int, int], int] = {}
        for i, run in enumerate(self.runs):
            first.setdefault((run.day, run.arrive, run.depart), i)
        return [(i, self.runs[i]) for i in first.values()]


class StaffNeed(ContractModel):
    count: int = Field(ge=1, description="Staff leading each section")
    roles: list[Role] = Field(min_length=1, description="Roles a leader may have")
    skills: list[str] = Field(default_factory=list, description="Skills every leader needs")


class Allowed(ContractModel):
    age_bands: list[AgeBand] | None = Field(default=None, description="null: any age band")
    genders: list[str] | None = Field(default=None, description="null: any gender")
    programs: list[Program] | None = Field(default=None, description="null: any program")
    tracks_any: list[str] | None = Field(default=None, description="null: any; else share one")


class GroupType(ContractModel):
    id: Id
    name: str = Field(default="", description="Display name")
    category: str = Field(default="", description="social-skills, cooking, community-outing, …")
    duration_minutes: int = Field(ge=15, description="Length of one meeting")
    meetings_per_week: int = Field(default=1, ge=1, le=7, description="Meetings on distinct days")
    min_size: int = Field(ge=1, description="Fewest members of a section that runs")
    max_size: int = Field(ge=1, description="Most members of a section")
    max_sections: int = Field(ge=0, description="Most sections of this type in the term")
    room_features: list[str] = Field(default_factory=list, description="Features a room needs")
    offsite: bool = Field(default=False, description="Meets off site: a vehicle, no room")
    travel_minutes: int = Field(default=0, ge=0, description="Travel each way for off-site")
    staff: StaffNeed = Field(description="Who leads each section")
    allowed: Allowed = Field(default_factory=Allowed, description="Who may join")
    max_high_acuity: int | None = Field(default=None, ge=0, description="High-acuity cap")
    single_program: bool = Field(default=False, description="Members share one program")
    windows: list[Window] | None = Field(default=None, description="Only windows meetings fit in")

    @property
    def label(self) -> str:
        """Name for messages."""
        return self.name or self.id


class Request(ContractModel):
    group_type: Id = Field(description="Requested group type")
    priority: Priority = Field(description="required, recommended or optional")


class Participant(ContractModel):
    id: Id = Field(description="Opaque id, never a name")
    age_band: AgeBand
    gender: str = Field(default="", description="Free text")
    program: Program
    acuity: Acuity
    tracks: list[str] = Field(default_factory=list, description="Clinical tracks")
    available: list[Window] = Field(description="Windows the participant can attend")
    transport: Transport = Field(default="self", description="self, or van: rides a daily run")
    wheelchair: bool = Field(default=False, description="Needs a wheelchair seat")
    requests: list[Request] = Field(description="Groups of the treatment plan")
    keep_apart: list[Id] = Field(default_factory=list, description="Never in a section with")
    current: dict[str, str] | None = Field(
        default=None,
        description="group_type → section id",
        exclude_if=lambda value: value is None,  # the contract has an object or no field
    )


class Weights(ContractModel):
    required: int = Field(default=100, ge=0)
    recommended: int = Field(default=10, ge=0)
    optional: int = Field(default=1, ge=0)

    def of(self, priority: Priority) -> int:
        """Weight of one placed request of this priority."""
        return int(getattr(self, priority))


class Term(ContractModel):
    """A term instance. Build with :func:`models.load_term`, which also checks references."""

    format: Literal["otgroups.term/1"] = TERM_FORMAT
    clinic: Clinic
    term: TermDates
    calendar: Calendar
    rooms: list[Room]
    staff: list[Staff]
    vehicles: list[Vehicle] = Field(default_factory=list)
    group_types: list[GroupType]
    participants: list[Participant]
    weights: Weights = Field(default_factory=Weights)
    _indexes: dict[tuple[str, int, int], dict[str, ContractModel]] = PrivateAttr(
        default_factory=dict
    )

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Term:
        """A copy with its own id-keyed lookups (pydantic's copy would share them)."""
        copied = super().model_copy(update=update, deep=deep)
        copied._indexes = {}
        return copied

    def group_type(self, type_id: str) -> GroupType:
        """The group type with this id (KeyError if absent)."""
        return self._index("group_types")[type_id]  # type: ignore[return-value]

    def participant(self, pid: str) -> Participant:
        return self._index("participants")[pid]  # type: ignore[return-value]

    def room(self, room_id: str) -> Room:
        return self._index("rooms")[room_id]  # type: ignore[return-value]

    def staff_member(self, staff_id: str) -> Staff:
        return self._index("staff")[staff_id]  # type: ignore[return-value]

    def vehicle(self, vehicle_id: str) -> Vehicle:
        return self._index("vehicles")[vehicle_id]  # type: ignore[return-value]

    def place_name(self, room: str | None, vehicle: str | None) -> str | None:
        """The name (its id when unnamed) of the room a section meets in, or else of the
        vehicle it goes out in; None for neither."""
        if room is not None:
            found = self.room(room)
            return found.name or found.id
        if vehicle is not None:
            van = self.vehicle(vehicle)
            return van.name or van.id
        return None

    def seats(self, gt: GroupType, room: str | None, vehicle: str | None) -> int:
        """How many participants one meeting of ``gt`` holds in ``room`` (on site) or
        ``vehicle`` (off site): max_size, room capacity, vehicle seats less the staff."""
        if gt.offsite and vehicle is not None:
            return min(gt.max_size, self.vehicle(vehicle).seats - gt.staff.count)
        if not gt.offsite and room is not None:
            return min(gt.max_size, self.room(room).capacity)
        return gt.max_size

    def _index(self, field: str) -> dict[str, ContractModel]:
        items = getattr(self, field)
        key = (field, id(items), len(items))
        if key not in self._indexes:
            self._indexes[key] = {item.id: item for item in items}
        return self._indexes[key]
