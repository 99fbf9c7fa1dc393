"""A second report of one incident, through Streamlit's AppTest on the demo: the report
pages ask "same incident?" before logging one close to an open incident of the same kind,
and a form sent again with the key its URL kept (a browser back after a server restart)
is told its number instead of logging it twice."""

from streamlit.testing.v1 import AppTest

from geo import accounts
from geo import incidents as inc

from ..conftest import make_account, report_args
from .conftest import APP


def _site(demo, k: int = 0):
    return demo.frame("site").iloc[k]


def _send_from_site(at: AppTest, site, kind: str, text: str) -> AppTest:
    """Fill the operator form at polling site *site* and send it."""
    at.radio(key="op_where").set_value("site").run()
    at.selectbox(key="op_pick_site").set_value(site["code"]).run()
    at.selectbox(key="op_kind").set_value(kind)  # form values travel with the submit
    at.text_area(key="op_description").input(text)
    return at.main.button[0].click().run()


def _fire_at(demo, site) -> dict:
    """An open fire at *site*, logged a moment ago by another operator."""
    return inc.report(demo, **report_args(kind="fire", lon=float(site["lon"]),
                                          lat=float(site["lat"]), actor="trực ban 2"))


def _question(at: AppTest) -> str:
    return " ".join(w.value for w in at.warning if "Cùng vụ việc?" in w.value)


def test_operator_is_asked_and_yes_logs_nothing_and_clears_the_form(app, demo):
    site = _site(demo)
    first = _fire_at(demo, site)
    at = _send_from_site(app("operator"), site, "fire", "Khói sau nhà văn hóa")
    assert not at.exception
    question = _question(at)
    assert f"#{first['id']}" in question and "Cháy, nổ" in question, question
    assert "cách 0 m" in question and "phút trước" in question and "Tiếp nhận" in question
    assert len(demo.incidents()) == 1  # nothing logged while the question is open
    at.button(key="op_sent_same").click().run()
    assert not at.exception
    assert any(f"Cùng vụ việc #{first['id']}" in i.value for i in at.info), \
        [i.value for i in at.info]
    assert len(demo.incidents()) == 1
    assert not _question(at) and not at.success
    assert at.selectbox(key="op_kind").value is None  # the form is cleared
    assert at.text_area(key="op_description").value == ""
    assert at.selectbox(key="op_pick_site").value is None


def test_operator_is_asked_and_no_logs_a_new_incident(app, demo):
    site = _site(demo)
    first = _fire_at(demo, site)
    at = _send_from_site(app("operator"), site, "fire", "Cháy thứ hai, nhà bên cạnh")
    key = at.query_params["f"]
    assert _question(at) and len(demo.incidents()) == 1
    at.button(key="op_sent_new").click().run()
    assert not at.exception
    df = demo.incidents()
    assert len(df) == 2
    new = int(df["id"].max())
    assert new != first["id"] and df.set_index("id").loc[new, "created_by"] == "trucban1"
    assert f"Đã ghi vụ việc số #{new}" in at.success[0].value
    assert not _question(at)
    assert at.query_params["f"] != key  # confirmed: the next report gets a new key


def test_another_kind_at_the_same_place_is_logged_without_asking(app, demo):
    site = _site(demo)
    _fire_at(demo, site)
    at = _send_from_site(app("operator"), site, "medical", "Cử tri ngất")
    assert not _question(at)
    assert "Đã ghi vụ việc số #2" in at.success[0].value
    assert len(demo.incidents()) == 2


def test_a_form_sent_again_with_the_key_its_url_kept_is_told_its_number(app, demo):
    site = _site(demo, 1)
    at = app("operator")
    key = at.query_params["f"]  # made when the form was first shown
    assert len(key) >= 16
    at = _send_from_site(at, site, "tampering", "Áp phích bị xé")
    assert "Đã ghi vụ việc số #1" in at.success[0].value
    assert at.query_params["f"] != key
    # The server restarted before the browser saw that: a new session, the old URL.
    again = AppTest.from_file(APP, default_timeout=60)
    again.query_params["f"] = key
    who = next(u for u in accounts.users(demo) if u.username == "trucban1")
    again.session_state["session_token"] = accounts.start_session(demo, who)
    again.run()
    again.switch_page("app_pages/operator.py").run()
    assert again.query_params["f"] == key  # the URL's key is kept, not replaced
    again = _send_from_site(again, site, "tampering", "Áp phích bị xé")
    assert not again.exception
    assert "Đã ghi vụ việc số #1 từ trước" in again.success[0].value
    assert not _question(again)  # recognised, not asked about
    assert len(demo.incidents()) == 1
    # The same key with other content is another report (asked about: same kind, place).
    other = _send_from_site(again, site, "tampering", "Băng rôn bị xé")
    assert _question(other) and len(demo.incidents()) == 1


def test_field_page_asks_too(app, demo):
    site = _site(demo, 2)
    first = inc.report(demo, **report_args(kind="disorder", lon=float(site["lon"]),
                                           lat=float(site["lat"])))
    team = make_account(demo, "field", username="to1", communes=site["commune_code"],
                        site=site["code"])
    at = app("field", team)
    assert at.query_params["f"]
    at.radio(key="field_where").set_value("site").run()
    at.selectbox(key="field_pick_site").set_value(site["code"]).run()
    at.selectbox(key="field_kind").set_value("disorder").run()
    at.button(key="field_send").click().run()
    assert f"#{first['id']}" in _question(at)
    assert len(demo.incidents()) == 1
    at.button(key="field_sent_same").click().run()
    assert not at.exception and len(demo.incidents()) == 1
    assert at.selectbox(key="field_kind").value is None
    assert at.selectbox(key="field_pick_site").value is None
    at.selectbox(key="field_pick_site").set_value(site["code"]).run()
    at.selectbox(key="field_kind").set_value("disorder").run()
    at.button(key="field_send").click().run()
    at.button(key="field_sent_new").click().run()
    assert not at.exception
    assert len(demo.incidents()) == 2 and "Đã ghi vụ việc số #2" in at.success[0].value
