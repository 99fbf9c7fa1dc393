"""The translation catalogues: Vietnamese and English have the same keys, every code has a label."""

from geo import incidents as inc


def test_i18n_catalogues_have_the_same_keys():
    from dashboard.i18n import catalogue
    assert set(catalogue("vi")) == set(catalogue("en"))
    for group, codes in (("kind", inc.KINDS), ("status", inc.LIFECYCLE.statuses),
                         ("source", inc.SOURCES), ("severity", inc.SEVERITIES)):
        for code in codes:
            assert f"{group}.{code}" in catalogue("vi"), (group, code)
