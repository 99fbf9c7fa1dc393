"""Store tests: domain commands, the CLI in its own process, concurrency. They run against
both stores, a real DuckDB file and a real database on a throwaway PostgreSQL server
(DESIGN rule 15: two stores, one behaviour). Fixtures shared with tests/app come from the
helper modules.

Every "DuckDB or PostgreSQL" database here comes from :func:`new_database` (the store
in turn is :func:`store_kind`): ``db`` (and so ``store``), and the modules' own worlds
(a drill, the demo copied for each test, a migration's target)."""

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from ..conftest import new_pg_database
from ..helpers_operations import demo  # noqa: F401
from ..helpers_review import scenario  # noqa: F401
from ..helpers_unusable_db import good_bytes  # noqa: F401

STORES = ("duckdb", "postgresql")


@pytest.fixture(scope="module", params=STORES)
def store_kind(request) -> str:
    """Each store in turn, "duckdb" then "postgresql". Module-scoped, so that a module's
    expensive worlds (a drill, the demo) are built once per store; the tests of a module
    run on DuckDB first, then on PostgreSQL."""
    return request.param


@pytest.fixture(scope="module")
def new_database(store_kind, request) -> Callable[..., str]:
    """``new_database(folder, name="antt", template=None)``: a new empty database on the
    store in turn (its path or URL, what ``Store`` opens): a DuckDB file *name* in
    *folder*, or a new database on the throwaway PostgreSQL server. With *template* (a
    database this made), a copy of it."""
    server = request.getfixturevalue("pg_server") if store_kind == "postgresql" else None

    def make(folder: Path | str, name: str = "antt", template: str | None = None) -> str:
        if server is None:
            path = Path(folder) / f"{name}.duckdb"
            if template is not None:
                shutil.copy(template, path)
            return str(path)
        return new_pg_database(server, None if template is None
                               else template.rsplit("/", 1)[1])

    return make


@pytest.fixture
def db(new_database, tmp_path) -> str:
    """The database the ``store`` fixture opens, on each store in turn."""
    return new_database(tmp_path)


@pytest.fixture
def loaded(store, tmp_path):
    """A store with the test commune C1 ("Xã Thử") and its four hamlets (a test module
    that needs more layers defines its own)."""
    from geo.io.importer import import_layer

    from .. import geofixtures as fx

    import_layer(store, fx.write(fx.commune(), tmp_path / "c.geojson"), "communes",
                 actor="admin")
    import_layer(store, fx.write(fx.hamlets(), tmp_path / "h.geojson"), "hamlets",
                 actor="admin")
    return store
