"""dashboard/mapview.py calls streamlit-folium's private functions (names starting with
``_``, and its component with the arguments ``st_folium`` gives it). pyproject.toml pins
streamlit-folium to the minor version this was written against; this test says which
function vanished or no longer takes what mapview.py passes, should the pin be moved.

The names and the arguments are read from mapview.py's source, so a new use is checked
without editing this file."""

from __future__ import annotations

import ast
import inspect
import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
import streamlit_folium

ROOT = Path(__file__).resolve().parents[2]
MAPVIEW = ROOT / "dashboard" / "mapview.py"


@dataclass(frozen=True)
class Call:
    name: str
    line: int
    positional: int
    keywords: tuple[str, ...]
    star: bool  # *args or **kwargs: what is passed cannot be known from the source


def _aliases(tree: ast.Module) -> tuple[set[str], dict[str, str]]:
    """The names the module gives streamlit_folium, and names imported from it
    (local name -> streamlit_folium's name)."""
    modules, names = set(), {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {a.asname or a.name for a in node.names if a.name == "streamlit_folium"}
        elif isinstance(node, ast.ImportFrom) and node.module == "streamlit_folium":
            names |= {a.asname or a.name: a.name for a in node.names}
    return modules, names


def _used(source: str) -> tuple[set[str], list[Call]]:
    """Every streamlit_folium name *source* uses, and every call of one."""
    tree = ast.parse(source)
    modules, imported = _aliases(tree)

    def target(func: ast.expr) -> str | None:
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                and func.value.id in modules:
            return func.attr
        if isinstance(func, ast.Name) and func.id in imported:
            return imported[func.id]
        return None

    names = set(imported.values())
    for node in ast.walk(tree):
        if isinstance(node, ast.expr) and (n := target(node)):
            names.add(n)
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (n := target(node.func)):
            star = any(isinstance(a, ast.Starred) for a in node.args) or any(
                k.arg is None for k in node.keywords)
            calls.append(Call(n, node.lineno, len(node.args),
                              tuple(k.arg for k in node.keywords if k.arg), star))
    return names, calls


NAMES, CALLS = _used(MAPVIEW.read_text(encoding="utf-8"))
PRIVATE = sorted(n for n in NAMES if n.startswith("_"))


def _own_calls(name: str) -> list[Call]:
    """Calls of *name* inside streamlit_folium's own source (its names are bare there)."""
    tree = ast.parse(Path(inspect.getfile(streamlit_folium)).read_text(encoding="utf-8"))
    return [Call(name, n.lineno, len(n.args), tuple(k.arg for k in n.keywords if k.arg),
                 any(k.arg is None for k in n.keywords))
            for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name]


def test_the_source_is_read():
    # What mapview.py is known to use; if it stops, the list shrinks and that is fine,
    # but finding none means the parsing above broke.
    assert {"_get_html", "_get_header", "_get_map_string", "_get_feature_group_string",
            "_component_func"} <= set(PRIVATE), PRIVATE
    assert any(c.name == "_component_func" for c in CALLS)
    # A use through another spelling is found too.
    names, calls = _used("from streamlit_folium import _x as y\nimport streamlit_folium\n"
                         "y(1, a=2)\nstreamlit_folium._z()\n")
    assert names == {"_x", "_z"}
    assert sorted((c.name, c.positional, c.keywords) for c in calls) == [
        ("_x", 1, ("a",)), ("_z", 0, ())]


@pytest.mark.parametrize("name", sorted(NAMES))
def test_every_name_mapview_uses_still_exists(name):
    version = metadata.version("streamlit-folium")
    assert hasattr(streamlit_folium, name), (
        f"streamlit_folium.{name} (used by dashboard/mapview.py) is gone in "
        f"streamlit-folium {version}")


@pytest.mark.parametrize("call", CALLS, ids=lambda c: f"{c.name}@mapview.py:{c.line}")
def test_every_call_fits_the_signature(call):
    """Each call in mapview.py binds to the function's signature as installed: no
    argument it passes was renamed or removed, no new one is required."""
    version = metadata.version("streamlit-folium")
    func = getattr(streamlit_folium, call.name, None)
    assert func is not None, f"streamlit_folium.{call.name} is gone in {version}"
    assert not call.star, f"mapview.py:{call.line} passes *args/**kwargs to {call.name}: " \
        "this test cannot check what"
    sig = inspect.signature(func)
    try:
        sig.bind(*[None] * call.positional, **dict.fromkeys(call.keywords))
    except TypeError as e:
        pytest.fail(f"streamlit_folium.{call.name}{sig} (streamlit-folium {version}) no "
                    f"longer takes what dashboard/mapview.py:{call.line} passes "
                    f"({call.positional} positional, keywords {list(call.keywords)}): {e}")
    if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        # **kwargs takes anything (the component: its arguments go to the front end).
        # What it must be given is what streamlit-folium's own code gives it.
        own = _own_calls(call.name)
        assert own, (f"streamlit_folium.{call.name} takes **kwargs and streamlit-folium "
                     f"{version} no longer calls it itself: nothing to compare "
                     f"mapview.py:{call.line} with")
        mine = set(call.keywords)
        for theirs in own:
            assert mine == set(theirs.keywords) \
                and call.positional == theirs.positional, (
                f"streamlit_folium.{call.name}: streamlit-folium {version} calls it with "
                f"{sorted(theirs.keywords)}, dashboard/mapview.py:{call.line} with "
                f"{sorted(call.keywords)}; missing {sorted(set(theirs.keywords) - mine)}, "
                f"extra {sorted(mine - set(theirs.keywords))}")


def test_the_pin_holds_the_installed_version():
    """pyproject pins streamlit-folium to one minor version (mapview.py's private calls);
    the installed one is inside it."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    spec = re.search(r'"streamlit-folium(>=[\d.]+,<[\d.]+)"', text)
    assert spec, "pyproject.toml must pin streamlit-folium as >=X.Y,<X.Z"
    low, high = (tuple(int(p) for p in v.split(".")) for v in
                 re.findall(r"[<>]=?([\d.]+)", spec.group(1)))
    got = tuple(int(p) for p in re.findall(r"\d+", metadata.version("streamlit-folium"))[:3])
    assert low <= got < high, (got, spec.group(1))
