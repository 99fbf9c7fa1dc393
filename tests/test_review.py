"""The post-event review: figures checked against values worked out by hand, replay during a
seeded drill, exports read back, the written review's text, and the CLI."""

from __future__ import annotations

import json
import math
import subprocess
import unicodedata
from datetime import datetime, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geo import incidents as inc
from geo import units
from geo.analysis import review
from geo.analysis.replay import state_at
from geo.analysis.review import Period, parse_period
from geo.drills.simulate import simulate
from geo.errors import AnttError
from geo.io.exports import export
from geo.io.importer import import_layer
from geo.io.report import build_review, render_html, render_pdf
from geo.store import Filters, Store

from . import geofixtures as fx
from .conftest import PYTHON, ROOT, add_accounts, cli_env

SETUP = datetime(2021, 5, 22, 20, 0)   # 03:00 on 23/5/2021, Vietnam time
T0 = datetime(2021, 5, 23, 1, 0)       # 08:00 Vietnam time
DAY = Period(datetime(2021, 5, 22, 17, 0), datetime(2021, 5, 23, 17, 0))
H1 = (106.505, 21.005)                 # in C1-H1 "Thôn An Cư"
H2 = (106.515, 21.005)                 # in C1-H2 "Thôn Đại Sơn"


def _label(group: str, code: object) -> str:
    from geo.i18n import label
    return label(group, code)


def _layers(store: Store, tmp_path, extra: dict | None = None) -> None:
    cps = gpd.GeoDataFrame({"code": ["C1-R1-C1", "C1-R1-C2"], "name": ["Ngã ba", "Cầu"],
                            "route_code": ["C1-R1"] * 2, "seq": [1, 2],
                            "interval_min": [60, 60]},
                           geometry=[Point(106.505, 21.005), Point(106.515, 21.005)], crs=4326)
    hot = gpd.GeoDataFrame({"code": ["C1-HS1"], "name": ["Khu tranh chấp đất"],
                            "reason": ["Tranh chấp đất đai"], "risk": [3]},
                           geometry=[box(106.510, 21.010, 106.520, 21.020)], crs=4326)
    targets = gpd.GeoDataFrame({"code": ["C1-T1"], "name": ["Trụ sở UBND xã"],
                                "kind": ["peoples_committee"]},
                               geometry=[Point(106.519, 21.019)], crs=4326)
    step = 0
    for kind, gdf in (("communes", fx.commune()), ("hamlets", fx.hamlets()),
                      ("sites", fx.sites()), ("targets", targets), ("hotspots", hot),
                      ("routes", fx.routes()), ("checkpoints", cps), *(extra or {}).items()):
        import_layer(store, fx.write(gdf, tmp_path / f"{kind}.geojson"), kind, actor="t",
                     at=SETUP + timedelta(seconds=step))
        step += 1


@pytest.fixture
def scenario(store, tmp_path):
    """Four incidents in two hamlets with response times chosen to be worked out by hand."""
    _layers(store, tmp_path)
    for k in (1, 2, 3):
        units.register(store, code=f"T{k}", name=f"Tổ {k}", actor="t",
                       at=SETUP + timedelta(minutes=5, seconds=k))
    ids: dict[str, int] = {}

    def rep(name, where, source, sev):
        return lambda at: ids.__setitem__(name, inc.report(
            store, kind="disorder", severity=sev, lon=where[0], lat=where[1], source=source,
            actor="trực ban", description=f"Vụ {name}", at=at)["id"])

    def act(name, action, **kw):
        def go(at):
            v = store.get("incident", ids[name])["version"]
            inc.move(store, ids[name], action, expected_version=v, actor="trực ban", at=at,
                     **kw)
        return go

    steps = [
        (0, rep("A", H1, "hamlet_team", 2)), (10, act("A", "verify")),
        (30, act("A", "dispatch", team_code="T1")), (330, act("A", "arrive")),
        (1830, act("A", "resolve")),
        (100, rep("B", H1, "hotline", 3)), (110, act("B", "verify")),
        (190, act("B", "dispatch", team_code="T2")), (790, act("B", "arrive")),
        (3700, act("B", "resolve")),
        (200, rep("C", H1, "hamlet_team", 1)), (260, act("C", "false_alarm")),
        (300, rep("D", H2, "hamlet_team", 4)), (310, act("D", "verify")),
        (360, act("D", "dispatch", team_code="T3")), (480, act("D", "arrive")),
    ]
    for offset, fn in sorted(steps, key=lambda s: s[0]):
        fn(T0 + timedelta(seconds=offset))
    return store, ids


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
    from geo.io.features import load_layer
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


def test_checkpoint_gaps_tell_missed_late_and_ok():
    cps = pd.DataFrame({"code": ["A", "B", "C"], "name": ["a", "b", "c"],
                        "route_code": ["R"] * 3, "interval_min": [60, 60, 60]})
    routes = pd.DataFrame({"code": ["R"], "team_code": ["T"], "team_name": ["Tổ 1"],
                           "starts_at": ["2021-05-23T07:00:00+07:00"],
                           "ends_at": ["2021-05-23T10:00:00+07:00"]})
    base = datetime(2021, 5, 23, 0, 0)  # 07:00 local
    times = {"A": [45, 120, 170], "C": [100]}   # minutes after 07:00
    checkins = pd.DataFrame([{"occurred_at": base + timedelta(minutes=m),
                              "detail": json.dumps({"checkpoint": cp})}
                             for cp, ms in times.items() for m in ms])
    out = review.checkpoint_gaps(cps, routes, checkins, (base, base + timedelta(hours=12)))
    by = out.set_index("checkpoint")
    assert by.loc["A", "state"] == "ok" and by.loc["A", "longest_gap_min"] == 75
    assert by.loc["B", "state"] == "missed" and by.loc["B", "checkins"] == 0
    assert by.loc["C", "state"] == "late" and by.loc["C", "longest_gap_min"] == 100
    assert by.loc["A", "team"] == "Tổ 1"


def test_emerging_hotspots_are_dense_clusters_outside_declared_hotspots():
    rng = np.random.default_rng(1)
    pts = []
    for lon, lat, n in ((106.5025, 21.0025, 5),   # a tight cluster, no hotspot here
                        (106.515, 21.015, 6)):      # inside the declared hotspot
        pts += [(lon + rng.normal(0, 0.0003), lat + rng.normal(0, 0.0003)) for _ in range(n)]
    pts += [(106.519, 21.001), (106.501, 21.019)]  # lone points: noise
    df = pd.DataFrame({"id": range(1, len(pts) + 1), "lon": [p[0] for p in pts],
                       "lat": [p[1] for p in pts], "hamlet_code": "C1-H1"})
    hot = gpd.GeoDataFrame({"code": ["HS"]}, geometry=[box(106.510, 21.010, 106.520, 21.020)],
                           crs=4326)
    found = review.emerging_hotspots(df, hot, eps_m=200, min_samples=3)
    assert len(found) == 1
    assert found.iloc[0]["incident_ids"] == [1, 2, 3, 4, 5]
    assert abs(found.iloc[0]["lon"] - 106.5025) < 0.001
    assert review.emerging_hotspots(df, hot, eps_m=200, min_samples=6).empty


def test_hex_bins_count_every_incident_once():
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"lon": 106.5 + rng.uniform(0, 0.02, 500),
                       "lat": 21.0 + rng.uniform(0, 0.02, 500)})
    hexes = review.hex_bins(df, size_m=200)
    assert hexes["n"].sum() == 500
    # Every point lies in the hexagon that counted it (points in ≥ 1 hexagon, cells disjoint).
    pts = gpd.GeoSeries(gpd.points_from_xy(df["lon"], df["lat"]), crs=4326)
    hits = gpd.sjoin(gpd.GeoDataFrame(geometry=pts), hexes, predicate="within")
    assert hits.groupby("index_right").size().sort_index().tolist() == \
        hexes["n"].sort_index().tolist()


def test_parse_period_reads_vietnam_days_and_rejects_bad_text():
    p = parse_period("2021-05-23")
    assert (p.start, p.end) == (datetime(2021, 5, 22, 17), datetime(2021, 5, 23, 17))
    p = parse_period("2021-05-22..2021-05-23")
    assert (p.start, p.end) == (datetime(2021, 5, 21, 17), datetime(2021, 5, 23, 17))
    p = parse_period("2021-05-23T06:00..2021-05-23T20:00")
    assert (p.start, p.end) == (datetime(2021, 5, 22, 23), datetime(2021, 5, 23, 13))
    for bad in ("23/05/2021", "2021-05-23..2021-05-22", "2021-02-30", ""):
        with pytest.raises(AnttError, match="period"):
            parse_period(bad)


# ---- replay during a seeded drill ---------------------------------------------------------
@pytest.fixture(scope="module")
def drill(tmp_path_factory):
    """The seeded drill played to the end, and its event times."""
    tmp = tmp_path_factory.mktemp("drill")
    s = Store(tmp / "full.duckdb")
    s.init()
    _layers(s, tmp)
    simulate(s, scale="commune", seed=7, progress=False)
    yield s, tmp
    s.close()


def test_replay_at_t_equals_the_live_state_captured_at_t_during_the_drill(drill):
    """The same seeded drill stopped at T (as the demo stops at "now") is the live state
    a command centre saw at T; replay of the full day's log must give exactly that."""
    full, tmp = drill
    times = full.events()["occurred_at"]
    rng = np.random.default_rng(3)
    picks = sorted(rng.choice(times[times > SETUP + timedelta(hours=1)], 6, replace=False))
    for k, at in enumerate(picks):
        at = pd.Timestamp(at).to_pydatetime() + timedelta(microseconds=int(rng.integers(0, 9)))
        partial = Store(tmp / f"until{k}.duckdb")
        partial.init()
        (tmp / f"u{k}").mkdir()
        _layers(partial, tmp / f"u{k}")
        simulate(partial, scale="commune", seed=7, until=at, progress=False)
        live = partial.live_state()
        partial.close()
        assert state_at(full, at) == live, at


# ---- exports read back ------------------------------------------------------------------------
def test_exports_read_back_equal_the_filtered_set(drill, tmp_path):
    full, _ = drill
    every = full.incidents()
    hamlet = every["hamlet_code"].value_counts().index[0]
    f = Filters(commune_codes=["C1"], hamlet_codes=[hamlet], severities=[1, 2, 3],
                since=DAY.start, until=DAY.end)
    want = full.incidents(f).sort_values("id").reset_index(drop=True)
    assert 0 < len(want) < len(every)
    files = export(full, tmp_path / "out", filters=f)
    assert {p.name for p in files} == {"incidents.geojson", "events.geojson", "review.gpkg",
                                       "incidents.csv", "events.csv", "incidents.parquet",
                                       "events.parquet"}
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
    for got in (pd.read_csv(tmp_path / "out" / "incidents.csv"),
                pd.read_parquet(tmp_path / "out" / "incidents.parquet")):
        assert sorted(got["id"]) == want["id"].tolist()
        np.testing.assert_allclose(got.sort_values("id")["lon"], want["lon"])
    for got in (gpd.read_file(tmp_path / "out" / "events.geojson"),
                gpd.read_file(tmp_path / "out" / "review.gpkg", layer="events"),
                pd.read_parquet(tmp_path / "out" / "events.parquet"),
                pd.read_csv(tmp_path / "out" / "events.csv")):
        assert sorted(got["id"]) == sorted(want_events["id"])
    ev = gpd.read_file(tmp_path / "out" / "events.geojson")
    one = ev[ev["entity"] == "incident"].iloc[0]
    row = want.set_index("id").loc[int(one["entity_id"])]
    assert (one.geometry.x, one.geometry.y) == pytest.approx((row["lon"], row["lat"]))


def test_export_refuses_an_unknown_format(drill, tmp_path):
    full, _ = drill
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
    rev = build_review(store, DAY, label=_label, commune_codes=["C1"])
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


def test_cli_report_writes_pdf_and_html_and_refuses_unknown_commune(scenario, db_path,
                                                                    tmp_path):
    store, _ = scenario
    store.close()
    add_accounts(db_path, chihuy="commander", xem="viewer")
    refused = subprocess.run([PYTHON, "-m", "geo.cli", "--user", "xem", "report", "--out",
                              str(tmp_path / "v.pdf")], env=cli_env(db_path), cwd=ROOT,
                             capture_output=True, text=True)
    assert refused.returncode == 2 and "needs the role commander" in refused.stderr
    out_pdf, out_html = tmp_path / "r" / "bc.pdf", tmp_path / "r" / "bc.html"
    run = subprocess.run([PYTHON, "-m", "geo.cli", "--user", "chihuy", "report", "--period",
                          "2021-05-23",
                          "--commune", "C1", "--out", str(out_pdf), str(out_html)],
                         env=cli_env(db_path), cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "Thôn An Cư" in _text(out_pdf.read_bytes())
    assert "Thôn An Cư" in out_html.read_text(encoding="utf-8")
    bad = subprocess.run([PYTHON, "-m", "geo.cli", "--user", "chihuy", "report", "--commune",
                          "C9", "--out",
                          str(tmp_path / "no.pdf")], env=cli_env(db_path), cwd=ROOT,
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "--commune C9: no such commune" in bad.stderr
    assert not (tmp_path / "no.pdf").exists()


# ---- the page (Streamlit AppTest on the same scenario) ----------------------------------------
def test_review_page_shows_the_figures_and_filters_by_hamlet(scenario, monkeypatch):
    from .conftest import app_as
    store, _ = scenario
    monkeypatch.setenv("ANTT_DB", store.path)
    at = app_as(store, "commander").run()
    at.switch_page("app_pages/review.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Sơ kết, rút kinh nghiệm"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Tổng số vụ việc"] == "4"
    assert metrics["Điều lực lượng trong 60 giây"] == "67 %"
    table = at.dataframe[0].value
    assert list(table["Thôn"]) == ["Thôn An Cư", "Thôn Đại Sơn", "Tổng"]
    assert list(table["Số vụ"]) == ["3", "1", "4"]
    # The sidebar's hamlet filter narrows the review.
    at.multiselect(key="f_hamlets").set_value(["C1-H2"]).run()
    assert not at.exception, at.exception
    assert {m.label: m.value for m in at.metric}["Tổng số vụ việc"] == "1"
    assert list(at.dataframe[0].value["Thôn"]) == ["Thôn Đại Sơn", "Tổng"]


def test_dbscan_matches_the_textbook_definition_on_random_points():
    """Core points in the same cluster iff chained by core points within eps; border points
    join a cluster of one of their core neighbours; the rest is noise."""
    import shapely
    rng = np.random.default_rng(5)
    xy = np.vstack([rng.normal(c, 60, (40, 2)) for c in ((0, 0), (400, 0), (0, 900))]
                   + [rng.uniform(-500, 1500, (40, 2))])
    eps, k = 70.0, 4
    labels = review.dbscan(shapely.points(xy), eps, k)
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    near = d <= eps
    core = near.sum(1) >= k
    # Components of the core graph, by breadth-first search.
    comp = np.full(len(xy), -1)
    for i in np.flatnonzero(core):
        if comp[i] >= 0:
            continue
        comp[i], todo = i, [i]
        while todo:
            p = todo.pop()
            for q in np.flatnonzero(near[p] & core):
                if comp[q] < 0:
                    comp[q] = i
                    todo.append(q)
    ci = np.flatnonzero(core)
    same_ours = labels[ci][:, None] == labels[ci][None, :]
    same_theirs = comp[ci][:, None] == comp[ci][None, :]
    assert (same_ours == same_theirs).all()
    assert len(set(labels[ci])) >= 3
    for i in np.flatnonzero(~core):
        core_nb = np.flatnonzero(near[i] & core)
        if len(core_nb):
            assert labels[i] in set(labels[core_nb])
        else:
            assert labels[i] == -1


def test_hamlet_table_of_nothing_is_one_empty_total():
    from geo.store import ENTITIES
    table = review.hamlet_table(pd.DataFrame(columns=ENTITIES["incident"]["columns"]), {}, 60)
    assert table["hamlet"].tolist() == ["Tổng"] and table["n"].tolist() == [0]
    assert math.isnan(table.iloc[0]["to_dispatch_median"])


def test_frames_at_equals_state_at(drill):
    """The typed frames the review page draws hold exactly the replayed rows."""
    from geo.analysis.replay import frames_at
    full, _ = drill
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
