"""The translation catalogues: Vietnamese and English have the same keys, every code has a label."""

from geo import incidents as inc


def test_i18n_catalogues_have_the_same_keys():
    from dashboard.i18n import catalogue
    assert set(catalogue("vi")) == set(catalogue("en"))
    for group, codes in (("kind", inc.KINDS), ("status", inc.LIFECYCLE.statuses),
                         ("source", inc.SOURCES), ("severity", inc.SEVERITIES)):
        for code in codes:
            assert f"{group}.{code}" in catalogue("vi"), (group, code)


def test_a_period_reads_in_the_language_asked_for():
    """One day: the word before the date comes from the catalogue (the domain has none);
    the end shown is the last minute inside the period."""
    from geo.clock import local_day, parse_period

    day = parse_period("2021-05-23T07:00..2021-05-23T17:00")
    assert day.local_text() == "07:00–16:59 ngày 23/05/2021"
    assert day.local_text("en") == "07:00–16:59 on 23/05/2021"
    assert local_day(day.start.date()).local_text("en") == "00:00–23:59 on 23/05/2021"
    two = parse_period("2021-05-22..2021-05-23")
    assert two.local_text("en") == two.local_text() == "00:00 22/05/2021 – 23:59 23/05/2021"
