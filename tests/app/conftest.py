"""App tests: the dashboard through Streamlit's AppTest on a real store. Fixtures shared with
tests/store come from the helper modules."""

from ..helpers_operations import demo  # noqa: F401
from ..helpers_review import scenario  # noqa: F401
from ..helpers_unusable_db import good_bytes  # noqa: F401
