"""The admin in Vietnamese, for real (issue 12, item 6, ADR 0033), in Debian's Chromium: no English phrase of
piccolo-admin, no NULL/None/True/False, dates dd/mm/yyyy and times HH:mm in Vietnam's time, labels as written
(no Title Case), and what a coordinator types ("8,5", "02/04/2026 09:15") stored as meant."""

import datetime as dt
import re

from factories import ARTIFACTS, make_class, make_course, make_enrolment, make_person, run
from factories.browser import axe_violations, sign_in

# piccolo-admin's English, as words of the visible text, titles, placeholders and option labels.
ENGLISH = ["successfully", "the form has errors", "select a row", "load more", "per page", "of", "columns",
           "filter", "filters", "clear filters", "export csv", "add row", "show", "hide", "sort", "sort by",
           "ascending", "descending", "about", "log out", "true", "false", "none", "null", "are you sure",
           "edit", "delete", "save", "create", "showing", "result", "all", "equals", "contains", "add sort column",
           "toggle all", "type here to filter"]
ENGLISH_RE = re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(ENGLISH, key=len, reverse=True)) + r")\b")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")

SHOWN = """() => {
  const texts = [document.body.innerText];
  document.querySelectorAll('[title], [placeholder], option[label], [aria-label]').forEach(el => {
    for (const a of ['title', 'placeholder', 'label', 'aria-label']) {
      if (el.getAttribute(a)) texts.push(el.getAttribute(a));
    }
  });
  document.querySelectorAll('input:not([type=hidden])').forEach(el => {
    if (el.offsetParent !== null) texts.push(el.value);
  });
  return texts.join('\\n');
}"""


def english_in(page) -> list[str]:
    """piccolo-admin's English words (and raw ISO dates) a coordinator would read on the page."""
    text = page.evaluate(SHOWN)
    return sorted(set(ENGLISH_RE.findall(text.lower())) | set(ISO_DATE.findall(text)))


def settle(page, ms=600):
    page.wait_for_timeout(ms)  # the relabelling runs on the DOM's mutations


def data():
    course = make_course(name_vi="Bồi dưỡng, tập huấn công tác xã hội")
    cls = make_class("56", course=course["id"], status="open",
                     start_date=dt.date(2026, 4, 6), end_date=dt.date(2026, 4, 17))
    person = make_person("56", full_name="Nguyễn Thị Hạnh")
    enrolment = make_enrolment(cls["id"], person["id"], enrolled_at=dt.datetime(2026, 4, 1, 1, 30, tzinfo=dt.UTC))
    return course, cls, enrolment


def test_the_coordinator_reads_the_admin_in_vietnamese_and_english_when_chosen(browser, live_server):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    course, cls, enrolment = data()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(15000)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(page, live_server, "coord")

    # the class list: dates dd/mm/yyyy, no NULL, the pager and page size in Vietnamese, no Title Case
    page.goto(f"{live_server}/admin/#/training_class/?code={cls['code']}")  # one row, whatever else is there
    page.wait_for_selector(f"text={cls['code']}")
    settle(page)
    assert english_in(page) == []
    body = page.inner_text("body")
    assert "06/04/2026" in body and "17/04/2026" in body
    assert "Bồi dưỡng, tập huấn công tác xã hội" in body  # as written, not "Bồi Dưỡng, Tập Huấn"
    assert "trên 1" in body
    assert page.get_attribute("#page_size option:has-text('15')", "label") == "15 dòng mỗi trang"
    page.screenshot(path=str(ARTIFACTS / "admin-vi-class-list.png"), full_page=True)

    # sort and filters
    page.click("a[data-uitest=sort_button]")
    page.wait_for_selector("text=Thêm cột sắp xếp")
    assert english_in(page) == []
    page.click("div#overlay p.close a:visible")
    page.goto(f"{live_server}/admin/#/enrolment/?training_class={cls['id']}")
    page.wait_for_selector("text=Nguyễn Thị Hạnh")
    page.click("a[data-uitest=filter_button]")
    page.wait_for_selector("text=Xóa bộ lọc")
    settle(page)
    assert english_in(page) == []
    assert "01/04/2026 08:30" in page.inner_text("body")  # 01:30 UTC, shown in Vietnam's time
    page.screenshot(path=str(ARTIFACTS / "admin-vi-enrolment-list.png"), full_page=True)

    # a delete asks in Vietnamese (and is dismissed)
    page.click("tbody tr td:last-child a.subtle")
    page.click("a#delete")
    settle(page, 300)
    assert dialogs and dialogs[-1] == f"Bạn có chắc muốn xóa dòng {enrolment['id']}?", dialogs

    # a class's detail (its edit form) and an add form with a yes/no field
    page.goto(f"{live_server}/admin/#/training_class/{cls['id']}/")
    page.wait_for_selector("text=Hình thức đào tạo")
    settle(page)
    assert english_in(page) == []
    assert page.input_value("input.typed-date[aria-label='Ngày bắt đầu']") == "06/04/2026"
    page.screenshot(path=str(ARTIFACTS / "admin-vi-class-detail.png"), full_page=True)
    page.goto(f"{live_server}/admin/#/course/add/")
    page.wait_for_selector("select[name=excused_counts_as_present]")
    settle(page)
    assert english_in(page) == []
    options = page.eval_on_selector_all("select[name=excused_counts_as_present] option",
                                        "els => els.map(e => e.textContent.trim())")
    assert options == ["Có", "Không"]
    page.screenshot(path=str(ARTIFACTS / "admin-vi-course-add.png"), full_page=True)
    assert axe_violations_of(browser, live_server, f"/admin/#/enrolment/{enrolment['id']}/") == []

    # English when chosen, Vietnamese again after
    page.evaluate("localStorage.setItem('piccoloAdminDefaultLanguage', 'en')")
    page.goto(f"{live_server}/admin/#/enrolment/?training_class={cls['id']}")
    page.reload()
    page.wait_for_selector("text=Nguyễn Thị Hạnh")
    settle(page)
    body = page.inner_text("body")
    assert "of 1" in body and "01/04/2026 08:30" in body
    assert "Today's attendance" in body and "learners and organisations" in body.lower()  # built in Vietnamese
    assert "Điểm danh hôm nay" not in body
    assert page.get_attribute("#page_size option:has-text('15')", "label") == "15 per page"
    page.screenshot(path=str(ARTIFACTS / "admin-en-enrolment-list.png"), full_page=True)
    page.evaluate("localStorage.setItem('piccoloAdminDefaultLanguage', 'vi')")
    page.reload()
    page.wait_for_selector("text=Nguyễn Thị Hạnh")
    settle(page)
    assert english_in(page) == [] and "trên 1" in page.inner_text("body")
    page.close()


def axe_violations_of(browser, base, path):
    """axe-core on a page of the admin with the date/time fields this change adds."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, base, "coord")
    page.goto(f"{base}{path}")
    page.wait_for_selector("input.typed-date")
    settle(page)
    found = axe_violations(page)
    context.close()
    return found


def test_dates_times_and_decimal_commas_typed_in_the_admin_are_stored_as_meant(browser, live_server):
    from training.classes.tables import ClassSession, Course, Enrolment

    course, cls, enrolment = data()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(15000)
    sign_in(page, live_server, "coord")
    clicks = fills = 0

    # an edit form with a number and a date-time: "8,5" and Vietnam's 09:15 on 2 April
    page.goto(f"{live_server}/admin/#/enrolment/{enrolment['id']}/")
    page.wait_for_selector("input.typed-date")
    settle(page)
    assert page.input_value("input.typed-date") == "01/04/2026 08:30"
    assert page.locator("select:visible", has_text="UTC").count() == 0  # no time zone box
    page.fill("input[name=score]", "tám")
    fills += 1
    page.click("button:has-text('Lưu')")
    clicks += 1
    page.wait_for_selector("text=phải là số, ví dụ 8,5")
    settle(page)
    assert "Biểu mẫu có lỗi" in page.inner_text("body") and english_in(page) == []
    page.screenshot(path=str(ARTIFACTS / "admin-vi-number-refused.png"), full_page=True)
    page.fill("input[name=score]", "8,5")
    page.fill("input.typed-date", "02/04/2026 09:15")
    fills += 2
    with page.expect_request(lambda r: r.method == "PATCH") as sent:
        page.click("button:has-text('Lưu')")
    clicks += 1
    page.wait_for_selector("text=Đã lưu")
    page.screenshot(path=str(ARTIFACTS / "admin-vi-enrolment-saved.png"), full_page=True)
    # 09:15 in Vietnam is 02:15 UTC (the arrival time itself is kept as recorded: training.records.rows)
    assert sent.value.post_data_json["enrolled_at"] == "2026-04-02T02:15:00.000Z"
    row = run(Enrolment.select(Enrolment.score).where(Enrolment.id == enrolment["id"]).first().run())
    assert row["score"] == 8.5
    page.reload()
    page.wait_for_selector("input.typed-date")
    settle(page)
    assert page.input_value("input.typed-date") == "01/04/2026 08:30"  # stored 01:30 UTC, shown in Vietnam's time
    assert page.input_value("input[name=score]") == "8,5"  # shown with the decimal comma too

    # an add form with a date and times typed the Vietnamese way
    page.goto(f"{live_server}/admin/#/class_session/add/")
    page.wait_for_selector("input.typed-date")
    picker = page.locator("input[aria-label='Lớp']")
    picker.click()
    page.fill("div#overlay:visible input[type=search]", cls["code"])
    page.click(f"div#overlay:visible li a:has-text('{cls['code']}')")
    page.fill("input.typed-date[aria-label='Ngày học']", "07/04/2026")
    page.fill("input.typed-date[aria-label='Giờ bắt đầu']", "08:00")
    page.fill("input.typed-date[aria-label='Giờ kết thúc']", "11:30")
    page.fill("input[name=topic]", "Kỹ năng tham vấn")
    clicks += 2
    fills += 5
    page.click("button:has-text('Tạo')")
    clicks += 1
    page.wait_for_selector("text=Đã thêm")
    session = run(ClassSession.select().where(ClassSession.training_class == cls["id"]).first().run())
    assert session["session_date"] == dt.date(2026, 4, 7)
    assert (session["start_time"], session["end_time"]) == (dt.time(8, 0), dt.time(11, 30))

    # a course's attendance share "0,8" on an edit form
    page.goto(f"{live_server}/admin/#/course/{course['id']}/")
    page.wait_for_selector("input[name=min_attendance_share]")
    page.fill("input[name=min_attendance_share]", "0,8")
    page.click("button:has-text('Lưu')")
    page.wait_for_selector("text=Đã lưu")
    share = run(Course.select(Course.min_attendance_share).where(Course.id == course["id"]).first().run())
    assert abs(share["min_attendance_share"] - 0.8) < 1e-9
    print(f"clicks/taps: {clicks}, typed fields: {fills}")
    page.close()
