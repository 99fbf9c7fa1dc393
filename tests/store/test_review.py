"""The post-event review on a real store: figures checked against values worked out by
hand, replay during a seeded drill, exports read back, the written review's text, and the CLI."""

from __future__ import annotations

import math
import subprocess
import unicodedata
from datetime import datetime, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo.analysis import review
from geo.analysis.replay import state_at
from geo.clock import Period
from geo.drills.simulate import simulate
from geo.io.exports import export
from geo.io.report import build_review, render_html, render_pdf
from geo.store import Filters, Store

from ..conftest import PYTHON, ROOT, add_accounts, cli_env, live_state, read_people_csv
from ..helpers_review import SETUP, _layers

DAY = Period(datetime(2021, 5, 22, 17, 0), datetime(2021, 5, 23, 17, 0))


def _label(group: str, code: object) -> str:
    from geo.i18n import label
    return label(group, code)


# ---- per-hamlet figures against hand-computed values -----------------------------------------
def test_hamlet_table_matches_hand_computed_figures(scenario):
    store, _ = scenario
    table = review.hamlet_table(store.incidents(), {"C1-H1": "Thôn An Cư",
                                                    "C1-H2": "Thôn Đại Sơn"}, 60)
    h1, h2, total = (table.iloc[i] for i in range(3))
    assert (h1["hamlet"], h2["hamlet"], total["hamlet"]) == ("Thôn An Cư", "Thôn Đại Sơn",
                                                             "Tổng")
    assert (h1["n"], h2["n"], total["n"]) == (3, 1, 4)
    assert [h1[f"sev:{s}"] for s in (1, 2, 3, 4)] == [1, 1, 1, 0]
    assert h1["kind:disorder"] == 3 and h1["kind:fire"] == 0
    # H1: dispatch 30 s and 90 s; on scene 300 s and 600 s; resolved 1830 s and 3600 s.
    assert h1["to_dispatch_median"] == pytest.approx(60)
    assert h1["to_dispatch_p90"] == pytest.approx(30 + 0.9 * 60)
    assert h1["to_scene_median"] == pytest.approx(450)
    assert h1["to_scene_p90"] == pytest.approx(300 + 0.9 * 300)
    assert h1["to_resolve_median"] == pytest.approx(2715)
    assert h1["to_resolve_p90"] == pytest.approx(1830 + 0.9 * 1770)
    assert h1["dispatched_within_target"] == pytest.approx(0.5)   # 30 s yes, 90 s no
    assert h1["hamlet_team_share"] == pytest.approx(2 / 3)
    # H2: one incident dispatched in exactly 60 s (counts as within), never resolved.
    assert h2["to_dispatch_median"] == pytest.approx(60)
    assert h2["to_scene_median"] == pytest.approx(120)
    assert math.isnan(h2["to_resolve_median"])
    assert h2["dispatched_within_target"] == 1.0
    assert h2["hamlet_team_share"] == 1.0
    # All: dispatch 30, 60, 90 s.
    assert total["to_dispatch_median"] == pytest.approx(60)
    assert total["to_dispatch_p90"] == pytest.approx(60 + 0.8 * 30)
    assert total["dispatched_within_target"] == pytest.approx(2 / 3)
    assert total["hamlet_team_share"] == pytest.approx(3 / 4)


def test_hourly_counts_by_local_hour_and_kind(scenario):
    store, _ = scenario
    per_hour = review.hourly(store.incidents())
    assert list(per_hour.index) == [pd.Timestamp("2021-05-23 08:00")]
    assert per_hour.loc[pd.Timestamp("2021-05-23 08:00"), "disorder"] == 4


# ---- coverage, check-ins, clusters, hexagons ------------------------------------------------
def test_coverage_gaps_list_places_far_from_active_routes(scenario):
    store, _ = scenario
    from geo.analysis.places import load_layer
    sites, targets, routes = (load_layer(store, k) for k in ("sites", "targets", "routes"))
    window = review.voting_window(DAY)
    gaps = review.coverage_gaps(sites, targets, routes, 300, window)
    # The route runs along y = 21.005 from x 106.505 to 106.515: the two northern hamlets'
    # sites (~550 m away) and the committee (~1.5 km) are not covered.
    assert sorted(gaps["code"]) == ["C1-S3", "C1-S4", "C1-T1"]
    assert (gaps["distance_m"] > 300).all()
    # Outside the route's hours nothing is covered.
    night = (datetime(2021, 5, 23, 17, 0), datetime(2021, 5, 23, 18, 0))
    assert len(review.coverage_gaps(sites, targets, routes, 300, night)) == 5


# ---- replay during a seeded drill ---------------------------------------------------------
@pytest.fixture(scope="module")
def drill(new_database, tmp_path_factory):
    """The seeded drill played to the end on each store; a folder; a maker of new empty
    databases on the same store."""
    tmp = tmp_path_factory.mktemp("drill")

    def new(name: str) -> Store:
        return Store(new_database(tmp, name))
    s = new("full")
    s.init()
    _layers(s, tmp)
    simulate(s, scale="commune", seed=7, progress=False)
    yield s, tmp, new
    s.close()


@pytest.mark.slow
def test_replay_at_t_equals_the_live_state_captured_at_t_during_the_drill(drill):
    """The same seeded drill stopped at T (as the demo stops at "now") is the live state
    a command centre saw at T; replay of the full day's log must give exactly that."""
    full, tmp, new = drill
    times = full.events()["occurred_at"]
    rng = np.random.default_rng(3)
    picks = sorted(rng.choice(times[times > SETUP + timedelta(hours=1)], 6, replace=False))
    for k, at in enumerate(picks):
        at = pd.Timestamp(at).to_pydatetime() + timedelta(microseconds=int(rng.integers(0, 9)))
        partial = new(f"until{k}")
        partial.init()
        (tmp / f"u{k}").mkdir()
        _layers(partial, tmp / f"u{k}")
        simulate(partial, scale="commune", seed=7, until=at, progress=False)
        live = live_state(partial)
        partial.close()
        assert state_at(full, at) == live, at


# ---- exports read back ------------------------------------------------------------------------
def test_exports_read_back_equal_the_filtered_set(drill, tmp_path):
    full, _, _ = drill
    every = full.incidents()
    hamlet = every["hamlet_code"].value_counts().index[0]
    f = Filters(commune_codes=["C1"], hamlet_codes=[hamlet], severities=[1, 2, 3],
                since=DAY.start, until=DAY.end)
    want = full.incidents(f).sort_values("id").reset_index(drop=True)
    assert 0 < len(want) < len(every)
    files = export(full, tmp_path / "out", filters=f)
    assert {p.name for p in files} == {"incidents.geojson", "events.geojson", "review.gpkg",
                                       "incidents.csv", "events.csv", "incidents.parquet",
                                       "events.parquet", "calendar.csv", "complaints.csv",
                                       "upward_reports.csv"}
    want_events = full.filtered_events(f)
    inc_events = want_events[want_events["entity"] == "incident"]
    assert set(inc_events["entity_id"]) == {str(i) for i in want["id"]}
    for got in (gpd.read_file(tmp_path / "out" / "incidents.geojson"),
                gpd.read_file(tmp_path / "out" / "review.gpkg", layer="incidents")):
        got = got.sort_values("id").reset_index(drop=True)
        assert got["id"].tolist() == want["id"].tolist()
        np.testing.assert_allclose(got.geometry.x, want["lon"], atol=1e-9)
        np.testing.assert_allclose(got.geometry.y, want["lat"], atol=1e-9)
        assert got["hamlet_code"].eq(hamlet).all()
    for got in (read_people_csv(tmp_path / "out" / "incidents.csv"),
                pd.read_parquet(tmp_path / "out" / "incidents.parquet")):
        assert sorted(got["id"]) == want["id"].tolist()
        np.testing.assert_allclose(got.sort_values("id")["lon"], want["lon"])
    for got in (gpd.read_file(tmp_path / "out" / "events.geojson"),
                gpd.read_file(tmp_path / "out" / "review.gpkg", layer="events"),
                pd.read_parquet(tmp_path / "out" / "events.parquet"),
                read_people_csv(tmp_path / "out" / "events.csv")):
        assert sorted(got["id"]) == sorted(want_events["id"])
    ev = gpd.read_file(tmp_path / "out" / "events.geojson")
    one = ev[ev["entity"] == "incident"].iloc[0]
    row = want.set_index("id").loc[int(one["entity_id"])]
    assert (one.geometry.x, one.geometry.y) == pytest.approx((row["lon"], row["lat"]))


def test_export_refuses_an_unknown_format(drill, tmp_path):
    full, _, _ = drill
    with pytest.raises(ValueError, match="unknown export format 'xlsx'"):
        export(full, tmp_path / "x", ["xlsx"])
    assert not (tmp_path / "x").exists()


# ---- the written review -----------------------------------------------------------------------
def _text(pdf: bytes) -> str:
    import io

    from pypdf import PdfReader
    return unicodedata.normalize("NFC", "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


def test_written_review_keeps_vietnamese_names_and_the_hand_figures(scenario):
    store, ids = scenario
    rev = build_review(store, DAY, commune_codes=["C1"])
    text = _text(render_pdf(rev))
    for name in ("Xã Thử", "Thôn An Cư", "Thôn Đại Sơn", "BÁO CÁO SƠ KẾT",
                 "Gây rối trật tự", "Trụ sở UBND xã"):
        assert name in text, name
    assert "1 ph 00 s / 1 ph 24 s" in text     # all: dispatch median / p90 (60 s, 84 s)
    assert "67 %" in text and "75 %" in text    # within 60 s; via hamlet teams
    assert f"#{ids['D']}" in text and f"#{ids['B']}" in text   # the serious ones, with
    assert f"#{ids['A']} " not in text                          # their timelines only
    html = render_html(rev)
    assert "Thôn Đại Sơn" in html and "@font-face" in html and "http" not in html.lower()


@pytest.mark.slow
def test_cli_report_writes_pdf_and_html_and_refuses_unknown_commune(scenario, db,
                                                                    tmp_path):
    store, _ = scenario
    store.close()
    add_accounts(db, chihuy="commander", xem="viewer")
    refused = subprocess.run([PYTHON, "-m", "geo.cli", "--user", "xem", "report", "--out",
                              str(tmp_path / "v.pdf")], env=cli_env(db), cwd=ROOT,
                             capture_output=True, text=True)
    assert refused.returncode == 2 and "needs the role commander" in refused.stderr
    out_pdf, out_html = tmp_path / "r" / "bc.pdf", tmp_path / "r" / "bc.html"
    run = subprocess.run([PYTHON, "-m", "geo.cli", "--user", "chihuy", "report", "--period",
                          "2021-05-23",
                          "--commune", "C1", "--out", str(out_pdf), str(out_html)],
                         env=cli_env(db), cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "Thôn An Cư" in _text(out_pdf.read_bytes())
    assert "Thôn An Cư" in out_html.read_text(encoding="utf-8")
    bad = subprocess.run([PYTHON, "-m", "geo.cli", "--user", "chihuy", "report", "--commune",
                          "C9", "--out",
                          str(tmp_path / "no.pdf")], env=cli_env(db), cwd=ROOT,
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "--commune C9: no such commune" in bad.stderr
    assert not (tmp_path / "no.pdf").exists()


def test_frames_at_equals_state_at(drill):
    """The typed frames the review page draws hold exactly the replayed rows."""
    from geo.analysis.replay import frames_at
    full, _, _ = drill
    times = full.events()["occurred_at"]
    for at in (times.iloc[len(times) // 3], times.iloc[-1], None):
        at = None if at is None else pd.Timestamp(at).to_pydatetime()
        frames, state = frames_at(full, at), state_at(full, at)
        for entity, rows in state.items():
            got = frames[entity]
            assert len(got) == len(rows)
            for rec in got.to_dict("records"):
                want = rows[str(rec[list(rec)[0]])]
                for col, value in rec.items():
                    expect = want[col]
                    if col.endswith("_at"):
                        expect = None if expect is None else pd.Timestamp(expect)
                        value = None if pd.isna(value) else pd.Timestamp(value)
                    elif value is not None and not isinstance(value, str) and pd.isna(value):
                        value = None
                    assert value == expect, (entity, col, value, expect)
