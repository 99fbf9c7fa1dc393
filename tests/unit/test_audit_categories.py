"""The audit page's categories (geo.audit): every kind of event falls in exactly one of
operations and security, so a new kind of entity is a decision, not a gap."""

from geo.audit import ACTIONS, CATEGORIES, AuditPage, page_count
from geo.i18n import catalogue
from geo.store import ENTITIES, SESSION


def test_every_entity_is_operations_or_security_and_never_both():
    operations, security = set(CATEGORIES["operations"]), set(CATEGORIES["security"])
    assert not operations & security
    assert operations | security == {*ENTITIES, SESSION}
    assert CATEGORIES["all"] is None
    assert {"session", "user", "wall_token"} == security


def test_every_category_and_action_has_a_label_in_both_languages():
    for lang in ("vi", "en"):
        for category in CATEGORIES:
            assert f"audit.category.{category}" in catalogue(lang)
        for action in ACTIONS:
            assert f"action.{action}" in catalogue(lang), (lang, action)


def test_page_numbers_count_from_one_and_an_empty_log_has_one_empty_page():
    import pandas as pd

    assert [page_count(n, 100) for n in (0, 1, 100, 101, 2205)] == [1, 1, 1, 2, 23]
    last = AuditPage(pd.DataFrame({"id": range(5)}), total=205, page=3, pages=3, size=100)
    assert (last.first, last.last) == (201, 205)
    empty = AuditPage(pd.DataFrame({"id": []}), total=0, page=1, pages=1, size=100)
    assert (empty.first, empty.last) == (0, 0)
