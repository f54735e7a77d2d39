"""The HiGHS MIP baseline: matrix, formulation, no-overlap rows, size, plan extraction."""
