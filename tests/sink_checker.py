"""The sink checker ``tests/unit/test_sink_scan.py`` runs over ``dashboard/``: an AST scan
that finds each call where user text can reach a markdown, HTML or Jinja sink, and flags
it unless the text went through its guard (or the expression is in :data:`REVIEWED`,
checked by hand)."""

from __future__ import annotations

import ast
import re

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
    ("dashboard/calendar_strip.py", "prefix + strip.text"):
        "t() messages only (StripLine.text, and the prefix the live page gives); t() "
        "guards the calendar's names it is given (md_text)",
    ("dashboard/calendar_strip.py", "prefix"): "a t() message (the live page's time line)",
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
    ("dashboard/app_pages/live.py", "k['units_free']"): "a count",
    ("dashboard/app_pages/review.py", "name"):
        "review_figures.gather_review summary labels: catalogue messages with numbers in them",
    ("dashboard/app_pages/review.py", "value"):
        "review_figures.gather_review summary values: counts, durations, percentages, labels",
    ("dashboard/actions.py", "text"):
        "actions.attempt outcomes: t() messages and md_text(reason) "
        "(test_command_outcomes_are_inert)",
    ("dashboard/forms.py", "message"):
        "forms.send_report problems: t() messages and md_text(problem.reason / str(e))",
    ("dashboard/app_pages/operator.py", "errors['lon']"): "forms.send_report: see forms.py",
    ("dashboard/app_pages/operator.py", "errors['kind']"): "forms.send_report: see forms.py",
    ("dashboard/app_pages/operator.py", "errors['description']"):
        "forms.send_report: see forms.py",
    ("dashboard/app_pages/review.py", "fmt.upper()"): "one of geo.exports.FORMATS",
    ("dashboard/maps.py", "hexes"): "geo.review.hex_bins: hexagon geometry and counts only",
    ("dashboard/auth.py",
     "f\"<script>fetch('{path}', {{{body}, credentials: 'same-origin'}})"
     ".catch(() => {{}});</script>\""):
        "geo.web.session_path (a constant under Streamlit's baseUrlPath) and a constant "
        "request with a ticket from secrets.token_urlsafe",
    ("dashboard/maps.py", "_legend_html(label, dark)"):
        "constant colours; every label through html_text",
    ("dashboard/alerts.py", "_BEEP % json.dumps(sorted(ids))"):
        "a constant script and a JSON list of whole numbers (incident ids)",
    ("dashboard/chrome.py", "_CSS + _script(lang)"):
        "constants and our own streamlit_vi.json as JSON; lang is one of LANGS (app.py)",
}


def _from_palette(node: object) -> bool:
    return isinstance(node, ast.ImportFrom) and node.module == "geo.palette"


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
        """*node* names one of our module-level dicts of constants (colours, symbols), or a
        name from ``geo.palette`` (constants only: ``test_palette_holds_only_constants``)."""
        if not isinstance(node, ast.Name):
            return False
        vals = self.lookup(node)
        if vals and all(_from_palette(v) for v in vals):
            return True
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
        if _from_palette(value):
            return True
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
