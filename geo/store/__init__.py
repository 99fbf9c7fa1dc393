"""The store (see ``geo/store/store.py`` for the package's layout): the rest of the code
sees :class:`Store`, the :class:`Tx` commands write through, :class:`Filters` and the
schema's names."""

from geo.store.queries import Filters
from geo.store.schema import COPIED_TABLES, ENTITIES, EVENT_COLUMNS, SESSION
from geo.store.store import Store
from geo.store.tx import Tx

__all__ = ["Store", "Tx", "Filters", "ENTITIES", "EVENT_COLUMNS", "SESSION", "COPIED_TABLES"]
