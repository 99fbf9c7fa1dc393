"""Benchmarks: each prints its measured figure beside a baseline measured in the same run."""
