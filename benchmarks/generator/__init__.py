"""Seeded generator of realistic clinic term instances (see ``benchmarks/README.md``)."""

from benchmarks.generator.build import generate_term

__all__ = ["generate_term"]
