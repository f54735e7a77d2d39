"""Frames with declared columns and dtypes, the same whether they hold rows or none.

A frame built from rows infers its dtypes, and an empty one has none to infer from: every
column comes back ``object``, and one that is all missing (no outings, no vehicle) does too.
Notebooks that concatenate terms or test dtypes then see different frames for the same
function. :func:`typed` fixes the dtypes from a declaration instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

TEXT = pd.Series(["text"]).dtype
"""The dtype this pandas gives text (``str`` from pandas 3, ``object`` before); missing text is
NaN in it."""
DATE = "datetime64[s]"
"""Calendar dates, at a resolution of seconds whatever the pandas version."""

Dtype = object
"""A column's dtype: :data:`TEXT`, :data:`DATE`, a numpy/pandas dtype name or a dtype."""


def typed(rows: Iterable[Mapping[str, object]], columns: Mapping[str, Dtype]) -> pd.DataFrame:
    """``rows`` as a frame with exactly ``columns`` (name → dtype), in that order."""
    frame = pd.DataFrame(list(rows), columns=list(columns))
    return cast(frame, columns)


def cast(frame: pd.DataFrame, columns: Mapping[str, Dtype]) -> pd.DataFrame:
    """``frame`` with the declared columns cast to their dtypes (others left as they are)."""
    return frame.astype({c: d for c, d in columns.items() if c in frame.columns})


def day_dtype(days: Sequence[str]) -> pd.CategoricalDtype:
    """Day labels as an ordered categorical: a clinic day with no rows keeps its place."""
    return pd.CategoricalDtype(list(days), ordered=True)
