"""The written review looks like a police report: the map page names every hamlet and
polling site of the commune as text (found by text extraction), with a scale bar, a north
arrow and a frame fitted to the commune."""

import io
from datetime import date

import pypdf

from geo.clock import local_day
from geo.io.features import load_layer
from geo.io.report import build_review, render_pdf


def test_the_map_page_names_every_hamlet_and_site_of_the_commune(demo):
    rev = build_review(demo, local_day(date(2021, 5, 23)), commune_codes=["10732"])
    pages = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(render_pdf(rev))).pages]
    map_page = next(p for p in pages if "2. Bản đồ" in p)
    hamlets = load_layer(demo, "hamlets")
    sites = load_layer(demo, "sites")
    for name in [*hamlets.loc[hamlets["commune_code"] == "10732", "name"],
                 *sites.loc[sites["commune_code"] == "10732", "name"]]:
        assert name in map_page, name
    other = hamlets.loc[hamlets["commune_code"] == "10762", "name"]
    assert not any(f"\n{n}\n" in map_page for n in other if n not in set(
        hamlets.loc[hamlets["commune_code"] == "10732", "name"]))
    assert {n for n, *_ in rev.pdf_map_names} >= set(hamlets.loc[
        hamlets["commune_code"] == "10732", "name"])
    # Every name is placed on the picture (fractions of it), never off the page.
    assert all(0 <= x <= 1 and 0 <= y <= 1 for _, x, y, _ in rev.pdf_map_names)
