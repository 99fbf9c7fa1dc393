"""Hostile text without a store: the guards of ``geo.inert`` and ``geo.text`` as
properties (hypothesis), the maps drawn from frames the store never cleaned, and the CSV
writers given formulas. The corpus is ``tests/hostile.py``.
"""

from __future__ import annotations

import csv
import functools
import html
import io
import re
import unicodedata
from pathlib import Path

import geopandas as gpd
import jinja2
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from geo.analysis.review import hex_bins
from geo.checks.inert import CSV_TRIGGERS, csv_cell, html_text, md_text, plain_text
from geo.checks.text import TEXT_MAX, clean_text

from .. import geofixtures as fx
from .. import hostile
from ..helpers_hostile import BENIGN, MAP_ACTIVE, _bad_char, _label, assert_inert_page

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
    # _md_unescape drops every zero-width space (md_text adds some): the input's own too.
    assert _md_unescape(out) == folded.replace("\u200b", "")


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
# Sinks without a store: maps drawn from frames the store never cleaned, CSV writers
# given formulas.
# ============================================================================================
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

    _assert_no_formula(exports.csv_bytes(_formula_frame()), "csv_bytes")
