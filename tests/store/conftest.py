"""Store tests: a real DuckDB file (the fixtures of tests/conftest.py), domain commands, the
CLI in its own process, concurrency. Fixtures shared with tests/app come from the helper
modules."""

from ..helpers_operations import demo  # noqa: F401
from ..helpers_review import scenario  # noqa: F401
from ..helpers_unusable_db import good_bytes  # noqa: F401
