"""Benchmarks: end-to-end figures measured beside the raw engine underneath (the ratio)."""
