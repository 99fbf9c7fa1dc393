"""Child process standing in for an import in another program: holds the database file
open (DuckDB's one-writer lock) until its standard input closes, then lets go."""

import sys
import time

import duckdb

deadline = time.monotonic() + 60
while True:  # the dashboard may hold the file for a moment: wait for our turn
    try:
        con = duckdb.connect(sys.argv[1])
        break
    except duckdb.IOException as e:
        if "lock" not in str(e).lower() or time.monotonic() > deadline:
            raise
        time.sleep(0.05)  # retry back-off, not an assertion
con.execute("SELECT count(*) FROM incidents").fetchall()
print("holding", flush=True)
sys.stdin.read()  # until the test closes our stdin
con.close()
print("released", flush=True)
