"""The interchange contract: term instances and schedules, loaded with path-named errors."""

from models.common import DAYS, Window, format_time, parse_time
from models.errors import ContractError, Problem
from models.files import (
    document,
    load_records,
    load_schedule,
    load_term,
    parse_records,
    parse_schedule,
    parse_term,
    read_json,
    write_json,
)
from models.records import Records
from models.schedule import Meeting, Ride, Schedule, SecondaryAims, Section, Status, WaitlistEntry
from models.term import GroupType, Participant, Room, Staff, Term, Vehicle

__all__ = [
    "DAYS",
    "ContractError",
    "GroupType",
    "Meeting",
    "Participant",
    "Problem",
    "Records",
    "Ride",
    "Room",
    "Schedule",
    "SecondaryAims",
    "Section",
    "Staff",
    "Status",
    "Term",
    "Vehicle",
    "WaitlistEntry",
    "Window",
    "document",
    "format_time",
    "load_records",
    "load_schedule",
    "load_term",
    "parse_records",
    "parse_schedule",
    "parse_term",
    "parse_time",
    "read_json",
    "write_json",
]
