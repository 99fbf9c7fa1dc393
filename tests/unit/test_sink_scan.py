"""The sink enumeration: an AST scan of ``dashboard/`` (``tests/sink_checker.py``) that
fails when user text can reach a markdown, HTML or Jinja sink without its guard.
"""

from __future__ import annotations

import ast
import textwrap

import pytest

from .. import hostile
from ..conftest import ROOT
from ..sink_checker import REVIEWED, SinkChecker


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


def test_palette_holds_only_constants():
    """The checker trusts names from geo.palette: keep it literal constants only."""
    tree = ast.parse((ROOT / "geo" / "palette.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign):
            assert isinstance(ast.literal_eval(node.value), dict | list | str), \
                ast.unparse(node)
        else:
            assert isinstance(node, ast.Expr | ast.ImportFrom), ast.unparse(node)


@pytest.mark.parametrize("payload", list(hostile.PAYLOADS.values())[:12] + [hostile.NFD],
                         ids=list(hostile.PAYLOADS)[:12] + ["nfd"])
def test_command_outcomes_are_inert(payload):
    """What a refused command says (``dashboard.actions.attempt``, reviewed above) carries
    user text only through md_text: a refusal, a problem's reason, who changed a row."""
    from datetime import datetime

    from dashboard import actions
    from geo.checks.inert import md_text
    from geo.errors import AnttError, Invalid, Problem, StaleVersion

    def raises(e: Exception):
        def command() -> None:
            raise e
        return command

    assert actions.attempt(raises(AnttError(payload)), "vi", "status") == (
        "error", md_text(payload))
    assert actions.attempt(raises(Invalid([Problem("note", payload)])), "vi", "status") == (
        "error", md_text(payload))
    kind, text = actions.attempt(raises(StaleVersion("incident", 1, 1, 2, payload,
                                                     datetime(2021, 5, 23))), "vi", "status")
    assert kind == "stale" and md_text(payload) in text
    assert actions.attempt(lambda: None, "vi", "status") is None
    assert actions.attempt(lambda: None, "vi", "status", done="xong") == ("ok", "xong")
