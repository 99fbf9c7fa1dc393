"""The ticker shows what the filters show: hamlet, kind and severity as well as commune."""

from geo import incidents as inc
from geo.store import Filters

from ..conftest import report_args


def test_the_ticker_obeys_every_filter(staffed):
    a = inc.report(staffed, **report_args(hamlet_code="H1", commune_code="C1", kind="fire",
                                          severity=4))
    b = inc.report(staffed, **report_args(hamlet_code="H2", commune_code="C1"))
    c = inc.report(staffed, **report_args(hamlet_code="H1", commune_code="C1",
                                          kind="traffic", severity=1))

    def shown(**f) -> set[str]:
        ev = staffed.recent_events(50, Filters(**f))
        return set(ev.loc[ev["entity"] == "incident", "entity_id"])

    ids = {r["id"]: str(r["id"]) for r in (a, b, c)}
    assert shown() == set(ids.values())
    assert shown(hamlet_codes=["H1"]) == {ids[a["id"]], ids[c["id"]]}
    assert shown(hamlet_codes=["H1"], severities=[4]) == {ids[a["id"]]}
    assert shown(kinds=["disorder"]) == {ids[b["id"]]}
    assert shown(commune_codes=["C2"]) == set()
    # Under a hamlet filter, sites of other hamlets (S1 has none) leave the ticker too.
    assert "site" not in set(staffed.recent_events(50, Filters(hamlet_codes=["H1"]))["entity"])
    assert "site" in set(staffed.recent_events(50)["entity"])
