"""Baselines otgroups is measured against: a spreadsheet-style greedy and a HiGHS MIP."""
