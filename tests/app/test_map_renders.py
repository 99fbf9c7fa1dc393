"""The maps' static parts are rendered once (dashboard.mapview): a rerun of the review,
operator or field page renders no static map again, and the review's analysis layers are
rendered again only when what they show changes."""

from __future__ import annotations

import pytest

from dashboard import maps, mapview

from ..conftest import app_as, make_account


@pytest.fixture
def renders(monkeypatch):
    """What is rendered, from empty caches: the static maps (the first item of each key:
    "live", "desk", "field") and the analysis layers (how many times)."""
    mapview._renders.clear()
    mapview._scripts.clear()
    counts = {"static": [], "analysis": 0}
    static_map, analysis_groups = mapview.static_map, maps.analysis_groups

    def counted_static(key, build):
        def counted_build():
            counts["static"].append(key[0])
            return build()
        return static_map(key, counted_build)

    def counted_analysis(*args, **kwargs):
        counts["analysis"] += 1
        return analysis_groups(*args, **kwargs)

    monkeypatch.setattr(mapview, "static_map", counted_static)
    monkeypatch.setattr(maps, "analysis_groups", counted_analysis)
    yield counts
    mapview._renders.clear()
    mapview._scripts.clear()


def _rendered(counts: dict, at) -> dict:
    """What one more run of *at* renders."""
    static, analysis = len(counts["static"]), counts["analysis"]
    at.run()
    assert not at.exception, at.exception
    return {"static": counts["static"][static:], "analysis": counts["analysis"] - analysis}


def test_review_reruns_render_only_what_changed(scenario, monkeypatch, renders):
    store, _ = scenario
    monkeypatch.setenv("ANTT_DB", store.path)
    at = app_as(store, "commander")
    # Signed in before the first run: a sign-in is an event, and moves the review on.
    other = app_as(store, "commander", username="commander2")
    at.run().switch_page("app_pages/review.py").run()
    assert not at.exception, at.exception
    # The login lands on the live page; the review's two maps share one static map, and
    # its analysis layers are rendered once.
    assert renders == {"static": ["live", "desk"], "analysis": 1}
    assert _rendered(renders, at) == {"static": [], "analysis": 0}
    # Another filter: the same base, new analysis layers (then kept for it).
    at.session_state["f_severity"] = [4]
    assert _rendered(renders, at) == {"static": [], "analysis": 1}
    assert _rendered(renders, at) == {"static": [], "analysis": 0}
    # Another language: a new base (its names are translated) and new layers.
    at.session_state["lang"] = "en"
    assert _rendered(renders, at) == {"static": ["desk"], "analysis": 1}
    # A second session on the same review renders nothing new (the live page's map and
    # the review's are those the first session rendered).
    other.run().switch_page("app_pages/review.py").run()
    assert not other.exception, other.exception
    assert renders == {"static": ["live", "desk", "desk"], "analysis": 3}


def test_operator_and_field_reruns_render_no_static_map(app, demo, renders):
    at = app("operator")
    assert renders["static"] == ["live", "desk"]
    at.session_state["op_point"] = (106.5, 21.0)  # a picked point: drawn as a live group
    assert _rendered(renders, at)["static"] == []
    unit = demo.frame("unit").iloc[0]
    team = make_account(demo, "field", username="to1", communes=unit["commune_code"],
                        unit=unit["code"])
    field = app("field", team)
    assert renders["static"] == ["live", "desk", "field"]
    field.session_state["field_point"] = (106.5, 21.0)
    assert _rendered(renders, field)["static"] == []
