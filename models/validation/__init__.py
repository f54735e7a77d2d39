"""The independent validator: checks a schedule against every hard rule of the contract.

Shares no code with the optimizer; it reads only the contract models.
"""

from models.validation.index import ScheduleIndex, schedule_index
from models.validation.join import join_violations
from models.validation.validate import recompute_score, validate_day, validate_schedule
from models.validation.violation import RULES, Violation

__all__ = [
    "RULES",
    "ScheduleIndex",
    "Violation",
    "join_violations",
    "recompute_score",
    "schedule_index",
    "validate_day",
    "validate_schedule",
]
