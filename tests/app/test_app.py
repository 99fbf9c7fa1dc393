"""Streamlit AppTest: every page runs without an exception on a real store."""

import pytest
from streamlit.testing.v1 import AppTest

from geo import incidents as inc

from ..conftest import ROOT, app_as, report_args

APP = str(ROOT / "dashboard" / "app.py")


@pytest.fixture
def app_env(staffed, monkeypatch):
    monkeypatch.setenv("ANTT_DB", staffed.path)
    return staffed


def _app(store) -> AppTest:
    return app_as(store, "viewer", APP)


def _incidents_page(app_env):
    at = _app(app_env).run()
    at.switch_page("app_pages/incidents.py").run()
    return at


def test_live_page_without_layers_explains(app_env):
    at = _app(app_env).run()
    assert not at.exception
    assert "antt init --demo" in at.info[0].value


def test_live_page_with_layers(app_env, tmp_path):
    from geo.io.importer import import_layer

    from .. import geofixtures as fx
    for kind, gdf in (("communes", fx.commune()), ("hamlets", fx.hamlets()),
                      ("sites", fx.sites())):
        import_layer(app_env, fx.write(gdf, tmp_path / f"{kind}.geojson"), kind, actor="t")
    inc.report(app_env, **report_args(lon=fx.LON0 + 0.005, lat=fx.LAT0 + 0.005))
    at = _app(app_env).run()
    assert not at.exception
    assert at.title[0].value == "Tình hình an ninh trật tự bầu cử — Tất cả các xã"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Vụ việc đang xử lý"] == "1"
    assert metrics["Tổ sẵn sàng"] == "2"
    # The ticker: a line per event, newest first, time to the second, in Vietnamese.
    lines = [m.value for m in at.markdown if m.value.startswith("**")]
    assert lines and "\\#1 " in lines[0] and "tiếp nhận" in lines[0], lines
    assert not at.dataframe  # no data grid on the live page: its script held the paint back


def test_incident_list_shows_store_rows(app_env):
    inc.report(app_env, **report_args(description="<script>alert(1)</script>"))
    inc.report(app_env, **report_args(kind="fire", severity=4, description="Cháy kho"))
    at = _incidents_page(app_env)
    assert not at.exception
    assert at.title[0].value == "Danh sách vụ việc"
    df = at.dataframe[0].value
    assert len(df) == 2
    assert "Cháy, nổ" in set(df["Loại"])
    assert "<script>alert(1)</script>" in set(df["Nội dung"])


def test_english_switch_and_empty_store(app_env):
    at = _incidents_page(app_env)
    at.sidebar.selectbox[0].set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Incidents"
    assert "No incidents yet" in at.info[0].value


def test_filter_by_severity(app_env):
    inc.report(app_env, **report_args(severity=1))
    inc.report(app_env, **report_args(severity=4))
    at = _incidents_page(app_env)
    at.multiselect(key="f_severity").set_value([4]).run()
    assert not at.exception
    assert list(at.dataframe[0].value["Mức độ"]) == ["Khẩn cấp"]


def test_the_sidebar_says_which_2025_unit_the_chosen_commune_is_now_part_of(app_env):
    from geo.io.importer import import_layer

    import_layer(app_env, ROOT / "data" / "communes.geojson", "communes", actor="t")
    at = _app(app_env).run()
    assert not [c.value for c in at.sidebar.caption if "Nghị quyết" in c.value]
    at.selectbox(key="f_commune").set_value("10732").run()
    assert not at.exception
    captions = [c.value for c in at.sidebar.caption]
    # The markdown as sent (the resolution's "-" escaped: stored text is inert there).
    assert "nay thuộc Phường Trần Liễu, Thành phố Hải Phòng (theo Nghị quyết " \
           "1669/NQ\\-UBTVQH15)" in captions, captions
    at.selectbox(key="f_commune").set_value("10762").run()  # Cổ Dũng: nothing is known
    assert not [c.value for c in at.sidebar.caption if "Nghị quyết" in c.value]
