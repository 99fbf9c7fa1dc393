"""The audit log cannot be flooded (issue 27, part 5): 2,200 failed logins beside a few
operations. The operations category still shows every operation, the count says how many
match, the pages reach every event once, and the CSV holds the whole filtered set."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from geo import accounts
from geo import incidents as inc
from geo.accounts import LoginFailed
from geo.audit import AuditFilter, audit_page
from geo.clock import utcnow
from geo.i18n import label
from geo.io.exports import audit_csv

from ..conftest import make_account, read_people_csv, report_args

FLOOD = 2200
OPERATIONS = {"incident", "site", "unit"}
SECURITY = {"session", "user", "wall_token"}


def _flood(store, n: int = FLOOD) -> None:
    """*n* failed logins of a name that does not exist, the event geo.accounts.login
    writes for one (in one transaction: an argon2 check each would take minutes)."""
    store.transact(lambda tx: [tx.note_event("ke-do-mat-khau", "login_failed",
                                             "ke-do-mat-khau") for _ in range(n)])


@pytest.fixture
def flooded(staffed):
    """Two teams and a site (the staffed fixture), accounts, two incidents moved along by
    an operator, real failed logins, then the flood."""
    admin = make_account(staffed, "admin", username="admin")
    op = make_account(staffed, "operator", username="tb")
    accounts.create_wall_token(staffed, admin, "Màn hình phòng chỉ huy")
    for _ in range(2):
        with pytest.raises(LoginFailed):
            accounts.login(staffed, "tb", "sai-mat-khau")
    first = inc.report(staffed, **report_args(actor=op))
    inc.report(staffed, **report_args(actor=op, description="Mất trộm ở chợ"))
    inc.move(staffed, first["id"], "verify", actor=op, expected_version=1)
    _flood(staffed)
    return staffed


def _ids(frame: pd.DataFrame) -> list[int]:
    return [int(i) for i in frame["id"]]


def _csv(data: bytes) -> pd.DataFrame:
    return read_people_csv(data)


def test_a_flood_of_failed_logins_leaves_every_operation_in_view(flooded):
    log = flooded.events()  # oldest first, read by another query than the audit's
    newest_first = log.sort_values("id", ascending=False)
    operations = _ids(newest_first[newest_first["entity"].isin(OPERATIONS)])
    security = _ids(newest_first[newest_first["entity"].isin(SECURITY)])
    assert len(operations) >= 6 and len(security) > FLOOD
    assert len(operations) + len(security) == len(log)

    shown = audit_page(flooded, AuditFilter("operations"), page=1, size=100)
    assert shown.total == len(operations)
    assert _ids(shown.events) == operations  # every one, newest first, on page one
    assert (shown.first, shown.last, shown.pages) == (1, len(operations), 1)

    security_page = audit_page(flooded, AuditFilter("security"), page=1, size=100)
    assert security_page.total == len(security)
    assert set(security_page.events["entity"]) <= SECURITY

    everything = audit_page(flooded, AuditFilter(), page=1, size=100)
    assert everything.total == len(log) > 2000  # the old view stopped at 2,000
    assert len(flooded.audit()) == len(log)  # no limit: no silent cap


def test_pages_reach_every_event_once_and_say_which_they_are(flooded):
    total = flooded.audit_count()
    size = 500
    seen: list[int] = []
    page = audit_page(flooded, AuditFilter(), page=1, size=size)
    assert page.pages == -(-total // size) and page.pages > 4
    for number in range(1, page.pages + 1):
        page = audit_page(flooded, AuditFilter(), page=number, size=size)
        assert page.page == number
        assert page.first == (number - 1) * size + 1
        assert page.last == min(number * size, total)
        assert len(page.events) == page.last - page.first + 1
        seen += _ids(page.events)
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == len(seen) == total
    assert seen == _ids(flooded.events().sort_values("id", ascending=False))
    past = audit_page(flooded, AuditFilter(), page=page.pages + 3, size=size)
    assert past.page == page.pages and _ids(past.events) == _ids(page.events)
    assert audit_page(flooded, AuditFilter(), page=0, size=size).page == 1


def test_the_csv_holds_the_whole_filtered_set_not_the_page(flooded):
    for category in ("all", "operations", "security"):
        flt = AuditFilter(category)
        rows = _csv(audit_csv(flooded, flt))
        assert len(rows) == flooded.audit_count(**flt.store_args()), category
        assert list(rows["id"]) == _ids(flooded.audit(**flt.store_args())), category
    failed = _csv(audit_csv(flooded, AuditFilter("security", action="login_failed")))
    assert len(failed) == FLOOD + 2 and set(failed["action"]) == {label("action", "login_failed")}


def test_category_user_action_and_dates_filter_together(flooded):
    def total(**kw) -> int:
        return audit_page(flooded, AuditFilter(**kw), size=50).total

    log = flooded.events()
    by_tb = log[(log["actor"] == "tb") & log["entity"].isin(OPERATIONS)]
    assert total(category="operations", actor="tb") == len(by_tb) == 3
    assert total(category="operations", actor="tb", action="report") == 2
    assert total(category="security", actor="tb", action="login_failed") == 2
    assert total(category="operations", action="login_failed") == 0
    assert total(category="security", action="create") == 3  # two accounts, a wall token
    now = utcnow()
    assert total(since=now - timedelta(hours=1), until=now + timedelta(hours=1)) == len(log)
    assert total(until=now - timedelta(hours=1)) == 0
    assert total(since=now + timedelta(hours=1)) == 0
    empty = audit_page(flooded, AuditFilter("operations", action="logout"), size=50)
    assert (empty.total, empty.first, empty.last, empty.pages) == (0, 0, 0, 1)
    assert empty.events.empty


def test_store_audit_pages_with_limit_and_offset_and_refuses_negatives(flooded):
    newest = _ids(flooded.audit(limit=10))
    assert newest == _ids(flooded.audit(limit=5)) + _ids(flooded.audit(limit=5, offset=5))
    assert flooded.audit_count(entities=("unit",)) == len(flooded.audit(entities=("unit",)))
    with pytest.raises(ValueError):
        flooded.audit(limit=10, offset=-1)
    with pytest.raises(ValueError):
        flooded.audit(limit=-1)
    with pytest.raises(ValueError):
        AuditFilter("khac")
