"""Vietnamese throughout: no English string of a fixed list on any page in Vietnamese
mode, including Streamlit's own ("Choose options", "Select all", "No results", the
"Page not found" dialog) and the map's scale bar (no feet or miles)."""

from __future__ import annotations

import re

import pytest

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TIMEOUT = 30_000
ENGLISH = ("Choose options", "Choose an option", "Select all", "No results",
           "Page not found", "You are within", "Skip to main content", "Running...")
FEET_OR_MILES = re.compile(r"\b\d+\s*(ft|mi)\b")
# Every text a person may read or hear: the page's and every frame's text, and the
# placeholder, aria-label and title attributes.
READABLE = """() => {
    const out = [document.body.innerText];
    document.querySelectorAll('[placeholder],[aria-label],[title]').forEach(e => {
        for (const a of ['placeholder', 'aria-label', 'title'])
            if (e.getAttribute(a)) out.push(e.getAttribute(a)); });
    document.querySelectorAll('a, [data-testid="stSkipToContent"]').forEach(
        e => out.push(e.textContent));
    return out.join('\\n'); }"""


def _english(b) -> list[str]:
    """The English strings on the page, once the page's translator is installed (it then
    translates each change before the page can be read again)."""
    b.page.wait_for_function("() => typeof window.__anttChrome === 'function'",
                             timeout=TIMEOUT)
    texts = [b.page.evaluate(READABLE)]
    for f in b.page.frames[1:]:
        try:
            texts.append(f.evaluate("() => document.body ? document.body.innerText : ''"))
        except Exception:  # a frame navigating away: read again on the next page
            continue
    text = "\n".join(texts)
    found = [s for s in ENGLISH if s in text]
    found += [m.group(0) for m in FEET_OR_MILES.finditer(text)]
    return found


def _scale_drawn(b) -> None:
    """Wait for the map's scale bar (the page's maps are drawn once it is there)."""
    frame = b.map_frame()
    frame.wait_for_selector(".leaflet-control-scale-line", timeout=TIMEOUT)
    assert "m" in frame.inner_text(".leaflet-control-scale-line")


@pytest.mark.parametrize("path,title", [
    ("/", "Tình hình an ninh"), ("/operator", "Tiếp nhận vụ việc"),
    ("/board", "Xử lý vụ việc"), ("/sites", "Điểm bỏ phiếu"), ("/teams", "Tổ tuần tra"),
    ("/review", "Sơ kết"), ("/incidents", "Danh sách vụ việc"),
    ("/audit", "Nhật ký thao tác"), ("/calendar", "Lịch bầu cử"),
    ("/reports", "Báo cáo cấp trên"),
    ("/?wall=1", "Tình hình an ninh")])
def test_pages_speak_vietnamese(dashboard, open_page, path, title):
    b = open_page(dashboard.url + path, session=dashboard.session("commander"))
    b.page.get_by_role("heading", level=1).filter(has_text=title).first.wait_for(
        timeout=TIMEOUT)
    if path in ("/", "/?wall=1"):
        _scale_drawn(b)
    assert _english(b) == []


def test_the_calendar_page_of_an_admin_speaks_vietnamese(dashboard, open_page):
    """The calendar page with its file box (Streamlit's uploader: "Drag and drop",
    "200MB per file") and date and time inputs, which only an admin sees."""
    b = open_page(dashboard.url + "/calendar", session=dashboard.session("admin"))
    b.page.get_by_role("heading", level=1).filter(has_text="Lịch bầu cử").first.wait_for(
        timeout=TIMEOUT)
    b.page.get_by_test_id("stFileUploaderDropzone").wait_for(timeout=TIMEOUT)
    b.page.get_by_text("Tối đa 200MB mỗi tệp", exact=False).wait_for(timeout=TIMEOUT)
    assert _english(b) == []


def test_choices_speak_vietnamese(dashboard, open_page):
    """The filter's multiselect: its placeholder, "Select all" in its list, "No results"
    for a search that matches nothing."""
    b = open_page(dashboard.url + "/", session=dashboard.session("commander"))
    page = b.page
    sidebar = page.get_by_test_id("stSidebar")
    box = sidebar.get_by_test_id("stMultiSelect").first
    box.wait_for(timeout=TIMEOUT)
    box.locator("input").click()
    page.get_by_text("Chọn tất cả", exact=True).wait_for(timeout=TIMEOUT)
    assert _english(b) == []
    page.keyboard.type("zzzz")
    page.get_by_text("Không có kết quả", exact=True).wait_for(timeout=TIMEOUT)
    assert _english(b) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "choices-vi.png"))


def test_unknown_path_says_so_in_vietnamese(dashboard, open_page):
    b = open_page(dashboard.url + "/khong-co-trang-nay", session=dashboard.session("commander"))
    b.page.get_by_text("Không tìm thấy trang").wait_for(timeout=TIMEOUT)
    assert _english(b) == []


def test_login_and_phone_pages_speak_vietnamese(dashboard, open_page):
    b = open_page(dashboard.url + "/")
    b.page.get_by_role("button", name="Đăng nhập").wait_for(timeout=TIMEOUT)
    assert _english(b) == []
    site = dashboard.store.frame("site").iloc[0]
    token = dashboard.session("field", communes=site["commune_code"])
    b = open_page(dashboard.url + "/", width=390, height=844, session=token)
    b.page.get_by_role("button", name="Gửi báo cáo").wait_for(timeout=TIMEOUT)
    _scale_drawn(b)
    assert _english(b) == []
