"""Van manifests and outing sheets for one date, from the ledger's day schedule.

A **run manifest** is one van run of the date (:func:`ledger.state.day_schedule` rides: the weekly
riders still coming that day, plus makeup riders): vehicle, when it brings riders in and takes
them home, riders by participant id with the wheelchair seats they need, and seats and
wheelchair seats used against the vehicle's. Pick-up order is left to the driver.

An **outing sheet** is one off-site session of the date: the partner, address and meeting point
(the logistics file, by group type; the term contract has no such fields), the vehicle, the
staff (ids and names: the sheet is printed for staff), the riders by id, and the van's departure
(start − travel) and return (end + travel). Seats used count the staff on board as well.

Both come out as CSV (one row per rider) and as one printable, self-contained HTML page
(``manifest.html.j2``, each outing from ``outing.html.j2``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import jinja2
from sqlalchemy.orm import Session

from ledger.state import Published, closed_days, day_schedule
from logistics.config import Logistics, LogisticsInputError
from logistics.messages import BUILTIN_TEMPLATES
from logistics.privacy import Privacy
from models import format_time
from models.csv_cells import safe_cell


@dataclass(frozen=True)
class Rider:
    participant: str
    wheelchair: bool


@dataclass(frozen=True)
class RunManifest:
    vehicle: str
    vehicle_name: str
    arrive: int
    """Riders reach the clinic."""
    depart: int
    """Riders leave the clinic."""
    riders: tuple[Rider, ...]
    seats: int
    wheelchair_seats: int

    @property
    def seats_used(self) -> int:
        return len(self.riders)

    @property
    def wheelchair_used(self) -> int:
        return sum(r.wheelchair for r in self.riders)


@dataclass(frozen=True)
class OutingSheet:
    section: str
    group_type: str
    group: str
    partner: str
    address: str
    meeting_point: str
    vehicle: str
    vehicle_name: str
    staff: tuple[tuple[str, str], ...]
    """(id, name) of each staff member on the outing."""
    riders: tuple[Rider, ...]
    start: int
    end: int
    departs: int
    returns: int
    seats: int
    wheelchair_seats: int

    @property
    def seats_used(self) -> int:
        return len(self.riders) + len(self.staff)

    @property
    def wheelchair_used(self) -> int:
        return sum(r.wheelchair for r in self.riders)


@dataclass(frozen=True)
class DayManifest:
    date: dt.date
    clinic: str
    closed: bool
    runs: tuple[RunManifest, ...]
    outings: tuple[OutingSheet, ...]


def day_manifest(
    s: Session, pub: Published, day: dt.date, logistics: Logistics | None = None
) -> DayManifest:
    """The runs and outings of ``day``."""
    logistics = logistics or Logistics()
    term = pub.term
    privacy = Privacy(term, logistics)
    if not term.term.start <= day <= term.term.end:
        raise LogisticsInputError(f"{day} is outside the term {term.term.start} to {term.term.end}")
    if day in closed_days(s, pub):
        return DayManifest(day, term.clinic.name, True, (), ())
    view = day_schedule(s, day, pub)

    def rider(pid: str) -> Rider:
        try:
            return Rider(pid, term.participant(pid).wheelchair)
        except KeyError:
            return Rider(pid, False)

    runs = []
    for ride in sorted(view.transport, key=lambda r: (r.vehicle, r.arrive, r.depart)):
        vehicle = term.vehicle(ride.vehicle)
        runs.append(
            RunManifest(
                vehicle=vehicle.id,
                vehicle_name=vehicle.name or vehicle.id,
                arrive=ride.arrive,
                depart=ride.depart,
                riders=tuple(rider(p) for p in sorted(ride.participants)),
                seats=vehicle.seats,
                wheelchair_seats=vehicle.wheelchair_seats,
            )
        )
    outings = []
    for section in view.sections:
        if section.vehicle is None:
            continue
        gt = term.group_type(section.group_type)
        extra = logistics.group(gt.id)
        vehicle = term.vehicle(section.vehicle)
        for meeting in section.meetings:
            staff = []
            for staff_id in section.staff:
                try:
                    staff.append((staff_id, term.staff_member(staff_id).name))
                except KeyError:
                    staff.append((staff_id, ""))
            outings.append(
                OutingSheet(
                    section=section.id,
                    group_type=gt.id,
                    group=privacy.group_name(gt.id),
                    partner=extra.partner or "",
                    address=extra.address or "",
                    meeting_point=extra.meeting_point or logistics.meeting_point,
                    vehicle=vehicle.id,
                    vehicle_name=vehicle.name or vehicle.id,
                    staff=tuple(staff),
                    riders=tuple(rider(p) for p in sorted(section.participants)),
                    start=meeting.start,
                    end=meeting.end,
                    departs=meeting.start - gt.travel_minutes,
                    returns=meeting.end + gt.travel_minutes,
                    seats=vehicle.seats,
                    wheelchair_seats=vehicle.wheelchair_seats,
                )
            )
    outings.sort(key=lambda o: (o.departs, o.section))
    return DayManifest(day, term.clinic.name, False, tuple(runs), tuple(outings))


CSV_COLUMNS = (
    "date",
    "sheet",
    "vehicle",
    "vehicle_name",
    "section",
    "group",
    "partner",
    "address",
    "meeting_point",
    "staff",
    "riders_arrive",
    "riders_depart",
    "van_departs",
    "van_returns",
    "participant",
    "wheelchair",
    "seats_used",
    "seats",
    "wheelchair_used",
    "wheelchair_seats",
)


def manifest_rows(m: DayManifest) -> list[dict[str, str | int]]:
    """One row per rider: van runs (``sheet`` ``run``) then outings (``outing``)."""
    rows: list[dict[str, str | int]] = []
    for run in m.runs:
        for r in run.riders or (Rider("", False),):
            rows.append(
                {
                    "date": m.date.isoformat(),
                    "sheet": "run",
                    "vehicle": run.vehicle,
                    "vehicle_name": run.vehicle_name,
                    "riders_arrive": format_time(run.arrive),
                    "riders_depart": format_time(run.depart),
                    "participant": r.participant,
                    "wheelchair": "yes" if r.wheelchair else "",
                    "seats_used": run.seats_used,
                    "seats": run.seats,
                    "wheelchair_used": run.wheelchair_used,
                    "wheelchair_seats": run.wheelchair_seats,
                }
            )
    for o in m.outings:
        for r in o.riders or (Rider("", False),):
            rows.append(
                {
                    "date": m.date.isoformat(),
                    "sheet": "outing",
                    "vehicle": o.vehicle,
                    "vehicle_name": o.vehicle_name,
                    "section": o.section,
                    "group": o.group,
                    "partner": o.partner,
                    "address": o.address,
                    "meeting_point": o.meeting_point,
                    "staff": "; ".join(f"{i} ({n})" if n else i for i, n in o.staff),
                    "van_departs": format_time(o.departs),
                    "van_returns": format_time(o.returns),
                    "participant": r.participant,
                    "wheelchair": "yes" if r.wheelchair else "",
                    "seats_used": o.seats_used,
                    "seats": o.seats,
                    "wheelchair_used": o.wheelchair_used,
                    "wheelchair_seats": o.wheelchair_seats,
                }
            )
    return rows


def manifest_csv(m: DayManifest) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows({k: safe_cell(v) for k, v in row.items()} for row in manifest_rows(m))
    return buffer.getvalue()


def html_environment(folder: Path | str | None = None) -> jinja2.Environment:
    """Printable sheets' templates: the clinic's folder first, then the built-in ones."""
    loaders: list[jinja2.BaseLoader] = []
    if folder is not None:
        if not Path(folder).is_dir():
            raise LogisticsInputError(f"no templates folder at {folder}")
        loaders.append(jinja2.FileSystemLoader(str(folder)))
    loaders.append(jinja2.FileSystemLoader(str(BUILTIN_TEMPLATES)))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["hhmm"] = format_time
    return env


def manifest_html(m: DayManifest, folder: Path | str | None = None) -> str:
    try:
        return html_environment(folder).get_template("manifest.html.j2").render(manifest=m)
    except jinja2.TemplateError as exc:
        raise LogisticsInputError(f"manifest template: {exc}") from None
