"""The PostgreSQL server crashes and restarts while a writer process writes: the writer
reconnects by itself, and nothing it was told was saved is lost."""

import subprocess

import pytest

from bench.pgserver import PgServer
from geo.analysis.replay import state_at
from geo.store import Store

from ..conftest import PYTHON, ROOT, cli_env, live_state


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["immediate", "fast"])
def test_server_restart_during_writes_loses_nothing_acknowledged(mode):
    """``immediate`` is a crash (WAL recovery at the start); ``fast`` a clean restart that
    cuts every connection."""
    with PgServer(durable=True) as server:
        url = server.create_database("antt")
        Store(url).init()
        child = subprocess.Popen([PYTHON, str(ROOT / "tests" / "restart_writer.py"), url],
                                 stdout=subprocess.PIPE, text=True, env=cli_env(url))
        assert child.stdout.readline().strip() == "ready"
        acknowledged: set[int] = set()

        def read(n: int) -> int:
            """Read the child's lines until *n* more acknowledged ids; the refusals seen."""
            refused, start = 0, len(acknowledged)
            while len(acknowledged) < start + n:
                line = child.stdout.readline().strip()
                assert line, "the writer stopped"
                if line.isdigit():
                    acknowledged.add(int(line))
                else:
                    refused += line == "unavailable"
            return refused

        read(20)
        server.restart(mode)
        read(20)  # it came back by itself
        child.kill()
        rest, _ = child.communicate()
        acknowledged.update(int(x) for x in rest.split() if x.isdigit())
        store = Store(url)
        present = set(store.incidents()["id"])
        assert acknowledged - present == set()
        assert live_state(store) == state_at(store)  # the log and the rows agree
        store.close()
