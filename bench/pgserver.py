"""A throwaway PostgreSQL server from Debian's binaries: for the tests, the load benchmark
and trying the province setup on one machine. Not a way to run a real province server
(that is the DBA's PostgreSQL; see the README's "Province server").

``initdb`` and ``postgres`` refuse to run as root, and CI runs as root: as root, the
server runs as the ``postgres`` system user that Debian's package creates, in a
temporary folder it owns, on a free localhost port, with trust authentication for
localhost only.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench.processes import free_port

__all__ = ["PgServer", "bin_dir"]


def bin_dir() -> Path | None:
    """The newest ``/usr/lib/postgresql/*/bin`` with ``initdb``, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name))
    return Path(found[-1]).parent if found else None


class PgServer:
    """One server: ``start()``, ``url(db)``, ``create_database(name)``, ``restart()``,
    ``stop()``. *durable* False turns fsync off (tests: faster, and nothing outlives the
    run); the load benchmark keeps it on."""

    user = "antt"

    def __init__(self, *, durable: bool = False, max_connections: int = 300) -> None:
        bins = bin_dir()
        if bins is None:
            raise RuntimeError("PostgreSQL's server binaries are not installed "
                               "(Debian: apt-get install postgresql)")
        self.bins = bins
        self.durable, self.max_connections = durable, max_connections
        self.root = Path(tempfile.mkdtemp(prefix="antt-pg-"))
        self.data, self.log = self.root / "data", self.root / "server.log"
        self.port = free_port()
        self._as = [] if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--"]
        if self._as:
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([*self._as, *args], check=check, capture_output=True,
                              text=True, cwd=self.root)

    def start(self) -> PgServer:
        if not self.data.exists():
            self._run(str(self.bins / "initdb"), "-D", str(self.data), "-U", self.user,
                      "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                   f"-c max_connections={self.max_connections} "
                   + ("" if self.durable else "-c fsync=off -c synchronous_commit=off "
                      "-c full_page_writes=off"))
        done = self._run(str(self.bins / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                         "-o", options, "-w", "-t", "60", "start", check=False)
        if done.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not start: {done.stderr.strip()}\n"
                               f"{self.log.read_text() if self.log.exists() else ''}")
        return self

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (*mode* ``immediate`` is a crash: recovery runs at the next
        start)."""
        self._run(str(self.bins / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w",
                  "stop", check=False)

    def restart(self, mode: str = "fast") -> float:
        """Stop and start again on the same port; the seconds it was down."""
        t0 = time.monotonic()
        self.stop(mode)
        self.start()
        return time.monotonic() - t0

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, template: str | None = None) -> str:
        """A new empty database (or a copy of *template*, which nobody may be connected
        to); its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"'
                        + (f' TEMPLATE "{template}"' if template else ""))
        return self.url(name)

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PgServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.destroy()
