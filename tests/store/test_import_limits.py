"""Import limits against a real store: a file over any limit is refused and changes
nothing; the command line names the limit (in Vietnamese by default) and lists the first
problems of 10,000, then how many more."""

from __future__ import annotations

import subprocess

import pytest

from geo.analysis.places import load_layer
from geo.errors import Invalid
from geo.io.importer import import_layer

from .. import geofixtures as fx
from .. import helpers_limits as lim
from ..conftest import PYTHON, ROOT, cli_env


def _snapshot(store) -> tuple:
    h = load_layer(store, "hamlets")
    return (store.counts(), store.layers_version(), list(h["code"]),
            [g.wkb for g in h.geometry])


def _over_file(tmp_path):
    return fx.write(lim.hamlets_with(40), tmp_path / "thon.geojson"), \
        {"ANTT_IMPORT_MAX_FILE_MB": "0.001"}


def _over_unzipped(tmp_path):
    return lim.zipped_shapefile(lim.hamlets_with(40), tmp_path / "thon.zip",
                                extra={"big.bin": bytes(1_500_000)}), \
        {"ANTT_IMPORT_MAX_UNZIPPED_MB": "1"}


def _lying_member(tmp_path):
    path = lim.zipped_shapefile(lim.hamlets_with(40), tmp_path / "thon.zip",
                                extra={"layer.txt": bytes(1_500_000)})
    return lim.lie_about(path, "layer.txt", 10), {"ANTT_IMPORT_MAX_UNZIPPED_MB": "1"}


def _over_features(tmp_path):
    return fx.write(lim.hamlets_with(40), tmp_path / "thon.gpkg"), \
        {"ANTT_IMPORT_MAX_FEATURES": "3"}


def _over_vertices(tmp_path):
    return fx.write(lim.hamlets_with(2_000), tmp_path / "thon.geojson"), \
        {"ANTT_IMPORT_MAX_VERTICES": "1999"}


@pytest.mark.parametrize("make, key", [
    (_over_file, "import.limit.file"), (_over_unzipped, "import.limit.unzipped"),
    (_lying_member, "import.limit.unzipped_lie"), (_over_features, "import.limit.features"),
    (_over_vertices, "import.limit.vertices")])
def test_a_file_over_a_limit_changes_nothing(loaded, tmp_path, monkeypatch, make, key):
    path, env = make(tmp_path)
    before = _snapshot(loaded)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(Invalid) as e:
        import_layer(loaded, path, "hamlets", actor="t")
    assert [p.key for p in e.value.problems] == [key]
    assert path.name in str(e.value) or "row 1, field 'geometry'" in str(e.value)
    assert _snapshot(loaded) == before
    for name in env:  # the same file under the default limits
        monkeypatch.delenv(name)
    if key == "import.limit.unzipped_lie":  # within them, the lie is still found
        with pytest.raises(Invalid, match="declares 10 bytes but holds 1,500,000"):
            import_layer(loaded, path, "hamlets", actor="t")
        assert _snapshot(loaded) == before
        return
    plan = import_layer(loaded, path, "hamlets", actor="t")  # imported, a change
    assert plan.changed == ["C1-H1"]
    assert _snapshot(loaded) != before


def _antt(db, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "geo.cli", "--db", str(db), *args],
                          capture_output=True, text=True, env={**cli_env(db), **env},
                          cwd=ROOT, timeout=300, stdin=subprocess.DEVNULL)


@pytest.mark.slow
def test_the_command_line_lists_the_first_problems_then_how_many_more(loaded, db, tmp_path):
    path = lim.bad_sites_csv(tmp_path / "diem.csv", 10_000)
    before = _snapshot(loaded)
    loaded.close()
    r = _antt(db, "import", str(path), "--kind", "sites")
    assert r.returncode == 2
    lines = r.stderr.splitlines()
    errors = [x for x in lines if x.startswith("error: row ")]
    assert len(errors) == 50 and "row 1, field 'voters'" in errors[0]
    assert "row 50, field 'voters'" in errors[-1]
    assert "… and 9,950 more problems (not listed)" in lines
    assert lines[-1] == "10000 error(s): nothing imported"
    assert _snapshot(loaded) == before
    with pytest.raises(Invalid) as e:
        import_layer(loaded, path, "sites", actor="t")
    assert str(e.value).count("field 'voters'") == 50
    assert str(e.value).endswith("… and 9,950 more problems")


@pytest.mark.slow
def test_the_command_line_names_the_limit_in_vietnamese_by_default(loaded, db, tmp_path):
    path = fx.write(lim.hamlets_with(2_000), tmp_path / "thon.geojson")
    loaded.close()
    r = _antt(db, "import", str(path), "--kind", "hamlets", ANTT_LANG="vi",
              ANTT_IMPORT_MAX_VERTICES="1000")
    assert r.returncode == 2
    assert ("lỗi: dòng 1, trường 'geometry': 2,000 đỉnh, vượt giới hạn nhập 1,000 đỉnh một "
            "đối tượng (ANTT_IMPORT_MAX_VERTICES)") in r.stderr
    r = _antt(db, "import", str(path), "--kind", "hamlets", ANTT_LANG="en",
              ANTT_IMPORT_MAX_FILE_MB="0.01")
    assert r.returncode == 2
    assert "error: thon.geojson is" in r.stderr and "over the import limit of 10,000 bytes a file" \
        in r.stderr
