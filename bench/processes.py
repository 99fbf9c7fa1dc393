"""Processes the benchmarks and the browser tests start: a free port, a server process
waited on until it answers Streamlit's health check, and the dashboard itself (streamlit
running ``dashboard/server.py``, as ``antt serve`` does, or another app).

One place for the launch command and the free port, shared by bench/browser.py,
bench/pgserver.py and tests/e2e."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

__all__ = ["ROOT", "SERVER", "Served", "free_port", "wait_healthy", "start", "stop",
           "streamlit_command", "start_dashboard", "dashboard"]

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "dashboard" / "server.py"  # what ``antt serve`` runs


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served(str):
    """A started server's URL; ``proc`` is its process (a test may kill it)."""

    proc: subprocess.Popen


def wait_healthy(proc: subprocess.Popen, url: str, what: str, timeout: float = 60) -> None:
    """Wait until *url* answers Streamlit's health check (through a proxy too); if *proc*
    dies or the time runs out, kill it and raise with what it printed (when its output
    was captured)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                printed = proc.stdout.read() if proc.stdout else "(output not captured)"
                raise RuntimeError(f"{what} did not start:\n{printed}") from None
            time.sleep(0.2)  # polling for start-up, not an assertion


def start(cmd: Sequence[str], url: str, what: str, *, env: dict[str, str] | None = None,
          capture: bool = True, timeout: float = 60, **popen) -> Served:
    """Run *cmd* (in the repository, with *env* on top of ours) and wait until *url*
    answers the health check; its URL, with the process. *capture*: keep what it prints
    (for the error if it does not start), else throw it away."""
    out = subprocess.PIPE if capture else subprocess.DEVNULL
    proc = subprocess.Popen(list(cmd), cwd=ROOT, env={**os.environ, **(env or {})},
                            stdout=out, stderr=subprocess.STDOUT, text=True, **popen)
    served = Served(url)
    served.proc = proc
    wait_healthy(proc, url, what, timeout)
    return served


def stop(proc: subprocess.Popen, timeout: float = 30) -> None:
    """Terminate *proc* and wait for it."""
    proc.terminate()
    proc.wait(timeout=timeout)


def streamlit_command(script: Path, port: int) -> list[str]:
    """``streamlit run`` *script* on 127.0.0.1:*port*, headless, its static folder served
    (the dashboard's fonts and scripts), no usage statistics."""
    return [sys.executable, "-m", "streamlit", "run", str(script),
            "--server.port", str(port), "--server.headless", "true",
            "--server.address", "127.0.0.1",
            "--browser.gatherUsageStats", "false", "--server.enableStaticServing", "true"]


def start_dashboard(db: Path | str, script: Path = SERVER, *, port: int | None = None,
                    capture: bool = True, timeout: float = 60, **env: str) -> Served:
    """*script* (the dashboard by default) on database *db* in its own streamlit process on
    *port* (a free one when None: a given one lets a caller restart a killed server where
    the browser reconnects), with *env* on top of ours; its URL once it answers."""
    port = port or free_port()
    return start(streamlit_command(script, port), f"http://127.0.0.1:{port}", "dashboard",
                 env={"ANTT_DB": str(db), **env}, capture=capture, timeout=timeout)


@contextmanager
def dashboard(db: Path | str, script: Path = SERVER, *, port: int | None = None,
              capture: bool = True, timeout: float = 60, **env: str) -> Iterator[Served]:
    """:func:`start_dashboard`, stopped on the way out."""
    url = start_dashboard(db, script, port=port, capture=capture, timeout=timeout, **env)
    try:
        yield url
    finally:
        stop(url.proc)
