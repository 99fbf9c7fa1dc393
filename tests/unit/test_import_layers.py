"""geo's modules in layers, the way the imports read (issue 28).

Every module under geo/ is parsed with ``ast`` (no import is run) and every import in it,
at module level or inside a function, is an edge of the graph. Two rules:

* no cycle among geo's modules;
* no module imports from a layer above its own. A module may import from its own layer
  or any layer below.

The order is written once, here, as data: the lowest layer first. A module belongs to
the layer naming it or, failing that, the one naming its nearest package (``geo.io``
holds every module under geo/io/ that is not named on its own). Every module must fall
in some layer, so a new module is placed on purpose.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

GEO = Path(__file__).resolve().parents[2] / "geo"

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    # Imports nothing of geo's but each other: errors, settings, time, text, the data a
    # layer file must hold, the 2025 administrative units (reference data).
    ("base", ("geo", "geo.errors", "geo.settings", "geo.clock", "geo.codec", "geo.palette",
              "geo.mapclick",
              "geo.i18n", "geo.checks", "geo.web", "geo.lifecycle", "geo.layer_schemas",
              "geo.admin2025")),
    # The database: the one place that reads and writes it.
    ("store", ("geo.store",)),
    # Geometry, and the stored layers read back as geometry ("which hamlet is this in").
    ("places", ("geo.analysis.spatial", "geo.analysis.places")),
    # The domain's commands and reads: each writes through the store.
    ("domain", ("geo.accounts", "geo.registry", "geo.sites", "geo.units", "geo.incidents",
                "geo.audit", "geo.view", "geo.event_text", "geo.calendar",
                "geo.reports_due", "geo.complaint_rules", "geo.complaints")),
    # Figures computed from the domain: dispatch, metrics, patrols, replay, the review.
    ("analysis", ("geo.analysis",)),
    # Files: reading layer files, writing exports and reports, importing a file's layers.
    # geo.upward makes a report upward with the written review (geo.io.report), and the
    # exports write its register.
    ("io", ("geo.io", "geo.upward")),
    # The demo and the drills, which play the whole day through the commands.
    ("drills", ("geo.drills",)),
    # The command line, on top of everything.
    ("cli", ("geo.cli", "geo.cli_accounts", "geo.cli_output", "geo.cli_parser",
             "geo.cli_reports", "geo.cli_complaints")),
]


@dataclass(frozen=True)
class Edge:
    source: str  # module importing
    target: str  # module imported
    where: str  # file:line

    def __str__(self) -> str:
        return f"{self.where}: {self.source} -> {self.target}"


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(GEO.rglob("*.py")):
        parts = path.relative_to(GEO.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _imports(name: str, path: Path, modules: dict[str, Path]) -> list[Edge]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if _is_package(path) else name.rpartition(".")[0]
    rel = path.relative_to(GEO.parent)
    edges = []
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")
                up = up[:len(up) - (node.level - 1)]
                base = ".".join([*up, base] if base else up)
            for a in node.names:
                sub = f"{base}.{a.name}"
                targets.append(sub if sub in modules else base)
        for target in targets:
            # "import geo.io.layers" or a name inside a module: the deepest geo module.
            while target and target not in modules:
                target = target.rpartition(".")[0]
            edge = Edge(name, target, f"{rel}:{node.lineno}")
            if target and target != name and edge not in edges:
                edges.append(edge)
    return edges


def _graph() -> tuple[dict[str, Path], list[Edge]]:
    modules = _modules()
    edges = [e for name, path in modules.items() for e in _imports(name, path, modules)]
    return modules, edges


def _layer(module: str) -> int | None:
    """Index of *module*'s layer: the entry naming it, else its nearest package's."""
    best: tuple[int, int] | None = None  # (length of the name matched, layer)
    for i, (_, names) in enumerate(LAYERS):
        for n in names:
            if module == n or (n != "geo" and module.startswith(n + ".")):
                if best is None or len(n) > best[0]:
                    best = (len(n), i)
    return None if best is None else best[1]


def test_the_graph_sees_geo_and_its_imports():
    modules, edges = _graph()
    assert {"geo.store", "geo.cli", "geo.clock"} <= set(modules) or \
        {"geo.cli", "geo.clock"} <= set(modules)
    assert Edge("geo.clock", "geo.errors", "geo/clock.py:17") in edges or any(
        e.source == "geo.clock" and e.target == "geo.errors" for e in edges)
    # Function-level imports count too: the CLI imports its commands' modules late.
    assert any(e.source == "geo.cli" and e.target.startswith("geo.io") for e in edges)


def test_every_geo_module_has_a_layer():
    modules, _ = _graph()
    missing = sorted(m for m in modules if _layer(m) is None)
    assert not missing, ("modules in no layer (add each to LAYERS in this test): "
                         + ", ".join(missing))


def test_no_import_reaches_up_a_layer():
    _, edges = _graph()
    up = [e for e in edges if (_layer(e.source) or 0) < (_layer(e.target) or 0)]
    assert not up, "imports from a lower layer up to a higher one:\n" + "\n".join(
        f"  {e} ({LAYERS[_layer(e.source)][0]} -> {LAYERS[_layer(e.target)][0]})"
        for e in up)


def test_no_import_cycle_among_geo_modules():
    modules, edges = _graph()
    out: dict[str, list[Edge]] = {m: [] for m in modules}
    for e in edges:
        out[e.source].append(e)
    cycles: list[list[Edge]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[Edge] = []

    def visit(m: str) -> None:
        state[m] = 1
        for e in out[m]:
            if state.get(e.target) == 1:
                start = next(i for i, p in enumerate(path) if p.source == e.target) \
                    if e.target != m else len(path)
                cycles.append([*path[start:], e])
            elif e.target not in state:
                path.append(e)
                visit(e.target)
                path.pop()
        state[m] = 2

    for m in sorted(modules):
        if m not in state:
            visit(m)
    assert not cycles, "import cycles among geo modules:\n" + "\n".join(
        "  " + "\n    ".join(str(e) for e in c) for c in cycles)
