"""Store tests: domain commands, the CLI in its own process, concurrency. They run against
both stores, a real DuckDB file and a real database on a throwaway PostgreSQL server
(DESIGN rule 15: two stores, one behaviour). Fixtures shared with tests/app come from the
helper modules."""

import pytest

from ..conftest import new_pg_database
from ..helpers_operations import demo  # noqa: F401
from ..helpers_review import scenario  # noqa: F401
from ..helpers_unusable_db import good_bytes  # noqa: F401


@pytest.fixture(params=["duckdb", "postgresql"])
def db(request, db_path) -> str:
    if request.param == "duckdb":
        return str(db_path)
    return new_pg_database(request.getfixturevalue("pg_server"))
