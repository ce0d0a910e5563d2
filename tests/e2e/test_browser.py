"""A real browser (Debian's Chromium driven by Playwright) signs in to the admin in Vietnamese."""

import datetime as dt

from factories import ARTIFACTS, PASSWORD, make_class, make_course, make_enrolment, make_person, run, unique
from factories.browser import sign_in
from factories.certificates import certificates_of, closed_class


def test_coordinator_signs_in_and_sees_the_class_list_in_vietnamese(browser, live_server):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    cls = make_class("56", start_date=dt.date(2026, 4, 6), end_date=dt.date(2026, 4, 17))
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{live_server}/admin/")
    page.wait_for_selector("input[type=password]")
    page.screenshot(path=str(ARTIFACTS / "admin-login.png"))
    assert "Tên đăng nhập" in page.inner_text("body")
    page.fill("input[name=username]", "coord")
    page.fill("input[type=password]", PASSWORD)
    page.press("input[type=password]", "Enter")
    page.wait_for_selector("text=Học viên và đơn vị")
    page.goto(f"{live_server}/admin/#/training_class/")
    page.wait_for_selector(f"text={cls['code']}")
    body = page.inner_text("body").lower()  # the admin's CSS capitalises words
    for label in ("Lớp học", "Ngày bắt đầu", "Tỉnh tổ chức", "Sĩ số tối đa", "Thêm mới", "Học viên và đơn vị"):
        assert label.lower() in body, label
    assert "dự kiến" in body  # the status choice, in Vietnamese
    page.screenshot(path=str(ARTIFACTS / "admin-class-list.png"), full_page=True)
    page.goto(f"{live_server}/admin/#/training_class/{cls['id']}/")
    page.wait_for_selector("text=Hình thức đào tạo")
    assert "sửa lớp học" in page.inner_text("body").lower()
    page.screenshot(path=str(ARTIFACTS / "admin-class-edit.png"), full_page=True)
    page.close()


def test_department_imports_a_roster_from_the_admin_tool_page(browser, live_server, tmp_path):
    from openpyxl import Workbook

    from training.classes.tables import Enrolment

    cls = make_class("56", status="open", capacity=1, start_date=dt.date(2026, 5, 4), end_date=dt.date(2026, 5, 8))
    book = Workbook()
    sheet = book.active
    sheet.append(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Loại cán bộ", "Tỉnh/Thành phố"])
    sheet.append([1, "Trương Thị Bích", "12/03/1990", "Nữ", "Cộng tác viên", "Ninh Thuận"])
    sheet.append([2, "Mai Văn Lực", "01/07/1988", "Nam", "Cộng tác viên", "Khánh Hòa"])
    path = tmp_path / "danh-sach.xlsx"
    book.save(path)

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, live_server, "dept.khanhhoa")
    page.goto(f"{live_server}/tools/roster")
    page.select_option("#class", str(cls["id"]))
    page.set_input_files("#file", str(path))
    page.click("button[data-commit=false]")
    page.wait_for_selector("text=Mai Văn Lực")
    assert "2 dòng: 2 người mới" in page.inner_text("#summary")
    assert run(Enrolment.count().where(Enrolment.training_class == cls["id"]).run()) == 0  # a dry run saves nothing
    page.click("button[data-commit=true]")
    page.wait_for_selector("text=Đã lưu")
    page.screenshot(path=str(ARTIFACTS / "roster-import.png"), full_page=True)
    statuses = sorted(r["status"] for r in run(Enrolment.select(Enrolment.status).where(
        Enrolment.training_class == cls["id"]).run()))
    assert statuses == ["confirmed", "waitlisted"]
    page.close()


def test_coordinator_imports_a_signed_sheet_from_the_admin_tool_page(browser, live_server, tmp_path):
    from openpyxl import Workbook

    from training.auth.access import SYSTEM
    from training.classes import enrolment, scheduling
    from training.classes.tables import Attendance

    today = dt.date.today()
    cls = make_class("56", status="open", start_date=today - dt.timedelta(days=7), end_date=today)
    sessions = run(scheduling.add_sessions(cls["id"], [scheduling.SessionSpec(
        today - dt.timedelta(days=d), dt.time(8), dt.time(11)) for d in (6, 5)], SYSTEM))
    people = [make_person("56", full_name=unique("Điểm danh ")) for _ in range(2)]
    for p in people:
        run(enrolment.enrol(cls["id"], p["id"], SYSTEM))
    book = Workbook()
    sheet = book.active
    sheet.append(["STT", "Họ và tên"] + [s["session_date"].strftime("%d/%m/%Y") for s in sessions])
    sheet.append([1, people[0]["full_name"], "x", "M"])
    sheet.append([2, people[1]["full_name"], "P", "x"])
    path = tmp_path / "diem-danh.xlsx"
    book.save(path)

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, live_server, "coord")
    page.goto(f"{live_server}/tools/attendance-sheet")
    page.select_option("#class", str(cls["id"]))
    page.set_input_files("#file", str(path))
    page.click("#sheet button[data-commit=false]")  # the dry run first: "Lưu" is enabled after it
    page.wait_for_selector("text=sẽ điểm danh 2 buổi học")
    page.click("#sheet button[data-commit=true]")
    page.wait_for_selector("text=Đã lưu điểm danh cho 2 buổi học.")
    assert "Có mặt: 1" in page.inner_text("#result") and "Vắng có phép: 1" in page.inner_text("#result")
    page.screenshot(path=str(ARTIFACTS / "attendance-sheet-import.png"), full_page=True)
    marks = run(Attendance.select(Attendance.status).where(
        Attendance.session.is_in([s["id"] for s in sessions])).run())
    assert sorted(m["status"] for m in marks) == ["excused", "late", "present", "present"]
    page.close()


def test_coordinator_issues_certificates_with_progress_and_a_phone_verifies_one(browser, live_server):
    from training.auth.accounts import create_account

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    cls = closed_class(["Nguyễn Thị Ngọc Ánh", "Đặng Thị Thu Hường", "Lưu Quang Vũ"])
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, live_server, "coord")
    page.goto(f"{live_server}/tools/certificates")
    page.select_option("#class", str(cls["id"]))
    page.click("button:has-text('Cấp chứng chỉ')")
    page.wait_for_selector("text=Đã cấp 3 chứng chỉ")
    page.wait_for_selector("text=Tải tất cả (ZIP)")
    assert page.eval_on_selector("#progress", "p => p.value === p.max")
    rows = certificates_of(cls)
    body = page.inner_text("#result")
    assert all(r["number"] in body for r in rows) and "Lưu Quang Vũ" in body
    page.screenshot(path=str(ARTIFACTS / "certificates-issued.png"), full_page=True)
    page.close()

    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, locale="vi-VN")
    phone.goto(f"{live_server}/verify/{rows[0]['number']}?t={rows[0]['token']}")
    text = phone.inner_text("body")
    assert "Còn hiệu lực" in text and "Nguyễn Thị Ngọc Ánh" in text and "khớp với hồ sơ" in text
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
    phone.screenshot(path=str(ARTIFACTS / "verify-phone.png"), full_page=True)
    phone.close()

    run(create_account("hocvien.huong", "learner", PASSWORD, person_id=cls["people"][1]["id"]))
    learner = browser.new_page(viewport={"width": 1024, "height": 768}, locale="vi-VN")
    learner.goto(f"{live_server}/login")
    learner.fill("#username", "hocvien.huong")
    learner.fill("#password", PASSWORD)
    learner.click("button[type=submit]")
    learner.wait_for_selector("text=Chứng chỉ của tôi")
    text = learner.inner_text("body")
    assert rows[1]["number"] in text and rows[0]["number"] not in text
    learner.screenshot(path=str(ARTIFACTS / "learner-certificates.png"), full_page=True)
    with learner.expect_download() as download:
        learner.click("text=PDF (tiếng Việt)")
    assert download.value.suggested_filename == f"chung-chi-{rows[1]['number']}.pdf"
    learner.screenshot(path=str(ARTIFACTS / "learner-certificates.png"), full_page=True)
    learner.close()


def test_coverage_dashboard_chart_and_table_agree(browser, live_server):

    cls = make_class("56", course=make_course("refresher")["id"], start_date=dt.date(2024, 5, 6),
                     end_date=dt.date(2024, 5, 10))
    for i in range(3):
        person = make_person("56", full_name=f"Bảng Theo Dõi {i}", active_from=dt.date(2020, 1, 1))
        if i < 2:
            make_enrolment(cls["id"], person["id"], "completed")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, live_server, "coord")
    page.goto(f"{live_server}/dashboard")
    page.wait_for_selector("#chart-provinces")
    assert "Tỷ lệ cán bộ công tác xã hội đã được đào tạo: toàn quốc" in page.inner_text("h1")
    bars = page.eval_on_selector_all("#chart-provinces g.bar", "gs => gs.map(g => [g.dataset.key, g.dataset.value, "
                                     "g.querySelector('title').textContent])")
    assert len(bars) == 34
    rows = page.eval_on_selector_all("#table-provinces tbody tr", "trs => trs.map(tr => ["
                                     "tr.querySelector('a').getAttribute('href').split('/').pop(), "
                                     "tr.querySelector('td[data-share]').dataset.share])")
    assert [(k, v) for k, v, _t in bars] == [tuple(r) for r in rows]  # same provinces, same order, same shares
    khanh_hoa = next(b for b in bars if b[0] == "56")
    assert khanh_hoa[1] and float(khanh_hoa[1]) > 0 and "Khánh Hòa" in khanh_hoa[2]
    page.screenshot(path=str(ARTIFACTS / "dashboard-national.png"), full_page=True)

    page.click("#table-provinces a[href='/dashboard/56']")
    page.wait_for_selector("#chart-categories")
    bars = page.eval_on_selector_all("#chart-categories g.bar", "gs => gs.map(g => g.dataset.value)")
    shares = page.eval_on_selector_all("#table-categories tbody td[data-share]", "tds => tds.map(t => t.dataset.share)")
    assert bars == shares[:5]  # five categories; the table adds the total
    page.select_option("#f-category", "collaborator")
    page.click("form.filters button")
    page.wait_for_selector("#table-levels caption:has-text(\"Theo trình độ (cộng tác viên)\")")
    assert "category=collaborator" in page.url
    page.screenshot(path=str(ARTIFACTS / "dashboard-province.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_selector("#chart-levels")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400  # no sideways scrolling of the page on a phone (wide tables scroll in their box)
    page.screenshot(path=str(ARTIFACTS / "dashboard-province-phone.png"), full_page=True)
    page.close()


def test_the_admin_in_english_stays_usable_after_a_reload_and_switches_back(browser, live_server):
    """Issue 12: choosing English froze the admin tab for good (the relabelling looped on "Attendance")."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.set_default_timeout(15000)
    sign_in(page, live_server, "coord")
    page.evaluate("localStorage.setItem('piccoloAdminDefaultLanguage', 'en')")
    page.reload()
    page.wait_for_selector("text=Attendance")
    menu = page.inner_text("body").lower()  # the admin's CSS capitalises words
    for label in ("class sessions", "sign-in sessions", "audit log", "people (staff and learners)"):
        assert label in menu, label
    assert "sign-in sign-in" not in menu and "class sign-in" not in menu
    page.goto(f"{live_server}/admin/#/attendance/")
    page.wait_for_selector("text=Add Row")
    page.screenshot(path=str(ARTIFACTS / "admin-english.png"))
    page.evaluate("localStorage.setItem('piccoloAdminDefaultLanguage', 'vi')")
    page.reload()
    page.wait_for_selector("text=Học viên và đơn vị")
    assert "điểm danh" in page.inner_text("body").lower()
    page.close()
