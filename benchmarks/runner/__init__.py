"""The benchmark runner's parts: solver registry, guarded child runs, records, report."""
