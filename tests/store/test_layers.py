"""Layer import into a real store: atomic, dry run, registration of sites and teams,
re-import, references checked."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from geo.analysis.places import load_layer, locate
from geo.errors import Invalid
from geo.io.importer import import_layer, plan_import

from .. import geofixtures as fx


@pytest.fixture
def loaded(store, tmp_path):
    """A store with the test commune, its hamlets, sites and a route."""
    for kind, gdf in (("communes", fx.commune()), ("hamlets", fx.hamlets()),
                      ("sites", fx.sites()), ("routes", fx.routes())):
        import_layer(store, fx.write(gdf, tmp_path / f"{kind}.geojson"), kind, actor="t")
    return store


# ---- import into the store --------------------------------------------------------------
def test_import_is_atomic_and_dry_run_writes_nothing(loaded, tmp_path):
    n_sites = len(load_layer(loaded, "sites"))
    bad = fx.sites()
    bad.loc[2, "code"] = bad.loc[1, "code"]
    with pytest.raises(Invalid) as e:
        import_layer(loaded, fx.write(bad, tmp_path / "bad.geojson"), "sites", actor="t")
    assert "duplicate code" in str(e.value)
    more = pd.concat([fx.sites(), fx.sites().assign(code=lambda d: d["code"] + "x")])
    more = gpd.GeoDataFrame(more, crs=4326)
    plan = import_layer(loaded, fx.write(more, tmp_path / "more.geojson"), "sites",
                        actor="t", dry_run=True)
    assert len(plan.added) == 4 and len(plan.unchanged) == 4
    assert len(load_layer(loaded, "sites")) == n_sites
    assert len(loaded.frame("site")) == n_sites


def test_import_registers_sites_and_teams_and_assigns_hamlets(loaded):
    sites = loaded.frame("site").set_index("code")
    assert sites.loc["C1-S2", "hamlet_code"] == "C1-H2"
    assert sites.loc["C1-S2", "commune_code"] == "C1"
    assert (sites["status"] == "not_open").all()
    team = loaded.get("unit", "C1-TEAM1")
    assert team["size"] == 4 and team["route_code"] == "C1-R1"
    assert locate(loaded, 106.515, 21.015) == ("C1", "C1-H4")
    assert locate(loaded, 106.9, 21.5) == (None, None)


def test_reimport_reports_changes(loaded, tmp_path):
    s = fx.sites()
    s.loc[0, "voters"] = 999
    plan = plan_import(loaded, fx.write(s, tmp_path / "s2.geojson"), "sites")
    assert plan.changed == ["C1-S1"] and len(plan.unchanged) == 3
    import_layer(loaded, tmp_path / "s2.geojson", "sites", actor="t")
    assert loaded.get("site", "C1-S1")["voters"] == 999
    assert loaded.get("site", "C1-S1")["version"] == 2


def test_hamlets_need_a_known_commune(store, tmp_path):
    with pytest.raises(Invalid, match="import communes before hamlets"):
        import_layer(store, fx.write(fx.hamlets(), tmp_path / "h.geojson"), "hamlets",
                     actor="t")
