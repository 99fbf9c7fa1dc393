"""The written review looks like a police report: the map page names every hamlet and
polling site of the commune as text (found by text extraction), with a scale bar, a north
arrow and a frame fitted to the commune; a commune whose name repeats is named with its
district and province."""

import io
from datetime import date

import geopandas as gpd
import pypdf
from shapely.geometry import box

from geo import incidents
from geo.analysis.places import load_layer
from geo.clock import local_day, local_hour_utc
from geo.io.importer import import_layer
from geo.io.report import build_review, render_html, render_pdf

from ..conftest import report_args


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


def test_a_commune_whose_name_repeats_is_named_with_its_district_and_province(demo, tmp_path):
    """After a national import many communes share a name: the review names its commune
    "An Phụ (Thị xã Kinh Môn, Hải Dương)" in its heading, its commune table and the
    hamlets' names, as the dashboard's pickers do; a unique name stands alone."""
    twin = gpd.GeoDataFrame(
        {"code": ["99001"], "name": ["An Phụ"], "district": ["Huyện Cẩm Thủy"],
         "province": ["Thanh Hóa"]}, geometry=[box(105.60, 20.20, 105.62, 20.22)], crs=4326)
    twin.to_file(tmp_path / "twin.geojson", driver="GeoJSON")
    import_layer(demo, tmp_path / "twin.geojson", "communes", actor="admin",
                 at=local_hour_utc(date(2021, 5, 23), 5))
    sites = load_layer(demo, "sites").drop_duplicates("commune_code")
    for hour, st in enumerate(sites.itertuples(index=False), 9):  # one a commune
        incidents.report(demo, **report_args(lon=st.geometry.x, lat=st.geometry.y),
                         at=local_hour_utc(date(2021, 5, 23), hour))
    day = local_day(date(2021, 5, 23))
    label = "An Phụ (Thị xã Kinh Môn, Hải Dương)"
    one = build_review(demo, day, commune_codes=["10732"])
    assert one.place == label
    pdf = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(render_pdf(one))).pages)
    assert label in pdf and label in render_html(one)
    every = build_review(demo, day)
    communes = set(every.communes["hamlet"])  # the group's name, here the commune's
    assert {label, "Cổ Dũng"} <= communes, communes
    assert "Thôn Huề Trì — " + label in set(every.hamlets["hamlet"])


def test_the_pdf_names_kinds_in_full_places_clusters_by_name_and_justifies_nothing(demo):
    """Five incidents at one polling site: a cluster found by the site's and hamlet's
    names, not by latitude and longitude; the chart's kinds written in full under it
    (the picture's legend cut "…áp phích, khẩu h"); no table heading spread out by
    justification ("Đạt      thời hạn")."""
    import re
    import unicodedata

    from geo.i18n import label

    sites = load_layer(demo, "sites")
    spots = load_layer(demo, "hotspots")
    sites = sites[(sites["commune_code"] == "10732")
                  & ~sites.geometry.apply(lambda p: spots.geometry.intersects(p).any())]
    site = sites.iloc[0]
    for k, kind in enumerate(("tampering", "misinformation", "tampering", "disorder",
                              "filming")):
        incidents.report(demo, **report_args(kind=kind, lon=site.geometry.x,
                                             lat=site.geometry.y),
                         at=local_hour_utc(date(2021, 5, 23), 9 + k))
    rev = build_review(demo, local_day(date(2021, 5, 23)), commune_codes=["10732"])
    assert len(rev.emerging) == 1 and rev.emerging["n"].iloc[0] == 5
    place = rev.emerging["place"].iloc[0]
    assert place.startswith(f"gần {site['name']}, Thôn"), place
    pdf = render_pdf(rev)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = unicodedata.normalize("NFC", "\n".join(p.extract_text() for p in reader.pages))
    flat = "".join(text.split())
    for kind in ("tampering", "misinformation", "disorder", "filming"):
        assert "".join(label("kind", kind, "vi").split()) in flat, kind
    clusters = text.split("7. Cụm vụ việc mới")[1]
    assert not re.search(r"\d{2,3}\.\d{4,}", clusters), clusters
    assert "".join(place.split()) in "".join(clusters.split())
    # fpdf2 justifies a line by spacing its words in a TJ array: there is none.
    content = b"".join(p.get_contents().get_data() for p in reader.pages)
    assert b"] TJ" not in content
