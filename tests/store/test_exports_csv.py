"""CSV exports as a Vietnamese office opens them: a BOM, Vietnam times with their offset,
UTC beside them."""

from datetime import datetime

import pandas as pd

from geo import incidents as inc
from geo.io.exports import csv_bytes, export

from ..conftest import report_args


def test_csv_has_a_bom_and_local_times_with_utc_beside(store, tmp_path):
    inc.report(store, **report_args(), at=datetime(2021, 5, 23, 0, 30))  # 07:30 local

    out = tmp_path / "out"
    export(store, out, ["csv"])
    raw = (out / "incidents.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(out / "incidents.csv", encoding="utf-8-sig")
    cols = list(frame.columns)
    assert cols[cols.index("reported_at") + 1] == "reported_at_utc"
    row = frame.iloc[0]
    assert row["reported_at"] == "2021-05-23T07:30:00+07:00"
    assert row["reported_at_utc"] == "2021-05-23T00:30:00Z"
    assert pd.isna(row["closed_at"]) and pd.isna(row["closed_at_utc"])
    events = pd.read_csv(out / "events.csv", encoding="utf-8-sig")
    assert events["occurred_at"].str.endswith("+07:00").all()
    audit = csv_bytes(store.audit())
    assert audit.startswith(b"\xef\xbb\xbf") and b"occurred_at_utc" in audit
