"""Hostile text through a real store, section 4 of ``test_hostile.py``: a store where every
payload of the corpus (``tests/hostile.py``) sits in every text field, and every sink it
reaches — the folium maps, the written review (HTML, PDF), the exports (CSV above all) —
holds it as inert text."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from shapely.geometry import LineString, Point, box

from geo import calendar, complaints
from geo import incidents as inc
from geo.analysis.places import load_layer
from geo.analysis.review import hex_bins
from geo.checks.inert import CSV_TRIGGERS, html_text
from geo.checks.text import NAME_MAX, TEXT_MAX, clean_text
from geo.clock import Period
from geo.drills.simulate import setup_time
from geo.io.importer import import_layer
from geo.layer_schemas import SCHEMAS
from geo.store import Store

from .. import geofixtures as fx
from .. import hostile
from ..helpers_hostile import BENIGN, HTML_ACTIVE, MAP_ACTIVE, _bad_char, _label, assert_inert_page

DAY = date(2021, 5, 23)
SETUP = setup_time(DAY)                  # 04:00 local, naive UTC
T0 = datetime(2021, 5, 23, 1, 0)         # 08:00 local
PERIOD = Period(datetime(2021, 5, 22, 17, 0), datetime(2021, 5, 23, 17, 0))


# ============================================================================================
# 4. Sinks: a world where every payload is stored in every text field
# ============================================================================================
def _fit(value: str, limit: int, multiline: bool = False) -> str:
    """The payload as the store can hold it: cut to the field's limit when too long."""
    try:
        clean_text(value, max_len=limit, multiline=multiline)
        return value
    except ValueError:
        return value[:limit]


def build_world(store: Store, tmp: Path, texts: list[str]) -> dict:
    """One commune, hamlet, polling site, target, hotspot, route (with its team) and
    checkpoint per text, each named with it; a serious incident per text described by it,
    reported by an actor named with it, with a note; then the review of the day."""
    D = 0.01
    cells = [(106.40 + (k % 6) * D, 21.00 + (k // 6) * D) for k in range(len(texts))]
    name = [_fit(v, NAME_MAX) for v in texts]
    note = [_fit(v, TEXT_MAX, True) for v in texts]
    layers = {
        "communes": [({"code": f"C{k}", "name": name[k], "district": name[k],
                       "province": name[k], "source": note[k][:NAME_MAX]},
                      box(x, y, x + D, y + D)) for k, (x, y) in enumerate(cells)],
        "hamlets": [({"code": f"C{k}-H", "name": name[k], "commune_code": f"C{k}"},
                     box(x, y, x + D, y + D)) for k, (x, y) in enumerate(cells)],
        "sites": [({"code": f"C{k}-S", "name": name[k], "voters": 100},
                   Point(x + 0.5 * D, y + 0.8 * D)) for k, (x, y) in enumerate(cells)],
        "targets": [({"code": f"C{k}-T", "name": name[k], "kind": "school"},
                     Point(x + 0.9 * D, y + 0.9 * D)) for k, (x, y) in enumerate(cells)],
        "hotspots": [({"code": f"C{k}-HS", "name": name[k], "reason": note[k], "risk": 3,
                       "commune_code": f"C{k}"},
                      box(x + 0.1 * D, y + 0.1 * D, x + 0.3 * D, y + 0.3 * D)
                      if k % 2 else Point(x + 0.2 * D, y + 0.2 * D))
                     for k, (x, y) in enumerate(cells)],
        "routes": [({"code": f"C{k}-R", "name": name[k], "team_code": f"C{k}-TEAM",
                     "team_name": name[k], "team_size": 3, "commune_code": f"C{k}",
                     "starts_at": "2021-05-23T05:00:00+07:00",
                     "ends_at": "2021-05-23T23:00:00+07:00"},
                    LineString([(x + 0.1 * D, y + 0.5 * D), (x + 0.9 * D, y + 0.5 * D)]))
                   for k, (x, y) in enumerate(cells)],
        "checkpoints": [({"code": f"C{k}-R-C", "name": name[k], "route_code": f"C{k}-R",
                          "seq": 1, "interval_min": 30}, Point(x + 0.5 * D, y + 0.5 * D))
                        for k, (x, y) in enumerate(cells)],
    }
    for step, (kind, rows) in enumerate(layers.items()):
        path = fx.write_features(tmp / f"world-{kind}.geojson", rows)
        import_layer(store, path, kind, actor=_fit(texts[0], 64),
                     at=SETUP + timedelta(seconds=step))
    at = T0
    for k, (x, y) in enumerate(cells):
        actor = _fit(texts[k], 64)
        row = inc.report(store, kind="gathering", severity=3 + k % 2, lon=x + 0.4 * D,
                         lat=y + 0.4 * D, source="citizen_tip", actor=actor,
                         description=note[k], at=at)
        at += timedelta(seconds=30)
        inc.add_note(store, row["id"], note[k], expected_version=1, actor=actor, at=at)
        at += timedelta(seconds=30)
        if k % 3 == 0:
            inc.verify(store, row["id"], expected_version=2, actor=actor, at=at)
            at += timedelta(seconds=30)
        # A complaint in the register, its place and summary the text (the CSV export).
        complaints.receive(store, kind="khieu_nai", matter="public_order", channel="letter",
                           from_whom="citizen", commune_code=f"C{k}", hamlet_code=f"C{k}-H",
                           place=name[k], summary=note[k], actor=actor, at=at)
        at += timedelta(seconds=30)
        # A calendar row: its name, place and source the text (the strip, calendar.csv).
        calendar.add_entry(store, {"code": f"ev{k}", "kind": "event", "name": name[k],
                                   "starts": "2021-05-23 08:00", "ends": "2021-05-23 10:00",
                                   "place": name[k], "source": _fit(note[k], 500)},
                           actor="admin", at=at)
        at += timedelta(seconds=30)
    from geo.io.report import build_review
    rev = build_review(store, PERIOD)
    return {"review": rev}


def _world_texts(tmp: Path) -> list[str]:
    return list(hostile.corpus(tmp).values())


@pytest.fixture(scope="module")
def worlds(tmp_path_factory):
    """The hostile world and its benign twin (same shapes, same counts, plain names)."""
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        for which in ("hostile", "benign"):
            tmp = tmp_path_factory.mktemp(which)
            texts = _world_texts(tmp)
            if which == "hostile":
                for k, v in hostile.pwned_env(tmp).items():
                    mp.setenv(k, v)
            else:
                texts = [f"{BENIGN} {k}" for k in range(len(texts))]
            s = Store(tmp / "antt.duckdb", checkpoint=False)
            s.init()
            # Every form a text is stored in: whole, or cut to a field's limit.
            stored = {f(t) for t in texts for f in (
                lambda t: t, lambda t: _fit(t, NAME_MAX), lambda t: _fit(t, 64),
                lambda t: _fit(t, TEXT_MAX, True))}
            out[which] = {"store": s, "tmp": tmp, "texts": sorted(stored),
                          **build_world(s, tmp, texts)}
        yield out
    for w in out.values():
        w["store"].close()


def _render_maps(world: dict, compact: bool) -> str:
    from dashboard import maps
    store, rev = world["store"], world["review"]
    layers = {k: load_layer(store, k) for k in SCHEMAS}
    m = maps.base_map(layers, label=_label, legend=True)
    incidents = store.incidents()
    groups = maps.live_groups(store.frame("site"), incidents, store.frame("unit"),
                              label=_label, cluster_above=0 if compact else 10_000)
    groups += maps.analysis_groups(incidents, hex_bins(incidents), rev.gaps, rev.emerging,
                                   label=_label)
    for g in groups:
        g.add_to(m)
    maps.layer_control().add_to(m)
    return maps.localize(m).get_root().render()


@pytest.mark.parametrize("compact", [False, True], ids=["one-by-one", "compact"])
def test_maps_render_every_stored_payload_as_text(worlds, compact):
    hostile_w, benign_w = worlds["hostile"], worlds["benign"]
    page = _render_maps(hostile_w, compact)
    benign = _render_maps(benign_w, compact)
    assert not hostile.pwned(hostile_w["tmp"]), "a Jinja payload ran while drawing the map"
    # The texts are there, escaped: the Jinja payload shows as its characters.
    assert html_text("{{ 7*7 }}") in page
    assert_inert_page(page, benign, hostile_w["texts"], MAP_ACTIVE, "map")


def test_review_html_holds_every_payload_as_text(worlds):
    from geo.io.report import render_html
    page = render_html(worlds["hostile"]["review"])
    benign = render_html(worlds["benign"]["review"])
    assert not hostile.pwned(worlds["hostile"]["tmp"])
    assert html.escape("<img src=x onerror=alert(document.domain)>") in page
    assert_inert_page(page, benign, worlds["hostile"]["texts"], HTML_ACTIVE, "review HTML")
    # Nothing the page would fetch: no URL outside data: URIs.
    assert not re.search(r"(src|href)\s*=\s*['\"]?(?!data:)[a-z]+:", page, re.I)


def test_review_pdf_builds_with_every_payload(worlds, tmp_path):
    from geo.io.report import write_report
    out = write_report(worlds["hostile"]["review"], tmp_path / "bc.pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 10_000
    import pypdf
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert "\x1b" not in text and "\u202e" not in text


def test_exports_guard_every_cell(worlds, tmp_path):
    from geo.io.exports import FORMATS, export
    files = export(worlds["hostile"]["store"], tmp_path / "out", FORMATS)
    assert {p.suffix for p in files} == {".csv", ".parquet", ".geojson", ".gpkg"}
    seen = set()
    for path in (p for p in files if p.suffix == ".csv"):
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), f"{path.name}: no UTF-8 BOM"
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        # the calendar and the register of reports sent upward are empty in this world
        # (the register's hostile text: tests/app/test_reports_page.py)
        assert len(rows) > 1 or path.name in ("calendar.csv", "upward_reports.csv")
        for r, row in enumerate(rows):
            for c, cell in enumerate(row):
                assert not cell.startswith(CSV_TRIGGERS), \
                    f"{path.name} row {r} col {rows[0][c]}: formula {cell[:40]!r}"
                assert not any(_bad_char(ch) for ch in cell), f"{path.name}: {cell[:40]!r}"
                seen.add(cell)
    # The formulas are there, as text.
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in seen
    assert "'@SUM(1)" in seen and "'-2+3" in seen and "'+1" in seen
