"""The term scheduler: CP-SAT model, warm starts, waitlist reasons; entry point :func:`solve`."""

from optimizer.options import SolveOptions
from optimizer.solve import SolveResult, solve, solve_greedy

__all__ = ["SolveOptions", "SolveResult", "solve", "solve_greedy"]
