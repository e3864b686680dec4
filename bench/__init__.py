"""Benchmarks: measurements of the real app, run by hand (`python -m bench.<name>`), not tests."""
