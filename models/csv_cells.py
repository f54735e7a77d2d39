"""Cells of CSV files people open in a spreadsheet program.

Excel and LibreOffice run a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula (OWASP "CSV injection"), so text from the clinic's files (a group named
``=HYPERLINK(…)``, a note) could run in a billing person's spreadsheet. Exported text that
starts so gets a leading ``'``, which spreadsheets show as typed text; numbers stay numbers.
The term's own CSV folder is an interchange format and keeps values verbatim.
"""

from __future__ import annotations

from typing import TypeVar

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

V = TypeVar("V")


def safe_cell(value: V) -> V | str:
    """``value``, with a ``'`` in front when it is text a spreadsheet would run as a formula."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    try:
        float(value)
    except ValueError:
        return "'" + value
    return value  # "-2.5" is a number, not a formula
