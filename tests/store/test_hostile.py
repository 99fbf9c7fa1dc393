"""Hostile text and hostile files through a real store: user text never becomes a
template, markup, script or formula, wherever it is typed, imported, stored, drawn,
exported or printed.

The corpus is ``tests/hostile.py``; the guards themselves are tested in
``tests/unit/test_hostile_guards.py``, the sink scan in ``tests/unit/test_sink_scan.py``.
Sections:

2. every text field of every command with every payload: refused naming the field with
   nothing written, or stored clean (no control/bidi characters, NFC);
3. every layer kind × every text field from a GeoJSON file: refused naming row and field,
   or stored clean; nonsense numbers, times and codes refused naming row and field;
4. the command line (every other sink, with every payload stored: test_hostile_sinks.py).
"""

from __future__ import annotations

import functools
import json
import os
import re
import unicodedata
from datetime import date, datetime
from pathlib import Path

import pytest
from shapely.affinity import translate
from shapely.geometry import LineString, Point, box

from geo import incidents as inc
from geo import sites, units
from geo.analysis.places import load_layer
from geo.checks.text import CODE_MAX, NAME_MAX, TEXT_MAX, clean_text, code_problem
from geo.clock import Period
from geo.drills.demo import load_demo
from geo.drills.simulate import setup_time
from geo.errors import Invalid, NotFound, Problem
from geo.io.importer import apply_import, import_layer, plan_import
from geo.layer_schemas import SCHEMAS
from geo.store import Store

from .. import geofixtures as fx
from .. import hostile
from ..conftest import ROOT
from ..helpers_hostile import _bad_char

DAY = date(2021, 5, 23)
SETUP = setup_time(DAY)                  # 04:00 local, naive UTC
T0 = datetime(2021, 5, 23, 1, 0)         # 08:00 local
PERIOD = Period(datetime(2021, 5, 22, 17, 0), datetime(2021, 5, 23, 17, 0))


def assert_clean(value: object, where: str, multiline: bool = True) -> None:
    """A stored string: NFC, no control or bidi characters."""
    if not isinstance(value, str):
        return
    bad = sorted({f"U+{ord(c):04X}" for c in value if _bad_char(c, multiline)})
    assert not bad, f"{where}: stored with control/bidi characters {bad}: {value[:80]!r}"
    assert unicodedata.is_normalized("NFC", value), f"{where}: stored not in NFC: {value!r}"


# ============================================================================================
# Worlds: a store with the demo communes (commands, import), and a store where every
# payload sits in every text field (sinks).
# ============================================================================================
@pytest.fixture(scope="module")
def demo_db(new_database, tmp_path_factory) -> str:
    """A database with the demo communes, copied for each test (loading takes a second):
    a DuckDB file, or a PostgreSQL database used as a template."""
    path = new_database(tmp_path_factory.mktemp("demo"), "demo")
    s = Store(path)
    s.init()
    load_demo(s, at=SETUP)
    s.close()  # a template database must have no connection
    return path


@pytest.fixture
def demo(demo_db, new_database, tmp_path) -> Store:
    # No CHECKPOINT after each write: faster, same data.
    s = Store(new_database(tmp_path, template=demo_db), checkpoint=False)
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
    x, y = _point_in_demo_hamlet()
    args = dict(code=f"HS-{n}", name=f"Điểm {n}", lon=x, lat=y, actor="trực ban")
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


def _with(command: str, field: str, kind: str, run) -> tuple:
    """A row of COMMANDS: *run* with the payload as its keyword *field*."""
    return command, field, kind, lambda s, c, n, v: run(s, c, n, **{field: v})


# (command, field, kind of field, how to run it with the payload)
COMMANDS = [
    _with("incident.report", "description", TEXT, _report),
    _with("incident.report", "actor", ACTOR, _report),
    _with("incident.report", "site_code", CODE, _report),
    _with("incident.report", "target_code", CODE, _report),
    _with("incident.report", "hamlet_code", CODE, _report),
    _with("incident.report", "commune_code", CODE, _report),
    _with("incident.report", "request_id", CODE, _report),
    _with("incident.move", "note", TEXT, _incident_note),
    _with("incident.move", "actor", ACTOR, _incident_note),
    ("incident.dispatch", "team_code", CODE, lambda s, c, n, v: _dispatch(s, c, n, v)),
    _with("site.register", "code", CODE, _site_register),
    _with("site.register", "name", NAME, _site_register),
    _with("site.register", "hamlet_code", CODE, _site_register),
    _with("site.register", "commune_code", CODE, _site_register),
    _with("site.register", "actor", ACTOR, _site_register),
    _with("site.move", "reason", TEXT, _site_suspend),
    _with("site.move", "actor", ACTOR, _site_suspend),
    _with("unit.register", "code", CODE, _unit_register),
    _with("unit.register", "name", NAME, _unit_register),
    _with("unit.register", "route_code", CODE, _unit_register),
    _with("unit.register", "commune_code", CODE, _unit_register),
    _with("unit.register", "actor", ACTOR, _unit_register),
    _with("unit.check_in", "checkpoint_code", CODE, _check_in),
    _with("unit.check_in", "actor", ACTOR, _check_in),
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
        # 20 km east of the demo's communes: a commune overlapping a loaded one (the demo
        # An Phụ) is refused for that (issue 30), whatever its text.
        return ({"code": f"HX{n}", "name": f"Xã {n}", "district": "Kinh Môn",
                 "province": "Hải Dương", "admin_set": "2021-2025", "area_km2": 4.5,
                 "population": 9000, "source": "thử"},
                translate(sq, xoff=0.2))
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
        path = fx.write_features(tmp / f"{kind}-{attempt}.geojson", [rows[r] for r in remaining])
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
    path = fx.write_features(tmp_path / f"{kind}.geojson", [good, bad])
    with pytest.raises(Invalid) as e:
        import_layer(demo, path, kind, actor="nhập thử")
    assert any(p.field == field and p.row == 2 for p in e.value.problems), e.value.problems
    assert f"row 2, field '{field}'" in str(e.value)
    assert _events(demo) == before


# ---- the command line ------------------------------------------------------------------------
TERMINAL = hostile.CONTROL["ctl-terminal"]


def _cli(capsys, *argv) -> tuple[int, str, str]:
    """`antt` in this process with ANTT_PASSWORD exported (set again for each command: the
    CLI takes it out of the environment once it has read it; the test's monkeypatch
    removes it at the end)."""
    from geo.cli import main
    os.environ["ANTT_PASSWORD"] = PASSWORD
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
    path = fx.write_features(tmp_path / "sites.geojson", [
        ({**_base_row("sites", 1)[0], "name": TERMINAL}, _base_row("sites", 1)[1]),
        ({**_base_row("sites", 2)[0], "code": TERMINAL}, _base_row("sites", 2)[1])])
    code, out, err = _cli(capsys, "--db", db, "--user", "hxadmin", "import", str(path),
                          "--kind", "sites")
    assert code == 2 and "row 2, field 'code'" in err
    assert not set(out + err) & ESCAPES
