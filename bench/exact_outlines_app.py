"""Benchmark baseline: the dashboard as it drew before outlines were simplified for
drawing (``dashboard.maps.for_drawing`` left out: every stored vertex is drawn). Run
from a folder that mirrors dashboard/ (its pages and static files; see
``limits_bench.exact_app``), so the same pages run over the same database."""

import runpy
from pathlib import Path

from dashboard import maps  # the project root is on PYTHONPATH (see bench.browser.serve)

maps.for_drawing = lambda gdf, tolerance_m: gdf
runpy.run_path(str(Path(maps.__file__).parent / "app.py"), run_name="__main__")
