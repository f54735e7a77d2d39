"""The command line's consoles. Rich markup is off: printed text comes from the clinic's files
and from error messages that quote them (a group called ``[b]Art``, an id ``[/]`` made rich
raise mid-error), so styles are given as :class:`~rich.text.Text` styles, never parsed."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

out = Console(markup=False)
"""Tables and summaries (wrapped to the terminal)."""
err = Console(stderr=True, markup=False, soft_wrap=True)
"""Errors and warnings: one paragraph each, wrapped by the terminal, not cut into lines."""
lines = Console(soft_wrap=True, highlight=False, markup=False)
"""One record or message per line, never wrapped (scripts read these)."""
lines_err = Console(stderr=True, soft_wrap=True, highlight=False, markup=False)


def styled(head: str, rest: str = "", style: str = "bold red") -> Text:
    """``head`` in ``style`` followed by ``rest`` as plain text."""
    return Text.assemble((head, style), rest)
