"""Field rules on a real store with the demo layers: far check-ins, reports outside the
named commune."""

import pytest

from geo import incidents as inc
from geo import units
from geo.analysis.places import load_layer
from geo.errors import Invalid

from ..conftest import report_args


def test_check_in_far_from_checkpoint_is_refused_with_the_distance(demo):
    cp = load_layer(demo, "checkpoints").iloc[0]
    team = demo.frame("unit").set_index("route_code").loc[cp["route_code"], "code"]
    near = units.check_in(demo, team, cp["code"], cp.geometry.x + 0.001, cp.geometry.y,
                          actor="t")  # ~100 m away: within 200 m
    with pytest.raises(Invalid, match=r"1,0\d\d m from checkpoint .*: check in within 200 m"):
        units.check_in(demo, team, cp["code"], cp.geometry.x + 0.01, cp.geometry.y, actor="t")
    assert demo.get("unit", team)["version"] == near["version"]  # nothing written
    details = demo.events("unit", team, action="checkin")["detail"].tolist()
    assert len(details) == 1 and '"distance_m": 10' in details[0]
    with pytest.raises(Invalid, match="unknown checkpoint"):
        units.check_in(demo, team, "NOPE", cp.geometry.x, cp.geometry.y, actor="t")


def test_report_outside_the_named_commune_is_refused(demo):
    communes = load_layer(demo, "communes")
    an_phu = communes[communes["name"] == "An Phụ"].iloc[0]
    inside = an_phu.geometry.representative_point()
    row = inc.report(demo, **report_args(lon=inside.x, lat=inside.y,
                                         commune_code=an_phu["code"]))
    assert row["commune_code"] == an_phu["code"] and row["hamlet_code"]
    with pytest.raises(Invalid, match="outside commune"):
        inc.report(demo, **report_args(lon=105.45, lat=20.2, commune_code=an_phu["code"]))
    assert len(demo.incidents()) == 1
