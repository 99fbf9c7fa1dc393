"""The audit log as the audit page shows it: operations apart from security, one page at a
time with "events X–Y of N", and every matching event for the CSV (written by
``geo.io.exports.audit_csv``). Nothing is capped.

Two categories, by the entity an event is about:

* **operations**: incidents, polling sites and teams (``incident``, ``site``, ``unit``),
  the day's work;
* **security**: who may do what: logins, failed logins and logouts (entity ``session``),
  and account changes, since each one changes who can act or see: accounts created,
  disabled, given a new password, role or communes (``user``) and wall-screen tokens
  issued or revoked (``wall_token``).

So a flood of failed logins stays inside *security*: the operations view still shows
every operation, and "all" pages through both, newest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from geo.store import SESSION, Store

__all__ = ["CATEGORIES", "ACTIONS", "PAGE_SIZES", "AuditFilter", "AuditPage", "page_count",
           "audit_page", "audit_events"]

# category → the entities its events are about (None: every event).
CATEGORIES: dict[str, tuple[str, ...] | None] = {
    "all": None,
    "operations": ("incident", "site", "unit", "calendar_entry", "complaint",
                   "upward_report"),
    "security": (SESSION, "user", "wall_token"),
}
# Every action an event can carry, for the action filter (labels: ``action.*``).
ACTIONS = ("login", "login_failed", "logout", "create", "disable", "password", "revoke",
           "report", "verify", "dispatch", "reassign", "arrive", "resolve", "close",
           "escalate", "false_alarm", "note", "register", "update", "open", "suspend",
           "resume", "checkin", "start_patrol", "end_patrol", "add", "remove", "receive",
           "accept", "refuse", "start", "answer", "forward", "extend", "acknowledge", "send")
PAGE_SIZES = (50, 100, 200, 500)


@dataclass(frozen=True)
class AuditFilter:
    """What the audit page asks for: a category and the user, action and period filters
    (``since`` inclusive, ``until`` exclusive, any zone; None: open-ended)."""

    category: str = "all"
    actor: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"unknown audit category {self.category!r}; "
                             f"one of {', '.join(CATEGORIES)}")

    def store_args(self) -> dict:
        return {"actor": self.actor, "action": self.action, "since": self.since,
                "until": self.until, "entities": CATEGORIES[self.category]}


@dataclass(frozen=True)
class AuditPage:
    """One page of the filtered log, newest first: *events* are numbers ``first``–``last``
    of ``total`` (1-based; both 0 when nothing matches)."""

    events: pd.DataFrame
    total: int
    page: int
    pages: int
    size: int

    @property
    def first(self) -> int:
        return (self.page - 1) * self.size + 1 if len(self.events) else 0

    @property
    def last(self) -> int:
        return (self.page - 1) * self.size + len(self.events)


def page_count(total: int, size: int) -> int:
    """Pages of *size* events that hold *total* (at least one, maybe empty)."""
    return max(1, -(-total // size))


def audit_page(store: Store, flt: AuditFilter, page: int = 1, size: int = 100) -> AuditPage:
    """Page *page* (1-based; brought into range, so a page past the end after the filter
    narrowed is the last one) of the events *flt* matches, *size* a page."""
    if size < 1:
        raise ValueError(f"page size {size} must be at least 1")
    args = flt.store_args()
    total = store.audit_count(**args)
    pages = page_count(total, size)
    page = min(max(1, int(page)), pages)
    events = store.audit(**args, limit=size, offset=(page - 1) * size)
    return AuditPage(events, total, page, pages, size)


def audit_events(store: Store, flt: AuditFilter) -> pd.DataFrame:
    """Every event *flt* matches, newest first (no page, no limit)."""
    return store.audit(**flt.store_args())

