"""Child process standing in for an import in another program: holds the database file
open (DuckDB's one-writer lock) until its standard input closes, then lets go."""

import sys

import duckdb

con = duckdb.connect(sys.argv[1])
con.execute("SELECT count(*) FROM incidents").fetchall()
print("holding", flush=True)
sys.stdin.read()  # until the test closes our stdin
con.close()
print("released", flush=True)
