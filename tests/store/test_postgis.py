"""On a PostgreSQL server with PostGIS, the live tables carry a point geometry that QGIS
can open directly; it follows every write."""

from geo import incidents, sites, units
from geo.store import Store

from ..conftest import new_pg_database, report_args


def test_live_tables_have_a_point_geometry_that_follows_the_writes(pg_server):
    store = Store(new_pg_database(pg_server))
    store.init()
    sites.register(store, code="S1", name="Nhà văn hóa thôn An Cư", lon=106.53, lat=21.04,
                   actor="trực ban", voters=900)
    units.register(store, code="T1", name="Tổ 1", actor="trực ban", size=4)  # no position
    row = incidents.report(store, **report_args(lon=106.531, lat=21.041))
    with store._cursor() as cur:  # only the store speaks SQL; a test may look
        assert cur.rows("SELECT code, ST_X(geom), ST_Y(geom), ST_SRID(geom) FROM sites") == \
            [("S1", 106.53, 21.04, 4326)]
        assert cur.rows("SELECT code, geom IS NULL FROM units") == [("T1", True)]
        assert cur.rows("SELECT id, ST_AsText(geom) FROM incidents") == \
            [(row["id"], "POINT(106.531 21.041)")]
        # QGIS finds layers through PostGIS's catalogue.
        layers = cur.rows("SELECT f_table_name, type, srid FROM geometry_columns "
                          "ORDER BY f_table_name")
    assert layers == [("incidents", "POINT", 4326), ("sites", "POINT", 4326),
                      ("units", "POINT", 4326)]
    assert store.init() == []  # a second start adds nothing, and does not fail
    store.close()
