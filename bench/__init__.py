"""Benchmarks: `python -m bench.run` (see docs/PERFORMANCE.md). Scripts a user runs, not timed tests."""
