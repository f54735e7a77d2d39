"""Input errors that name the path and the value, never a stack trace."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input document."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ContractError(ValueError):
    """A document breaks the contract. Carries every problem found, each with its path."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = list(problems)
        shown = "\n".join(f"  {p}" for p in self.problems[:25])
        more = len(self.problems) - 25
        tail = f"\n  … and {more} more" if more > 0 else ""
        noun = "problem" if len(self.problems) == 1 else "problems"
        super().__init__(f"{source}: {len(self.problems)} {noun}\n{shown}{tail}")


def format_path(loc: Iterable[object]) -> str:
    """``participants[12].requests[0].group_type`` from a pydantic location tuple."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


_PREFIXES = ("Value error, ", "Assertion failed, ")


def problems_from_validation(error: ValidationError) -> list[Problem]:
    """Turn pydantic's errors into path-named problems that quote the bad value."""
    return problems_from_errors(error.errors(include_url=False))


def problems_from_errors(errors: Iterable[Any], skip: int = 0) -> list[Problem]:
    """:func:`problems_from_validation` from pydantic's error dicts (``skip``: leading location
    parts to drop, e.g. FastAPI's ``body``)."""
    problems = []
    for item in errors:
        message = item["msg"]
        for prefix in _PREFIXES:
            message = message.removeprefix(prefix)
        if item["type"] == "missing":
            message = "required field is missing"
        elif item["type"] == "too_short" and isinstance(item.get("input"), list | str):
            least = (item.get("ctx") or {}).get("min_length", 1)
            message = "empty; a value is required" if least == 1 else f"needs at least {least}"
        elif item["type"] not in {"value_error", "assertion_error"} and "input" in item:
            value = item["input"]
            if not isinstance(value, dict | list):
                message = f"{message} (got {value!r})"
        problems.append(Problem(format_path(item["loc"][skip:]), message))
    return problems
