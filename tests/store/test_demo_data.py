"""The bundled demo data passes ``data/check_demo.py``: ``make_demo.py`` rebuilds every file
byte for byte, and each layer has its CRS, fields, geometry, unique codes, references,
places, NFC text, ISO times and areas, and reads through ``geo.io.layers`` without warnings.

Not a unit test: the script runs ``make_demo.py`` in its own process."""

import importlib.util

from ..conftest import ROOT


def _check_demo():
    """data/check_demo.py as a module (``data/`` is not a package); its ``main`` stays what
    ``python data/check_demo.py`` runs."""
    spec = importlib.util.spec_from_file_location("check_demo", ROOT / "data" / "check_demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demo_data_passes_check_demo(capsys):
    _check_demo().main()  # an AssertionError names the check that failed
    assert "all checks passed" in capsys.readouterr().out
