"""Hostile text and hostile files: user text never becomes a template, markup, script or
formula, wherever it is typed, imported, stored, drawn, exported or printed.

The corpus is ``tests/hostile.py``. Sections:

1. the guards of ``geo.inert`` and ``geo.text`` as properties (hypothesis);
2. every text field of every command with every payload: refused naming the field with
   nothing written, or stored clean (no control/bidi characters, NFC);
3. every layer kind × every text field from a GeoJSON file: refused naming row and field,
   or stored clean; nonsense numbers, times and codes refused naming row and field;
4. every sink with every payload stored: the folium maps, the review (HTML, PDF), the
   exports (CSV above all), the command line;
5. the sink enumeration: an AST scan of ``dashboard/`` that fails when user text can reach
   a markdown, HTML or Jinja sink without its guard.
"""

from __future__ import annotations

import ast
import csv
import functools
import html
import io
import json
import re
import shutil
import textwrap
import unicodedata
from collections import Counter
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import geopandas as gpd
import jinja2
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, box, mapping

from geo import incidents as inc
from geo import sites, units
from geo.analysis.review import Period, hex_bins
from geo.checks.inert import CSV_TRIGGERS, csv_cell, html_text, md_text, plain_text
from geo.checks.text import CODE_MAX, NAME_MAX, TEXT_MAX, clean_text, code_problem
from geo.drills.demo import load_demo
from geo.drills.simulate import setup_time
from geo.errors import Invalid, NotFound, Problem
from geo.io.features import load_layer
from geo.io.importer import apply_import, import_layer, plan_import
from geo.io.layers import SCHEMAS
from geo.store import Store

from . import geofixtures as fx
from . import hostile
from .conftest import ROOT

DAY = date(2021, 5, 23)
SETUP = setup_time(DAY)                  # 04:00 local, naive UTC
T0 = datetime(2021, 5, 23, 1, 0)         # 08:00 local
PERIOD = Period(datetime(2021, 5, 22, 17, 0), datetime(2021, 5, 23, 17, 0))

# Control characters (C0 but tab/newline, DEL, C1) and bidi controls: never stored.
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def _bad_char(c: str, multiline: bool = True) -> bool:
    if c in BIDI:
        return True
    if c in "\n\t":
        return not multiline
    return unicodedata.category(c) == "Cc"


def assert_clean(value: object, where: str, multiline: bool = True) -> None:
    """A stored string: NFC, no control or bidi characters."""
    if not isinstance(value, str):
        return
    bad = sorted({f"U+{ord(c):04X}" for c in value if _bad_char(c, multiline)})
    assert not bad, f"{where}: stored with control/bidi characters {bad}: {value[:80]!r}"
    assert unicodedata.is_normalized("NFC", value), f"{where}: stored not in NFC: {value!r}"


def _label(group: str, code: object) -> str:
    from geo.i18n import label
    return label(group, code)


# ============================================================================================
# 1. The guards as properties
# ============================================================================================
SPECIAL = list("<>{}\"'`\\&[]()!#*_$:=+-@|~^.%;/ \t\r\n\x00\x07\x1b\x7f\x85\u0301\u0303e"
               "\u202e\u2066\u200f\u061cđĐ") + ["{{", "{%", "{#", "}}", "%}", "</script>",
                                                 "\r\n", "ổ", "e\u0301"]
texts = st.lists(st.one_of(st.sampled_from(SPECIAL), st.characters()), max_size=40).map(
    "".join)
SLOW_OK = settings(max_examples=300, deadline=None)

# Markdown-active ASCII punctuation (CommonMark, GFM, Streamlit directives and math).
MD_ACTIVE = set("\\`*_[]()<>!#~$&|{}=^+-")


@SLOW_OK
@given(texts)
@example(hostile.HUGE)
@example("".join(hostile.PAYLOADS.values()))
def test_html_text_is_inert_html_and_inert_jinja(s):
    out = html_text(s)
    for ch in "<>{}\"'":
        assert ch not in out, (ch, s, out)
    assert html.unescape(out) == plain_text(s)
    env = jinja2.Environment(keep_trailing_newline=True)
    assert env.from_string(out).render() == out
    assert jinja2.Template(out).render() == out.removesuffix("\n")


@SLOW_OK
@given(texts)
@example(hostile.JS["js-template-break"])
@example(hostile.JS["js-backslash-backtick"])
def test_html_text_is_inert_in_a_javascript_template_literal(s):
    """Folium writes tooltip and popup HTML into JS template literals (`` `…` ``): a backtick
    in the text ends the literal (tooltips do not escape it, popups skip a backtick after a
    backslash) and a backslash escape such as ``\\x`` stops the whole map script. The text
    must carry neither; ``&#96;`` and ``&#92;`` show the same characters."""
    out = html_text(s)
    assert "`" not in out, (s, out)
    assert "\\" not in out, (s, out)


def _md_unescape(out: str, keep_breaks: bool = False) -> str:
    """Check that every backslash in *out* escapes one markdown-active character and that no
    active character is left bare; return the text with the escapes (and the zero-width
    spaces md_text puts after ``:``, ``@`` and ``www``) removed."""
    if not keep_breaks:
        out = out.replace("\u200b", "")
    plain, i = [], 0
    while i < len(out):
        c = out[i]
        if c == "\\":
            assert i + 1 < len(out) and out[i + 1] in MD_ACTIVE | {"."}, (out, i)
            plain.append(out[i + 1])
            i += 2
            continue
        assert c not in MD_ACTIVE, f"bare {c!r} in {out!r}"
        plain.append(c)
        i += 1
    return "".join(plain)


@SLOW_OK
@given(texts)
@example(hostile.MARKDOWN["md-image"])
@example(hostile.MARKDOWN["md-directive"])
def test_md_text_leaves_no_markdown(s):
    out = md_text(s)
    assert "\n" not in out and "\r" not in out
    assert not any(_bad_char(c, multiline=False) for c in out), out
    folded = plain_text(s).replace("\r", " ").replace("\n", " ").replace("\t", " ")
    assert _md_unescape(out) == folded


# What Streamlit's markdown still turns into markup although md_text escaped it (seen in
# Chromium, Streamlit 1.67): GFM autolink literals are found in the text *after* escapes
# are resolved, so ``http\://…``, ``www\.…`` and ``a@b\.c`` still become links; a colour
# directive ``:red\[x\]`` still colours (an empty span, ":red" gone) unless its colon is
# escaped; ``:material/…:`` icons render even with escaped colons; ``:smile:`` is an emoji.
# GFM's email autolink: [A-Za-z0-9._+-]+ @ [A-Za-z0-9_-]+ . … (a zero-width space after
# the @ is not a domain character, so it breaks the link).
_AUTOLINK = re.compile(r"(?:https?://|www\.)\S|[A-Za-z0-9._+-]+@[A-Za-z0-9_-]+\.[A-Za-z]")
_DIRECTIVE = re.compile(r"(?<!\\):[A-Za-z]+\\?\[")
_SHORTCODE = re.compile(r"(?<!\\):[a-z0-9_+-]+(?<!\\):")


@pytest.mark.parametrize("s", [
    hostile.MARKDOWN["md-image"], hostile.MARKDOWN["md-link"], "http://evil.example/p",
    "www.evil.example/p", "a@evil.example", hostile.MARKDOWN["md-directive"], ":smile:",
    ":material/home:"])
def test_md_text_defuses_links_directives_and_icons(s):
    """A name typed as ``http://evil.example`` must not become a link on a page, nor
    ``:red[x]`` a colour or ``:material/home:`` an icon: shown as typed, it is data."""
    out = md_text(s)
    seen = _md_unescape(out, keep_breaks=True)  # what the markdown parser reads
    assert not _AUTOLINK.search(seen), f"{s!r} → {out!r} still autolinks"
    assert not _DIRECTIVE.search(out), f"{s!r} → {out!r} still a colour directive"
    assert not _SHORTCODE.search(out), f"{s!r} → {out!r} still an emoji/icon shortcode"
    assert ":material/" not in seen, f"{s!r} → {out!r} still a Material icon"


@SLOW_OK
@given(texts)
@example(hostile.FORMULAS["csv-tab"])
@example("\x00=1")
def test_csv_cell_never_starts_a_formula(s):
    out = csv_cell(s)
    assert isinstance(out, str)
    assert not out.startswith(CSV_TRIGGERS), (s, out)
    assert out.removeprefix("'") == plain_text(s) or out == plain_text(s)


def test_csv_cell_keeps_numbers_and_empty_cells():
    for v in (None, 3, -2.5, float("nan")):
        assert csv_cell(v) is v


@SLOW_OK
@given(texts, st.booleans())
@example("a\x00b", False)
@example("\u202eevil", False)
def test_clean_text_removes_controls_and_bidi(s, multiline):
    out = clean_text(s, multiline=multiline)
    assert not any(_bad_char(c, multiline) for c in out), (s, out)
    assert out == out.strip()


@SLOW_OK
@given(texts, st.booleans())
@example(hostile.NFD, False)
@example("e\x00\u0301", False)       # a control between a letter and its combining mark
@example("o\u202e\u0302\u0301", True)
def test_clean_text_is_nfc_and_idempotent(s, multiline):
    out = clean_text(s, multiline=multiline)
    assert unicodedata.is_normalized("NFC", out), (s, out)
    assert clean_text(out, multiline=multiline) == out, (s, out)


@SLOW_OK
@given(texts, st.integers(min_value=0, max_value=30))
def test_clean_text_length_limit(s, limit):
    cleaned = clean_text(s)
    if len(cleaned) > limit:
        with pytest.raises(ValueError, match=f"longer than {limit}"):
            clean_text(s, max_len=limit)
    else:
        assert clean_text(s, max_len=limit) == cleaned


def test_clean_text_limits_on_the_corpus():
    with pytest.raises(ValueError):
        clean_text(hostile.HUGE, max_len=TEXT_MAX)
    assert clean_text(hostile.NFD) == "Cổ Dũng"
    assert clean_text(hostile.CONTROL["ctl-terminal"]) == "]0;PWNED[2J"
    assert clean_text(hostile.CONTROL["ctl-rlo"]) == "evil"


# ============================================================================================
# Worlds: a store with the demo communes (commands, import), and a store where every
# payload sits in every text field (sinks).
# ============================================================================================
@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    """A database with the demo communes, copied for each test (loading takes a second)."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    s = Store(path)
    s.init()
    load_demo(s, at=SETUP)
    s.close()
    return path


@pytest.fixture
def demo(demo_db, tmp_path) -> Store:
    path = tmp_path / "antt.duckdb"
    shutil.copy(demo_db, path)
    s = Store(path, checkpoint=False)  # no CHECKPOINT after each write: faster, same data
    s.init()
    yield s
    s.close()


def _events(store: Store) -> int:
    return store.counts()["events"]


def _last_event(store: Store) -> int:
    """The id of the newest event: it moves with every event written (one query, where
    ``counts()`` makes five; the per-payload loops use this)."""
    return store.last_event()[0]


# ============================================================================================
# 2. Commands: every text field with every payload
# ============================================================================================
CODE, NAME, TEXT, ACTOR = "code", "name", "text", "actor"
LIMIT = {CODE: CODE_MAX, NAME: NAME_MAX, TEXT: TEXT_MAX, ACTOR: 64}


@functools.cache
def _point_in_demo_hamlet() -> tuple[float, float]:
    """A point inside the first demo hamlet (10732-H01)."""
    from shapely.geometry import shape
    hamlets = json.loads((ROOT / "data" / "hamlets.geojson").read_text(encoding="utf-8"))
    p = shape(hamlets["features"][0]["geometry"]).representative_point()
    return (p.x, p.y)


# Each helper prepares what the command needs (once per test, kept in *ctx*) and returns
# the command itself, so that only the command runs between the two event counts.
def _report(store, ctx, n, **over):
    x, y = _point_in_demo_hamlet()
    args = dict(kind="disorder", severity=2, lon=x, lat=y, source="hotline", actor="trực ban",
                description=f"mô tả {n}")
    if not {"hamlet_code", "commune_code"} & set(over):
        args.update(hamlet_code="10732-H01", commune_code="10732")  # skip the lookup
    args.update(over)
    return lambda: ("incident", inc.report(store, **args)["id"])


def _incident_note(store, ctx, n, **over):
    if "note_on" not in ctx:
        ctx["note_on"] = _report(store, ctx, "notes")()[1]
    iid = ctx["note_on"]
    args = dict(action="note", actor="trực ban", note=f"ghi chú {n}")
    args.update(over)
    return lambda: ("incident", inc.move(store, iid, expected_version=store.get(
        "incident", iid)["version"], **args)["id"])


def _dispatch(store, ctx, n, team_code):
    if "verified" not in ctx:
        iid = _report(store, ctx, "dispatch")()[1]
        inc.verify(store, iid, expected_version=1, actor="trực ban")
        ctx["verified"] = iid
    iid = ctx["verified"]
    return lambda: ("incident", inc.dispatch(store, iid, team_code, expected_version=2,
                                             actor="trực ban")["id"])


def _site_register(store, ctx, n, **over):
    args = dict(code=f"HS-{n}", name=f"Điểm {n}", lon=106.49, lat=21.01, actor="trực ban")
    args.update(over)
    return lambda: ("site", sites.register(store, **args)["code"])


def _site_suspend(store, ctx, n, **over):
    """Suspend a voting site with a reason (the site is resumed again afterwards)."""
    if "site" not in ctx:
        code = _site_register(store, ctx, "sus")()[1]
        sites.move(store, code, "open", expected_version=1, actor="trực ban")
        ctx["site"] = code
    code = ctx["site"]
    cur = store.get("site", code)
    if cur["status"] == "suspended":
        sites.move(store, code, "resume", expected_version=cur["version"], actor="trực ban")
    args = dict(actor="trực ban", reason=f"lý do {n}")
    args.update(over)
    return lambda: ("site", sites.move(store, code, "suspend", expected_version=store.get(
        "site", code)["version"], **args)["code"])


def _unit_register(store, ctx, n, **over):
    args = dict(code=f"HT-{n}", name=f"Tổ {n}", actor="trực ban")
    args.update(over)
    return lambda: ("unit", units.register(store, **args)["code"])


def _check_in(store, ctx, n, **over):
    cp = load_layer(store, "checkpoints").iloc[0]
    args = dict(checkpoint_code=cp["code"], actor="tổ 1")
    args.update(over)
    return lambda: ("unit", units.check_in(store, "10732-TEAM1", args["checkpoint_code"],
                                           cp.geometry.x, cp.geometry.y,
                                           actor=args["actor"])["code"])


# (command, field, kind of field, how to run it with the payload)
COMMANDS = [
    ("incident.report", "description", TEXT, lambda s, c, n, v: _report(s, c, n, description=v)),
    ("incident.report", "actor", ACTOR, lambda s, c, n, v: _report(s, c, n, actor=v)),
    ("incident.report", "site_code", CODE, lambda s, c, n, v: _report(s, c, n, site_code=v)),
    ("incident.report", "target_code", CODE,
     lambda s, c, n, v: _report(s, c, n, target_code=v)),
    ("incident.report", "hamlet_code", CODE,
     lambda s, c, n, v: _report(s, c, n, hamlet_code=v)),
    ("incident.report", "commune_code", CODE,
     lambda s, c, n, v: _report(s, c, n, commune_code=v)),
    ("incident.report", "request_id", CODE, lambda s, c, n, v: _report(s, c, n, request_id=v)),
    ("incident.move", "note", TEXT, lambda s, c, n, v: _incident_note(s, c, n, note=v)),
    ("incident.move", "actor", ACTOR, lambda s, c, n, v: _incident_note(s, c, n, actor=v)),
    ("incident.dispatch", "team_code", CODE, lambda s, c, n, v: _dispatch(s, c, n, v)),
    ("site.register", "code", CODE, lambda s, c, n, v: _site_register(s, c, n, code=v)),
    ("site.register", "name", NAME, lambda s, c, n, v: _site_register(s, c, n, name=v)),
    ("site.register", "hamlet_code", CODE,
     lambda s, c, n, v: _site_register(s, c, n, hamlet_code=v)),
    ("site.register", "commune_code", CODE,
     lambda s, c, n, v: _site_register(s, c, n, commune_code=v)),
    ("site.register", "actor", ACTOR, lambda s, c, n, v: _site_register(s, c, n, actor=v)),
    ("site.move", "reason", TEXT, lambda s, c, n, v: _site_suspend(s, c, n, reason=v)),
    ("site.move", "actor", ACTOR, lambda s, c, n, v: _site_suspend(s, c, n, actor=v)),
    ("unit.register", "code", CODE, lambda s, c, n, v: _unit_register(s, c, n, code=v)),
    ("unit.register", "name", NAME, lambda s, c, n, v: _unit_register(s, c, n, name=v)),
    ("unit.register", "route_code", CODE,
     lambda s, c, n, v: _unit_register(s, c, n, route_code=v)),
    ("unit.register", "commune_code", CODE,
     lambda s, c, n, v: _unit_register(s, c, n, commune_code=v)),
    ("unit.register", "actor", ACTOR, lambda s, c, n, v: _unit_register(s, c, n, actor=v)),
    ("unit.check_in", "checkpoint_code", CODE,
     lambda s, c, n, v: _check_in(s, c, n, checkpoint_code=v)),
    ("unit.check_in", "actor", ACTOR, lambda s, c, n, v: _check_in(s, c, n, actor=v)),
]


def _must_refuse(kind: str, value: str) -> bool:
    """Refusal is for length and code characters only: text is data, never a reason to
    refuse by itself."""
    multiline = kind == TEXT
    try:
        cleaned = clean_text(value, max_len=LIMIT[kind], multiline=multiline)
    except ValueError:
        return True
    return kind == CODE and code_problem(cleaned) is not None


@pytest.mark.parametrize("command, field, kind, run", COMMANDS,
                         ids=[f"{c}-{f}" for c, f, _, _ in COMMANDS])
def test_every_command_field_refuses_or_stores_clean(demo, tmp_path, command, field, kind,
                                                     run):
    payloads, ctx = hostile.corpus(tmp_path), {}
    for n, (pid, value) in enumerate(payloads.items()):
        act = run(demo, ctx, n, value)
        before = _last_event(demo)
        try:
            entity, key = act()
        except Invalid as e:
            fields = {p.field for p in e.problems}
            # A commune the point is not in is a location problem: the error names lon.
            named = {field, "lon"} if field == "commune_code" else {field}
            assert named & fields, f"{pid}: refused without naming {field!r}: {e}"
            assert _last_event(demo) == before, f"{pid}: refused but wrote events"
            continue
        except NotFound as e:
            # An unknown team to dispatch: refused, naming what was not found.
            assert field == "team_code", f"{pid}: {e!r}"
            assert _last_event(demo) == before
            continue
        assert not _must_refuse(kind, value), f"{pid}: {field} should have been refused"
        row = demo.get(entity, key)
        for col, v in row.items():
            assert_clean(v, f"{command} {field}={pid}: {entity}.{col}",
                         multiline=col in ("description", "reason", "note"))
        new_events = demo.events(limit=_last_event(demo) - before)
        assert len(new_events) >= 1
        for ev in new_events.to_dict("records"):
            assert_clean(ev["actor"], f"{command} {field}={pid}: event actor")
            for col in ("detail", "after"):
                if isinstance(ev.get(col), str):
                    for inner in _strings(json.loads(ev[col])):
                        assert_clean(inner, f"{command} {field}={pid}: event {col}")
    assert not hostile.pwned(tmp_path)


def _strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)


@pytest.mark.parametrize("pid", ["huge-100k", "jinja-expr", "ctl-terminal"])
def test_refused_command_writes_nothing_at_all(demo, tmp_path, pid):
    """A refusal writes nothing: not an event, not an incident, not a site or unit."""
    value = hostile.PAYLOADS[pid]
    before = (_events(demo), len(demo.incidents()), len(demo.frame("site")),
              len(demo.frame("unit")))
    for call in (_report(demo, {}, 0, description=value, severity=9),
                 _site_register(demo, {}, 0, code=value + "{"),
                 _unit_register(demo, {}, 0, name=value, size=0)):
        with pytest.raises(Invalid):
            call()
    assert (_events(demo), len(demo.incidents()), len(demo.frame("site")),
            len(demo.frame("unit"))) == before


# ============================================================================================
# 3. Layer files: every kind × every text field
# ============================================================================================
def _demo_geom(kind: str, index: int = 0):
    from shapely.geometry import shape
    doc = json.loads((ROOT / "data" / f"{kind}.geojson").read_text(encoding="utf-8"))
    return shape(doc["features"][index]["geometry"])


def _base_row(kind: str, n: int) -> tuple[dict, object]:
    """A valid feature of *kind* in demo commune 10732 with unique codes (row *n*)."""
    hamlet = _demo_geom("hamlets")
    p = hamlet.representative_point()
    x, y = p.x + (n % 10) * 1e-5, p.y + (n // 10) * 1e-5
    sq = box(x - 0.001, y - 0.001, x + 0.001, y + 0.001)
    if kind == "communes":
        return ({"code": f"HX{n}", "name": f"Xã {n}", "district": "Kinh Môn",
                 "province": "Hải Dương", "admin_set": "2021-2025", "area_km2": 4.5,
                 "population": 9000, "source": "thử"}, sq)
    if kind == "hamlets":
        return {"code": f"HX-H{n}", "name": f"Thôn {n}", "commune_code": "10732"}, sq
    if kind == "sites":
        return ({"code": f"HX-S{n}", "name": f"Điểm {n}", "hamlet_code": "10732-H01",
                 "commune_code": "10732", "voters": 500}, Point(x, y))
    if kind == "targets":
        return ({"code": f"HX-T{n}", "name": f"Mục tiêu {n}", "kind": "school",
                 "commune_code": "10732", "protection": 2}, Point(x, y))
    if kind == "hotspots":
        return ({"code": f"HX-HS{n}", "name": f"Điểm nóng {n}", "reason": f"lý do {n}",
                 "risk": 2, "active_from": "2021-05-23T05:00:00+07:00",
                 "active_to": "2021-05-23T20:00:00+07:00", "commune_code": "10732",
                 "radius_m": 300}, sq)
    if kind == "routes":
        return ({"code": f"HX-R{n}", "name": f"Tuyến {n}", "team_code": f"HX-TEAM{n}",
                 "team_name": f"Tổ {n}", "team_size": 4,
                 "starts_at": "2021-05-23T05:00:00+07:00",
                 "ends_at": "2021-05-23T23:00:00+07:00", "commune_code": "10732"},
                LineString([(x, y), (x + 0.002, y)]))
    if kind == "checkpoints":
        return ({"code": f"HX-C{n}", "name": f"Chốt {n}", "route_code": "10732-R1",
                 "seq": n, "interval_min": 30}, Point(x, y))
    raise AssertionError(kind)


def _text_fields(kind: str) -> list[str]:
    s = SCHEMAS[kind]
    return [f for f in s.fields if f not in s.ints and f not in s.floats]


LAYER_FIELDS = [(k, f) for k in SCHEMAS for f in _text_fields(k)]
_CODE_FIELDS = ("code", "commune_code", "hamlet_code", "route_code", "team_code")


def _write_layer(path: Path, rows: list[tuple[dict, object]]) -> Path:
    return fx.write_raw_geojson(path, [fx.feature(mapping(geom), **props)
                                       for props, geom in rows])


def _import_each(store: Store, tmp: Path, kind: str, rows: dict[str, tuple[dict, object]]
                 ) -> tuple[dict[str, list[Problem]], list[str]]:
    """Import *rows* (payload id → feature); rows with errors are taken out and the rest
    tried again, until a file imports. Returns refusals per payload id, and accepted ids.
    Every error must name a row."""
    remaining = list(rows)
    refused: dict[str, list[Problem]] = {}
    for attempt in range(10):
        if not remaining:
            return refused, []
        path = _write_layer(tmp / f"{kind}-{attempt}.geojson", [rows[r] for r in remaining])
        plan = plan_import(store, path, kind)
        if plan.ok:
            apply_import(store, plan, actor="nhập thử")
            return refused, remaining
        by_row: dict[int, list[Problem]] = {}
        for p in plan.errors:
            assert p.row is not None, f"{kind}: an error without a row: {p}"
            by_row.setdefault(p.row, []).append(p)
        for r, probs in by_row.items():
            refused[remaining[r - 1]] = probs
        remaining = [pid for i, pid in enumerate(remaining, 1) if i not in by_row]
    raise AssertionError("import did not settle")


@pytest.mark.parametrize("kind, field", LAYER_FIELDS, ids=[f"{k}.{f}" for k, f in LAYER_FIELDS])
def test_every_layer_field_refuses_with_row_or_stores_clean(demo, tmp_path, kind, field):
    payloads = hostile.corpus(tmp_path)
    rows = {}
    for n, (pid, value) in enumerate(payloads.items()):
        props, geom = _base_row(kind, n)
        props[field] = value
        rows[pid] = (props, geom)
    refused, accepted = _import_each(demo, tmp_path, kind, rows)
    for pid, probs in refused.items():
        assert field in {p.field for p in probs}, \
            f"{kind}.{field}={pid}: refused for something else: {probs}"
    schema = SCHEMAS[kind]
    if field in _CODE_FIELDS:
        # Code characters, length or an unknown reference: refused; the rest is a code.
        wrongly = [pid for pid in accepted if _must_refuse(CODE, payloads[pid])]
        assert not wrongly, f"{kind}.{field}: accepted as a code: {wrongly}"
    elif field in schema.choices:
        assert not accepted, f"{kind}.{field}: accepted outside its choices: {accepted}"
    elif field not in schema.times:
        # A name, a reason: text is data, refused only when too long.
        text = TEXT if field == "reason" else NAME
        assert sorted(refused) == sorted(p for p in payloads
                                         if _must_refuse(text, payloads[p])), \
            f"{kind}.{field}: refused {sorted(refused)}"
    for rec in load_layer(demo, kind).drop(columns="geometry").to_dict("records"):
        for col, v in rec.items():
            assert_clean(v, f"{kind}.{col} (payload in {field})", multiline=col == "reason")
    for entity in ("site", "unit"):
        for rec in demo.frame(entity).to_dict("records"):
            for col, v in rec.items():
                assert_clean(v, f"{entity}.{col} after importing {kind}.{field}")
    assert not hostile.pwned(tmp_path)


NONSENSE = [
    ("routes", "team_size", -3),
    ("hotspots", "radius_m", -500),
    ("routes", "starts_at", "not a time"),
    ("hotspots", "active_from", "garbage"),
    ("sites", "commune_code", "NOPE"),
    ("sites", "hamlet_code", "NOPE-H"),
    ("checkpoints", "route_code", "NOPE-R"),
    ("hamlets", "commune_code", "NOPE"),
    ("targets", "commune_code", "NOPE"),
    ("hotspots", "commune_code", "NOPE"),
    ("routes", "commune_code", "NOPE"),
    ("checkpoints", "interval_min", 0),
    ("hotspots", "risk", 7),
    ("targets", "protection", 0),
    ("sites", "voters", -1),
    ("communes", "population", -5),
    ("routes", "ends_at", "2021-05-23T04:00:00+07:00"),   # before starts_at
]


@pytest.mark.parametrize("kind, field, value", NONSENSE,
                         ids=[f"{k}.{f}={v}" for k, f, v in NONSENSE])
def test_nonsense_values_are_refused_naming_row_and_field(demo, tmp_path, kind, field, value):
    good, bad = _base_row(kind, 1), _base_row(kind, 2)
    bad[0][field] = value
    before = _events(demo)
    path = _write_layer(tmp_path / f"{kind}.geojson", [good, bad])
    with pytest.raises(Invalid) as e:
        import_layer(demo, path, kind, actor="nhập thử")
    assert any(p.field == field and p.row == 2 for p in e.value.problems), e.value.problems
    assert f"row 2, field '{field}'" in str(e.value)
    assert _events(demo) == before


# ============================================================================================
# 4. Sinks: a world where every payload is stored in every text field
# ============================================================================================
BENIGN = "Văn bản bình thường"


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
        path = _write_layer(tmp / f"world-{kind}.geojson", rows)
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
    from geo.io.report import build_review
    rev = build_review(store, PERIOD, label=_label)
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


class _Tags(HTMLParser):
    """Every start tag and attribute the HTML parser sees."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter = Counter()
        self.attrs: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        self.attrs += [(tag, k, v) for k, v in attrs]


def _parse(page: str) -> _Tags:
    p = _Tags()
    p.feed(page)
    p.close()
    return p


# Characters that make text active in HTML, in Jinja and in a JS template literal.
HTML_ACTIVE = set("<>&\"'")
MAP_ACTIVE = HTML_ACTIVE | set("{}`\\")


def assert_inert_page(page: str, benign: str, texts: list[str], active: set[str],
                      where: str) -> None:
    """*page* holds the hostile texts only as inert text: it has exactly the elements of the
    benign twin, no element or handler a payload could bring, no payload verbatim where it
    has an active character, and no control character from a payload."""
    got, want = _parse(page), _parse(benign)
    assert got.tags == want.tags, f"{where}: elements differ from the benign page: " \
        f"{(got.tags - want.tags) or (want.tags - got.tags)}"
    handlers = [(t, k, v) for t, k, v in got.attrs if k.startswith("on")]
    assert not handlers, f"{where}: event handler attributes {handlers[:3]}"
    for tag in ("img", "svg", "iframe"):
        assert got.tags[tag] == want.tags[tag], f"{where}: <{tag}> from a payload"
    assert hostile.EVIL_HOST not in benign
    for t in set(texts):
        raw = plain_text(t)
        if not set(raw) & active:
            continue
        for line in {raw, *raw.splitlines()}:
            if len(line) >= 2 and set(line) & active:
                seen, expected = page.count(line), benign.count(line)
                assert seen == expected, f"{where}: payload verbatim {seen - expected} " \
                    f"time(s): {line[:60]!r}"
    for c in "\x1b\x00\x07\u202e":
        assert c not in page, f"{where}: control character U+{ord(c):04X} in the page"
    assert "TemplateSyntaxError" not in page


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


def _raw_frames(value: str, n: int = 1) -> dict:
    """Frames as the map functions take them, with *value* unguarded in every text column
    (text the store did not clean: an old database, a file we did not write)."""
    layers = {
        "communes": fx.commune().assign(name=value),
        "hamlets": fx.hamlets().assign(name=value),
        "hotspots": gpd.GeoDataFrame(
            {"code": ["HS1", "HS2"], "name": [value] * 2, "reason": [value] * 2,
             "risk": [3, 2], "radius_m": [200.0, None]},
            geometry=[box(106.51, 21.01, 106.52, 21.02), Point(106.505, 21.005)], crs=4326),
        "routes": fx.routes().assign(name=value, team_name=value),
        "targets": gpd.GeoDataFrame({"code": ["T1"], "name": [value], "kind": ["school"]},
                                    geometry=[Point(106.519, 21.019)], crs=4326),
    }
    sites_df = pd.DataFrame({"code": [f"S{i}" for i in range(n)], "name": value,
                             "commune_code": "C1", "lon": 106.505, "lat": 21.005,
                             "status": "voting"})
    incidents = pd.DataFrame({"id": range(1, n + 1), "kind": "disorder", "severity": 3,
                              "status": "reported", "lon": 106.505, "lat": 21.005,
                              "description": value})
    units_df = pd.DataFrame({"code": [f"U{i}" for i in range(n)], "name": value,
                             "status": "available", "lon": 106.505, "lat": 21.005})
    gaps = pd.DataFrame({"kind": ["site"], "code": ["S0"], "name": [value], "lon": [106.505],
                         "lat": [21.005], "distance_m": [500.0]})
    emerging = pd.DataFrame({"cluster": [1], "n": [4], "lon": [106.505], "lat": [21.005],
                             "radius_m": [100.0], "incident_ids": [[1, 2]]})
    return {"layers": layers, "sites": sites_df, "incidents": incidents, "units": units_df,
            "gaps": gaps, "emerging": emerging}


def _render_raw(value: str) -> str:
    """One map with every layer, the live layers drawn both ways (one by one, and the
    compact clustered path) and the analysis layers."""
    from dashboard import maps
    f = _raw_frames(value)
    m = maps.base_map(f["layers"], label=_label, legend=True)
    for cluster_above in (10_000, 0):
        for g in maps.live_groups(f["sites"], f["incidents"], f["units"], label=_label,
                                  cluster_above=cluster_above):
            g.add_to(m)
    for g in maps.analysis_groups(f["incidents"], hex_bins(f["incidents"]), f["gaps"],
                                  f["emerging"], label=_label):
        g.add_to(m)
    return maps.localize(m).get_root().render()


@functools.cache
def _benign_raw() -> str:
    return _render_raw(BENIGN)


@pytest.mark.parametrize("pid", list(hostile.PAYLOADS) + list(
    hostile.makedirs_payloads(Path("/tmp"))))
def test_maps_guard_text_the_store_never_cleaned(tmp_path, monkeypatch, pid):
    for k, v in hostile.pwned_env(tmp_path).items():
        monkeypatch.setenv(k, v)
    value = hostile.corpus(tmp_path)[pid]
    try:
        page = _render_raw(value)
    except jinja2.TemplateError as e:
        pytest.fail(f"{pid}: the map compiled user text as a template: {e!r}")
    assert not hostile.pwned(tmp_path), f"{pid}: a Jinja payload ran on the server"
    assert_inert_page(page, _benign_raw(), [value], MAP_ACTIVE, f"map ({pid})")


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
        assert len(rows) > 1
        for r, row in enumerate(rows):
            for c, cell in enumerate(row):
                assert not cell.startswith(CSV_TRIGGERS), \
                    f"{path.name} row {r} col {rows[0][c]}: formula {cell[:40]!r}"
                assert not any(_bad_char(ch) for ch in cell), f"{path.name}: {cell[:40]!r}"
                seen.add(cell)
    # The formulas are there, as text.
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in seen
    assert "'@SUM(1)" in seen and "'-2+3" in seen and "'+1" in seen


def _formula_frame() -> pd.DataFrame:
    """Text the store did not clean, as pandas holds it: ``str`` columns (pandas 3) and
    ``object`` columns (DuckDB results)."""
    cells = list(hostile.FORMULAS.values()) + ["\r=1", "\x00=1", "ok"]
    return pd.DataFrame({"text": cells, "obj": pd.Series(cells, dtype=object),
                         "n": range(len(cells))})


def _assert_no_formula(raw: bytes, where: str) -> None:
    assert raw.startswith(b"\xef\xbb\xbf"), f"{where}: no UTF-8 BOM"
    assert b"\x00" not in raw, f"{where}: a NUL character written into the CSV"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    for row in rows[1:]:
        for head, cell in zip(rows[0], row, strict=True):
            assert not cell.startswith(CSV_TRIGGERS), f"{where} {head}: formula {cell!r}"


def test_export_csv_guards_text_the_store_never_cleaned(tmp_path):
    from geo.io.exports import write_csv
    write_csv(_formula_frame(), tmp_path / "x.csv")
    _assert_no_formula((tmp_path / "x.csv").read_bytes(), "write_csv")


def test_download_csv_guards_every_cell():
    """The audit page's download (``csv_bytes``) is the same CSV sink."""
    from geo.io import exports
    if not hasattr(exports, "csv_bytes"):
        pytest.skip("no csv_bytes in geo.exports")
    _assert_no_formula(exports.csv_bytes(_formula_frame()), "csv_bytes")


# ---- the command line ------------------------------------------------------------------------
TERMINAL = hostile.CONTROL["ctl-terminal"]


def _cli(capsys, *argv) -> tuple[int, str, str]:
    from geo.cli import main
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


ESCAPES = set("\x1b\x07\x9b\u202e")
PASSWORD = "mat-khau-thu-nghiem-hx"


def test_cli_prints_no_escape_sequences(demo, capsys, tmp_path, monkeypatch):
    from geo import accounts
    accounts.add_user(demo, "test", username="hxadmin", display_name=TERMINAL, role="admin",
                      password=PASSWORD)
    accounts.add_user(demo, "test", username="hxop", display_name=TERMINAL,
                      role="commander", password=PASSWORD)
    db = demo.path
    demo.close()
    monkeypatch.setenv("ANTT_PASSWORD", PASSWORD)
    x, y = _point_in_demo_hamlet()
    report = ["incident", "report", "--kind", "disorder", "--severity", "2", "--lon", str(x),
              "--lat", str(y), "--source", "hotline"]
    for value in (TERMINAL, "a\x07b\x9bc" + hostile.CONTROL["ctl-rlo"]):
        code, out, err = _cli(capsys, "--db", db, "--user", "hxop", *report,
                              "--description", value)
        assert code == 0, err
        assert not set(out + err) & ESCAPES, (value, out, err)
        iid = re.search(r"\bid=(\d+)", out).group(1)
        code, out, err = _cli(capsys, "--db", db, "--user", "hxop", "incident", "move", iid,
                              "note", "--version", "1", "--note", value)
        assert code == 0, err
        assert not set(out + err) & ESCAPES, (value, out, err)
        # Refused: the message names the field and echoes nothing raw.
        code, out, err = _cli(capsys, "--db", db, "--user", "hxop", *report, "--site", value)
        assert code == 2 and "site_code" in err
        assert not set(out + err) & ESCAPES, (value, out, err)
        # A user name that is an escape sequence: refused without echoing it.
        code, out, err = _cli(capsys, "--db", db, "--user", value, *report)
        assert code == 2
        assert not set(out + err) & ESCAPES, (value, out, err)
    code, out, err = _cli(capsys, "--db", db, "--user", "hxadmin", "unit", "register", "HX-T1",
                          TERMINAL)
    assert code == 0, err
    assert not set(out + err) & ESCAPES
    code, out, err = _cli(capsys, "--db", db, "--user", "hxadmin", "user", "list")
    assert code == 0, err
    assert "PWNED" in out and not set(out + err) & ESCAPES
    path = _write_layer(tmp_path / "sites.geojson", [
        ({**_base_row("sites", 1)[0], "name": TERMINAL}, _base_row("sites", 1)[1]),
        ({**_base_row("sites", 2)[0], "code": TERMINAL}, _base_row("sites", 2)[1])])
    code, out, err = _cli(capsys, "--db", db, "--user", "hxadmin", "import", str(path),
                          "--kind", "sites")
    assert code == 2 and "row 2, field 'code'" in err
    assert not set(out + err) & ESCAPES


# ============================================================================================
# 5. Sink enumeration: user text reaches no sink without its guard
# ============================================================================================
MD_SINKS = {"title", "header", "subheader", "caption", "markdown", "info", "warning", "error",
            "success", "toast", "write"}
# Widgets whose label (first argument) Streamlit reads as markdown.
MD_LABELS = {"button", "radio", "selectbox", "multiselect", "text_input", "text_area",
             "number_input", "slider", "select_slider", "date_input", "time_input",
             "checkbox", "toggle", "download_button", "form_submit_button", "metric",
             "pills", "segmented_control", "expander", "popover", "link_button"}
# Widgets whose options (through format_func) Streamlit reads as markdown.
MD_OPTIONS = {"radio", "pills", "segmented_control"}
NOT_STREAMLIT = {"log", "logger", "logging", "warnings", "parser", "p", "self"}
MD_SAFE_CALLS = {"t", "md_text", "label"}
NUMERIC_CALLS = {"int", "len", "float", "round", "abs"}
HTML_SINKS = {"Popup", "Tooltip", "DivIcon", "Element", "Html", "IFrame"}
GEOJSON_HELP = {"GeoJsonTooltip", "GeoJsonPopup"}
UNKNOWN = object()

# Reviewed exceptions: (file, the argument's source) → why it cannot carry user text. An
# entry matches only that exact expression in that file, so any change to it is reviewed
# again.
REVIEWED = {
    ("dashboard/app_pages/live.py", "sev"):
        "severity labels (our catalogue) and counts from metrics.kpis",
    ("dashboard/app_pages/live.py",
     "' · '.join((f\"{_label('site_status', s)} {n}\" for s, n in "
     "sorted(k['sites_by_status'].items())))"):
        "site-status labels and counts from metrics.kpis",
    ("dashboard/app_pages/live.py", "k['open_total']"): "a count",
    ("dashboard/app_pages/live.py", "k['sites_by_status'].get('voting', 0)"): "a count",
    ("dashboard/app_pages/live.py", "k['sites_by_status'].get('suspended', 0)"): "a count",
    ("dashboard/app_pages/live.py", "units_by.get('responding', 0)"): "a count",
    ("dashboard/app_pages/live.py",
     "units_by.get('available', 0) + units_by.get('on_patrol', 0)"): "a count",
    ("dashboard/app_pages/review.py", "name"):
        "geo.report.build_review summary labels: constant Vietnamese text",
    ("dashboard/app_pages/review.py", "value"):
        "geo.report.build_review summary values: counts, durations, percentages, labels",
    ("dashboard/app_pages/field.py", "msg"):
        "forms.save_report problems: t() messages and md_text(problem.reason)",
    ("dashboard/app_pages/operator.py", "errors['lon']"): "forms.save_report: see field.py",
    ("dashboard/app_pages/operator.py", "errors['kind']"): "forms.save_report: see field.py",
    ("dashboard/app_pages/operator.py", "errors['description']"):
        "forms.save_report: see field.py",
    ("dashboard/app_pages/review.py", "fmt.upper()"): "one of geo.exports.FORMATS",
    ("dashboard/maps.py", "hexes"): "geo.review.hex_bins: hexagon geometry and counts only",
    ("dashboard/auth.py",
     "f\"<script>document.cookie = '{COOKIE}={pending}; Max-Age={age}; Path=/; "
     "SameSite=Strict';</script>\""):
        "a session token from secrets.token_urlsafe (or empty) and a whole number",
    ("dashboard/maps.py", "_legend_html(label, dark)"):
        "constant colours; every label through html_text",
}


class SinkChecker:
    """Finds user text that can reach a sink without its guard, in a set of modules.

    The rule, kept simple on purpose:

    * **Markdown sinks** — ``<st or a container>.title/header/subheader/caption/markdown/
      info/warning/error/success/toast/write(x)``, the label (first argument) of widgets
      (``button``, ``radio``, ``selectbox``, ``metric``, …) and the options of ``radio`` /
      ``pills`` / ``segmented_control`` (``format_func`` or, without one, the options): *x*
      must be *md-safe*: a constant; a call of ``t``, ``md_text`` or ``label`` (our catalogue,
      parameters escaped); ``int/len/float/round/abs``; a number formatted with a numeric
      format spec (``{v:.5f}``); an f-string, ``+``, ``a if c else b`` or ``sep.join(…)``
      made only of md-safe parts; a local function whose every ``return`` is md-safe; a
      name whose every binding in scope is md-safe; ``state.get("k")`` when every
      ``state.set("k", v)`` in the package stores md-safe text (tuples element by element).
    * **unsafe_allow_html=True** (and ``st.html``): the argument is a constant or a name
      bound once to a constant.
    * **HTML/Jinja sinks** (folium/branca compile the rendered text as a template):
      ``folium.Popup/Tooltip/Element/Html/IFrame(x)``, ``DivIcon(html=x)``, any
      ``tooltip=x`` / ``popup=x``, ``GeoJsonTooltip/GeoJsonPopup(aliases=…)``: *x* must be
      *html-safe*: a constant; ``html_text(…)``; ``int/len/float/round/abs``; a lookup in one
      of our module-level constant dicts (``COLOURS.get(k)``); ``label(<constant>, …)``
      with constant arguments; arithmetic, f-strings, conditionals and joins made only of
      html-safe parts; names and local functions as above. ``folium.GeoJson(data)``
      embeds every property in the page: *data* must be ``_inert_props(…)`` or a
      ``GeoDataFrame(geometry=…)`` with no other column.
    * Anything else (a subscript like ``row["name"]``, an attribute, ``str(e)``, a function
      parameter, a loop variable) is user text. ``REVIEWED`` lists the few expressions
      checked by hand, each with the reason; an entry matches only its exact source.
    """

    def __init__(self, files: dict[str, str]) -> None:
        self.files = files
        self.trees = {name: ast.parse(src, filename=name) for name, src in files.items()}
        self.parent: dict[ast.AST, ast.AST] = {}
        self.module_of: dict[ast.AST, str] = {}
        for name, tree in self.trees.items():
            for node in ast.walk(tree):
                self.module_of[node] = name
                for child in ast.iter_child_nodes(node):
                    self.parent[child] = node
        self.setters: dict[str, list[ast.AST]] = {}
        for tree in self.trees.values():
            for node in ast.walk(tree):
                if self._is_state_call(node, "set") and len(node.args) >= 2 and \
                        isinstance(node.args[0], ast.Constant):
                    self.setters.setdefault(node.args[0].value, []).append(node.args[1])
        self._bindings: dict[ast.AST, dict[str, list]] = {}
        self.violations: list[str] = []

    # ---- scopes and bindings ----------------------------------------------------------
    def _scope(self, node: ast.AST) -> ast.AST:
        cur = self.parent.get(node)
        while cur is not None and not isinstance(
                cur, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.Module |
                ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
            cur = self.parent.get(cur)
        return cur

    def _own_nodes(self, scope: ast.AST):
        """Nodes of *scope* not inside a nested function, lambda or comprehension."""
        todo = list(ast.iter_child_nodes(scope))
        while todo:
            n = todo.pop()
            yield n
            if not isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda |
                              ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
                todo.extend(ast.iter_child_nodes(n))

    def bindings(self, scope: ast.AST) -> dict[str, list]:
        if scope in self._bindings:
            return self._bindings[scope]
        out: dict[str, list] = {}

        def bind(target: ast.AST, value) -> None:
            if isinstance(target, ast.Name):
                out.setdefault(target.id, []).append(value)
            elif isinstance(target, ast.Tuple | ast.List):
                elts = None
                if isinstance(value, ast.Tuple | ast.List) and len(value.elts) == len(
                        target.elts) and not any(isinstance(e, ast.Starred)
                                                 for e in value.elts):
                    elts = value.elts
                for i, t in enumerate(target.elts):
                    bind(t.value if isinstance(t, ast.Starred) else t,
                         elts[i] if elts is not None else UNKNOWN)
            # attribute / subscript targets mutate an object: see _mutated

        if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            a = scope.args
            for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]:
                if arg is not None:
                    out.setdefault(arg.arg, []).append(UNKNOWN)
        if isinstance(scope, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
            for gen in scope.generators:
                bind(gen.target, UNKNOWN)
        for n in self._own_nodes(scope):
            if isinstance(n, ast.Assign):
                for t in n.targets:
                    bind(t, n.value)
            elif isinstance(n, ast.AnnAssign) and n.value is not None:
                bind(n.target, n.value)
            elif isinstance(n, ast.AugAssign | ast.For | ast.AsyncFor):
                bind(n.target, UNKNOWN)
            elif isinstance(n, ast.withitem) and n.optional_vars is not None:
                bind(n.optional_vars, UNKNOWN)
            elif isinstance(n, ast.NamedExpr):
                bind(n.target, n.value)
            elif isinstance(n, ast.ExceptHandler) and n.name:
                out.setdefault(n.name, []).append(UNKNOWN)
            elif isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef):
                out.setdefault(n.name, []).append(n)
            elif isinstance(n, ast.Import | ast.ImportFrom):
                for alias in n.names:
                    out.setdefault((alias.asname or alias.name).split(".")[0], []).append(n)
            elif isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and \
                    isinstance(n.func.value, ast.Name) and n.func.attr in (
                        "append", "extend", "insert", "update", "setdefault", "add"):
                out.setdefault(n.func.value.id, []).append(UNKNOWN)
        for n in self._own_nodes(scope):
            if isinstance(n, ast.Assign | ast.AugAssign):
                for t in (n.targets if isinstance(n, ast.Assign) else [n.target]):
                    if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name):
                        out.setdefault(t.value.id, []).append(UNKNOWN)
        self._bindings[scope] = out
        return out

    def lookup(self, name: ast.Name) -> list:
        scope = self._scope(name)
        while scope is not None:
            b = self.bindings(scope)
            if name.id in b:
                return b[name.id]
            scope = self._scope(scope) if not isinstance(scope, ast.Module) else None
        return [UNKNOWN]

    def _module_const_dict(self, node: ast.AST) -> bool:
        """*node* names one of our module-level dicts of constants (colours, symbols)."""
        if not isinstance(node, ast.Name):
            return False
        vals = self.lookup(node)
        return bool(vals) and all(
            isinstance(v, ast.Dict) and all(isinstance(x, ast.Constant) for x in v.values)
            and isinstance(self._scope(v), ast.Module) for v in vals)

    @staticmethod
    def _is_state_call(node: ast.AST, method: str) -> bool:
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == method):
            return False
        recv = node.func.value
        return (isinstance(recv, ast.Name) and recv.id == "state") or (
            isinstance(recv, ast.Attribute) and recv.attr == "session_state")

    # ---- tuples (outcome tuples kept in session state) ---------------------------------
    def tuples(self, node, seen: frozenset = frozenset()) -> list[list] | None:
        """Possible element lists of a tuple-valued expression, or None when unknown."""
        if node is UNKNOWN or id(node) in seen:
            return None
        seen = seen | {id(node)}
        if isinstance(node, ast.Constant) and node.value is None:
            return []
        if isinstance(node, ast.Tuple):
            options: list[list] = [[]]
            for e in node.elts:
                if isinstance(e, ast.Starred):
                    inner = self.tuples(e.value, seen)
                    if inner is None:
                        return None
                    options = [o + i for o in options for i in inner]
                else:
                    options = [o + [e] for o in options]
            return options
        if isinstance(node, ast.IfExp):
            parts = [self.tuples(node.body, seen), self.tuples(node.orelse, seen)]
            return None if None in parts else parts[0] + parts[1]
        if isinstance(node, ast.BoolOp):
            parts = [self.tuples(v, seen) for v in node.values]
            return None if None in parts else [x for p in parts for x in p]
        if isinstance(node, ast.Name):
            parts = [self.tuples(v, seen) for v in self.lookup(node)]
            return None if None in parts else [x for p in parts for x in p]
        if self._is_state_call(node, "get") and node.args and \
                isinstance(node.args[0], ast.Constant):
            parts = [self.tuples(v, seen) for v in self.setters.get(node.args[0].value, [])]
            return None if None in parts else [x for p in parts for x in p]
        return None

    # ---- safety ------------------------------------------------------------------------
    @staticmethod
    def _numeric_spec(fv: ast.FormattedValue) -> bool:
        spec = fv.format_spec
        if spec is None or not all(isinstance(v, ast.Constant) for v in spec.values):
            return False
        text = "".join(str(v.value) for v in spec.values)
        return bool(re.fullmatch(r"[^a-zA-Z]*[bcdeEfFgGnoxX%]", text))

    def safe(self, node, mode: str, seen: frozenset = frozenset()) -> bool:
        """*node* cannot carry user text into a *mode* ("md" or "html") sink."""
        if node is UNKNOWN or node is None:
            return False
        if id(node) in seen:
            return True  # a cycle adds nothing new
        seen = seen | {id(node)}
        s = lambda n: self.safe(n, mode, seen)  # noqa: E731
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.JoinedStr):
            return all(isinstance(v, ast.Constant) or (
                isinstance(v, ast.FormattedValue) and (self._numeric_spec(v) or s(v.value)))
                for v in node.values)
        if isinstance(node, ast.FormattedValue):
            return s(node.value)
        if isinstance(node, ast.BinOp):
            return s(node.left) and s(node.right)
        if isinstance(node, ast.UnaryOp):
            return s(node.operand)
        if isinstance(node, ast.IfExp):
            return s(node.body) and s(node.orelse)
        if isinstance(node, ast.BoolOp):
            return all(s(v) for v in node.values)
        if isinstance(node, ast.Tuple | ast.List):
            return all(s(e) for e in node.elts)
        if isinstance(node, ast.ListComp | ast.GeneratorExp | ast.SetComp):
            return s(node.elt)
        if isinstance(node, ast.Name):
            vals = self.lookup(node)
            return all(self._safe_binding(v, mode, seen) for v in vals)
        if isinstance(node, ast.Subscript):
            if mode == "html" and self._module_const_dict(node.value):
                return True
            idx = node.slice
            if isinstance(idx, ast.Constant) and isinstance(idx.value, int):
                options = self.tuples(node.value)
                if options is not None:
                    return all(len(o) > idx.value and s(o[idx.value]) for o in options)
            return False
        if isinstance(node, ast.Call):
            return self._safe_call(node, mode, seen)
        return False

    def _safe_binding(self, value, mode: str, seen: frozenset) -> bool:
        if isinstance(value, ast.Import | ast.ImportFrom):
            return False
        if isinstance(value, ast.FunctionDef | ast.AsyncFunctionDef):
            return False
        return self.safe(value, mode, seen)

    def _returns(self, fn: ast.FunctionDef) -> list:
        rets = [n.value for n in self._own_nodes(fn) if isinstance(n, ast.Return)]
        return rets or [None]

    def _safe_call(self, node: ast.Call, mode: str, seen: frozenset) -> bool:
        f = node.func
        s = lambda n: self.safe(n, mode, seen)  # noqa: E731
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) \
            else None
        if name in NUMERIC_CALLS:
            return True
        if mode == "md" and isinstance(f, ast.Name) and name in MD_SAFE_CALLS:
            return True
        if mode == "html":
            if name == "html_text":
                return True
            if name == "label" and all(isinstance(a, ast.Constant) for a in node.args) and \
                    all(isinstance(k.value, ast.Constant) or k.arg == "lang"
                        for k in node.keywords):
                return True
            if isinstance(f, ast.Attribute) and f.attr == "get" and \
                    self._module_const_dict(f.value) and \
                    all(isinstance(a, ast.Constant) for a in node.args[1:]):
                return True
        if isinstance(f, ast.Attribute) and f.attr == "join" and \
                isinstance(f.value, ast.Constant) and len(node.args) == 1:
            return s(node.args[0])
        if isinstance(f, ast.Name):
            defs = self.lookup(f)
            fns = [d for d in defs if isinstance(d, ast.FunctionDef | ast.AsyncFunctionDef)]
            if fns and len(fns) == len(defs):
                return all(self.safe(r, mode, seen) for fn in fns for r in self._returns(fn))
        if self._is_state_call(node, "get") and node.args and \
                isinstance(node.args[0], ast.Constant):
            vals = self.setters.get(node.args[0].value, [])
            return all(s(v) for v in vals)
        return False

    # ---- the sinks ---------------------------------------------------------------------
    def _flag(self, node: ast.AST, arg: ast.AST, why: str, mode: str | None = None) -> None:
        if mode is not None and self.safe(arg, mode):
            return
        module = self.module_of[node]
        src = ast.unparse(arg)
        if (module, src) in REVIEWED:
            return
        self.violations.append(f"{module}:{node.lineno}: {why}: {src[:90]}")

    def _receiver(self, func: ast.AST) -> str | None:
        """The method name of a Streamlit-looking call (``st.x``, ``col.x``, ``st.sidebar.x``,
        ``(st.warning if … else st.error)(…)``), or None."""
        if isinstance(func, ast.Attribute):
            base = func.value
            if isinstance(base, ast.Name) and base.id in NOT_STREAMLIT:
                return None
            if isinstance(base, ast.Constant):
                return None
            return func.attr
        return None

    def check(self) -> list[str]:
        for tree in self.trees.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.Call):
                    self._check_call(node)
        return self.violations

    def _first(self, node: ast.Call, *names: str):
        if node.args and not isinstance(node.args[0], ast.Starred):
            return node.args[0]
        for k in node.keywords:
            if k.arg in names:
                return k.value
        return None

    def _check_call(self, node: ast.Call) -> None:
        funcs = [node.func]
        if isinstance(node.func, ast.IfExp):
            funcs = [node.func.body, node.func.orelse]
            if isinstance(node.func.orelse, ast.IfExp):
                funcs = [node.func.body, node.func.orelse.body, node.func.orelse.orelse]
        kw = {k.arg: k.value for k in node.keywords if k.arg}
        for func in funcs:
            meth = self._receiver(func)
            fname = func.id if isinstance(func, ast.Name) else meth
            # unsafe_allow_html / st.html: constants only.
            unsafe = kw.get("unsafe_allow_html")
            if (isinstance(unsafe, ast.Constant) and unsafe.value is True) or meth == "html":
                arg = self._first(node, "body", "html")
                if arg is not None and not self._constant(arg):
                    self._flag(node, arg, "unsafe_allow_html with a non-constant")
                continue
            if meth in MD_SINKS:
                args = node.args if meth == "write" else [self._first(node, "body")]
                for a in args:
                    if a is not None:
                        self._flag(node, a, f"markdown sink st.{meth}", "md")
            if meth in MD_LABELS:
                label_arg = self._first(node, "label")
                if label_arg is not None:
                    self._flag(node, label_arg, f"markdown label of {meth}", "md")
                if meth == "metric" and len(node.args) > 1:
                    self._flag(node, node.args[1], "markdown value of metric", "md")
            if meth in MD_OPTIONS:
                self._check_options(node, kw, meth)
            if fname in HTML_SINKS:
                arg = kw.get("html") if fname == "DivIcon" else self._first(
                    node, "html", "text", "data")
                if arg is not None:
                    self._flag(node, arg, f"HTML/Jinja sink {fname}", "html")
            if fname in GEOJSON_HELP:
                for key in ("fields", "aliases"):
                    if key in kw:
                        self._flag(node, kw[key], f"{fname} {key}", "html")
            if fname == "GeoJson":
                self._check_geojson(node)
        for key in ("tooltip", "popup"):
            value = kw.get(key)
            if value is None:
                continue
            if isinstance(value, ast.Call):
                callee = value.func.attr if isinstance(value.func, ast.Attribute) else \
                    getattr(value.func, "id", None)
                if callee in HTML_SINKS | GEOJSON_HELP:
                    continue  # checked as a call of its own
            self._flag(node, value, f"{key}= (HTML/Jinja)", "html")

    def _constant(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.Name):
            vals = self.lookup(node)
            return len(vals) == 1 and isinstance(vals[0], ast.Constant)
        return False

    def _check_options(self, node: ast.Call, kw: dict, meth: str) -> None:
        fmt = kw.get("format_func")
        if fmt is None:
            opts = node.args[1] if len(node.args) > 1 else kw.get("options")
            if opts is not None:
                self._flag(node, opts, f"markdown options of {meth}", "md")
            return
        if isinstance(fmt, ast.Lambda):
            self._flag(node, fmt.body, f"markdown options of {meth} (format_func)", "md")
            return
        if isinstance(fmt, ast.Attribute) and fmt.attr == "get" and \
                isinstance(fmt.value, ast.Name):
            vals = self.lookup(fmt.value)
            ok = bool(vals) and all(
                isinstance(v, ast.DictComp) and self.safe(v.value, "md") or
                isinstance(v, ast.Dict) and all(self.safe(x, "md") for x in v.values)
                for v in vals)
            if not ok:
                self._flag(node, fmt, f"markdown options of {meth} (format_func)")
            return
        if isinstance(fmt, ast.Name):
            defs = self.lookup(fmt)
            if defs and all(isinstance(d, ast.FunctionDef) for d in defs) and all(
                    self.safe(r, "md") for d in defs for r in self._returns(d)):
                return
        self._flag(node, fmt, f"markdown options of {meth} (format_func)")

    def _check_geojson(self, node: ast.Call) -> None:
        data = self._first(node, "data")
        if data is None:
            return
        if isinstance(data, ast.Call):
            callee = getattr(data.func, "id", None) or getattr(data.func, "attr", None)
            if callee == "_inert_props":
                return
            if callee == "GeoDataFrame" and not data.args and \
                    {k.arg for k in data.keywords} <= {"geometry", "crs"}:
                return
        self._flag(node, data, "folium.GeoJson data (properties are compiled as a template)")


def _dashboard_sources() -> dict[str, str]:
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
            for p in sorted((ROOT / "dashboard").rglob("*.py"))}


def test_no_user_text_reaches_a_sink_without_its_guard():
    violations = SinkChecker(_dashboard_sources()).check()
    assert not violations, "user text reaches a sink unguarded:\n" + "\n".join(violations)


def _violations(source: str) -> list[str]:
    return SinkChecker({"dashboard/x.py": textwrap.dedent(source)}).check()


@pytest.mark.parametrize("source", [
    "st.caption(user_value)",
    "st.caption(row['name'])",
    "st.markdown(f'**{name}**')",
    "st.error(str(e))",
    "cols[0].caption(site.name)",
    "(st.warning if x else st.error)(text)",
    "st.title(t('x') + name)",
    "def f(e):\n    return str(e)\nst.info(f(e))",
    "msg = row['name']\nst.success(msg)",
    "state.set('o', (1, 'ok', str(e)))\no = state.get('o')\nst.error(o[2])",
    "st.markdown(f'<b>{t(\"x\")}</b>', unsafe_allow_html=True)",
    "st.markdown(CSS + x, unsafe_allow_html=True)",
    "st.button(row['name'])",
    "names = dict(zip(a, b))\nst.radio('x', list(names), format_func=names.get)",
    "st.radio('x', names)",
    "folium.Tooltip(name)",
    "folium.Popup(f'<b>{row[\"name\"]}</b>')",
    "folium.Marker([1, 2], tooltip=f'{s.name} — {html_text(s.status)}')",
    "folium.CircleMarker([1, 2], popup=name)",
    "folium.DivIcon(html=f'<div>{u.code}</div>')",
    "folium.Marker([1, 2], icon=folium.DivIcon(html='<div>' + name + '</div>'))",
    "folium.GeoJson(gdf, tooltip=folium.GeoJsonTooltip(['name']))",
    "folium.Element(user_html)",
])
def test_sink_checker_catches_a_violation(source):
    assert _violations(source), f"not caught: {source}"


@pytest.mark.parametrize("source", [
    "st.caption(t('x', name=user_value))",
    "st.title(f\"{t('live.title', lang)} — {md_text(names)}\")",
    "st.caption(t('a') + ': ' + (f'{p[1]:.5f}, {p[0]:.5f}' if p else t('b')))",
    "def _l(g, c):\n    return label(g, c, lang)\nst.subheader(_l('kind', k))",
    "state.set('o', (1, t('x'))); state.set('o', None)\no = state.get('o')\n"
    "st.warning(o[1])",
    "CSS = '<style></style>'\nst.markdown(CSS, unsafe_allow_html=True)",
    "folium.Tooltip(html_text(name))",
    "C = {'a': '#fff'}\nfolium.DivIcon(html=f'<div style=\"color:{C.get(k, \"#000\")}\">'\n"
    "    f'{html_text(n)} {int(i.id)}</div>')",
    "folium.Marker([1, 2], tooltip=f'{html_text(s.name)} — {html_text(label(\"x\", s))}')",
    "folium.GeoJson(_inert_props(gdf), tooltip=folium.GeoJsonTooltip(['name']))",
    "labels = {r.code: t('x', name=r.name) for r in rows}\n"
    "st.radio('x', list(labels), format_func=labels.get)",
])
def test_sink_checker_allows_guarded_text(source):
    assert not _violations(source), _violations(source)


def test_every_reviewed_exception_still_exists():
    """A reviewed expression that no longer exists is dropped from REVIEWED, so the list
    stays the list of what was actually checked by hand."""
    files = _dashboard_sources()
    found = {(name, ast.unparse(n)) for name, src in files.items()
             for n in ast.walk(ast.parse(src)) if isinstance(n, ast.expr)}
    stale = sorted(set(REVIEWED) - found)
    assert not stale, f"REVIEWED entries that match nothing: {stale}"

