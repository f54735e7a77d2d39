"""A 0/1 model in the making: binary columns by key, sparse rows, handed to HiGHS in one call."""

from __future__ import annotations

from array import array
from collections.abc import Hashable, Iterable
from typing import TypeVar

import highspy
import numpy as np

INF = highspy.kHighsInf
K = TypeVar("K", bound=Hashable)


class TooLargeError(Exception):
    """Raised while building when the matrix outgrows its nonzero budget."""


class Matrix:
    """Binary columns with objective coefficients, and rows ``lo ≤ Σ value·col ≤ hi``."""

    def __init__(self, max_nonzeros: int) -> None:
        self.max_nonzeros = max_nonzeros
        self.cost = array("d")
        self.lower = array("d")
        self.upper = array("d")
        self.starts = array("i", [0])
        self.index = array("i")
        self.value = array("d")
        self.family: dict[str, int] = {}
        """Columns per variable family (``w``, ``z``, …), for the size report."""
        self.row_family: dict[str, int] = {}
        self.strong_links = True
        """Add rows that integrality makes redundant but that tighten the LP relaxation."""

    @property
    def columns(self) -> int:
        return len(self.cost)

    @property
    def rows(self) -> int:
        return len(self.lower)

    @property
    def nonzeros(self) -> int:
        return len(self.index)

    def add_column(self, family: str, cost: float = 0.0) -> int:
        """One new binary column."""
        self.cost.append(cost)
        self.family[family] = self.family.get(family, 0) + 1
        return len(self.cost) - 1

    def add_columns(self, family: str, keys: Iterable[K], cost: float = 0.0) -> dict[K, int]:
        """New binary columns, one per key; returns key → column."""
        out: dict[K, int] = {}
        for key in keys:
            out[key] = len(self.cost)
            self.cost.append(cost)
        self.family[family] = self.family.get(family, 0) + len(out)
        return out

    def add_row(
        self, family: str, terms: Iterable[tuple[int, float]], lo: float = -INF, hi: float = INF
    ) -> None:
        """``lo ≤ Σ coefficient·column ≤ hi``; repeated columns are summed."""
        merged: dict[int, float] = {}
        for col, coef in terms:
            merged[col] = merged.get(col, 0.0) + coef
        self.index.extend(merged.keys())
        self.value.extend(merged.values())
        self.starts.append(len(self.index))
        self.lower.append(lo)
        self.upper.append(hi)
        self.row_family[family] = self.row_family.get(family, 0) + 1
        if len(self.index) > self.max_nonzeros:
            raise TooLargeError(f"more than {self.max_nonzeros} nonzeros")

    def at_most(self, family: str, cols: Iterable[int], hi: float) -> None:
        """``Σ cols ≤ hi``."""
        self.add_row(family, ((c, 1.0) for c in cols), hi=hi)

    def load(self, h: highspy.Highs) -> None:
        """Pass the model to ``h``: every column binary, objective maximised."""
        n = self.columns
        lp = highspy.HighsLp()
        lp.num_col_ = n
        lp.num_row_ = self.rows
        lp.col_cost_ = np.frombuffer(self.cost, dtype=np.float64)
        lp.col_lower_ = np.zeros(n)
        lp.col_upper_ = np.ones(n)
        lp.row_lower_ = np.frombuffer(self.lower, dtype=np.float64)
        lp.row_upper_ = np.frombuffer(self.upper, dtype=np.float64)
        lp.sense_ = highspy.ObjSense.kMaximize
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_ = n
        lp.a_matrix_.num_row_ = self.rows
        lp.a_matrix_.start_ = np.frombuffer(self.starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.frombuffer(self.index, dtype=np.int32)
        lp.a_matrix_.value_ = np.frombuffer(self.value, dtype=np.float64)
        lp.integrality_ = [highspy.HighsVarType.kInteger] * n
        h.passModel(lp)
