"""`python -m bench` (or `make bench`): run every benchmark and print the tables."""

from __future__ import annotations

import argparse
import platform
import sys

from . import (
    geo_bench,
    import_bench,
    limits_bench,
    load_bench,
    login_bench,
    map_bench,
    ops_bench,
    outline_bench,
    phone_bench,
    province_bench,
    review_bench,
    store_bench,
    ui_bench,
)
from .common import targets_table

BENCHES = {"store": store_bench.run, "geo": geo_bench.run, "map": map_bench.run,
           "ops": ops_bench.run, "ui": ui_bench.run, "review": review_bench.run,
           "import": import_bench.run, "load": load_bench.run,
           "province": province_bench.run, "login": login_bench.run,
           "limits": limits_bench.run,
           "outline": outline_bench.run, "phone": phone_bench.run}


def main() -> int:
    p = argparse.ArgumentParser(prog="bench")
    p.add_argument("names", nargs="*", default=list(BENCHES), help=", ".join(BENCHES))
    args = p.parse_args()
    print(f"# ANTT benchmarks — {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}")
    for name in args.names:
        print(BENCHES[name](), flush=True)
    print(targets_table(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
