"""The benchmarks' baseline pages run: a baseline that fails to draw measures nothing
(the naive map once called a helper that had been renamed, and the benchmark waited out
its timeouts for a map that never came)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from geo import incidents as inc

from ..conftest import ROOT, report_args


def test_naive_map_app_draws_every_site_and_open_incident(demo, monkeypatch):
    monkeypatch.setenv("ANTT_DB", demo.path)
    sites = demo.frame("site")
    site = sites.iloc[0]
    inc.report(demo, **report_args(lon=float(site["lon"]), lat=float(site["lat"]),
                                   description="<b>Vụ</b> {{x}}"))
    demo.close()
    at = AppTest.from_file(str(ROOT / "bench" / "naive_app.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    (component,) = at.get("component_instance")  # st_folium's: the map's script inside
    assert component.proto.json_args.count("L.marker(") == len(sites) + 1


def test_floor_map_app_draws_its_one_marker():
    at = AppTest.from_file(str(ROOT / "bench" / "floor_map_app.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    (component,) = at.get("component_instance")
    assert component.proto.json_args.count("L.marker(") == 1


def test_exact_outlines_app_draws_the_field_page_with_every_stored_vertex(demo, tmp_path,
                                                                         monkeypatch):
    """The limits benchmark's baseline: the same field page, its outlines not simplified
    for drawing (the dashboard's own draws fewer vertices of the same outlines)."""
    import streamlit as st

    from bench.limits_bench import HAMLET, exact_app
    from dashboard import maps

    from ..conftest import app_as

    monkeypatch.setenv("ANTT_DB", demo.path)
    monkeypatch.setattr(maps, "for_drawing", maps.for_drawing)  # the app replaces it
    commune = HAMLET.split("-")[0]
    scripts = []
    for path in (ROOT / "dashboard" / "app.py", exact_app(tmp_path / "exact")):
        st.cache_resource.clear()  # the static map is rendered once a process
        at = app_as(demo, "field", path=str(path), communes=[commune],
                    username=f"field{len(scripts)}")
        at.run()
        assert not at.exception, at.exception
        # The map is the page's largest component (the phone's GPS watcher is another).
        args = [c.proto.json_args for c in at.get("component_instance")]
        scripts.append(max(args, key=len))
    drawn, exact = (s.count("], [") for s in scripts)
    assert exact > drawn > 0
