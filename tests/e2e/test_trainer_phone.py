"""Issue 12 item 3 (ADR 0031): a trainer on a phone (390 × 844) signs in at /login, lands on the sessions they
teach, taps today's session and marks 30 learners with 2 absences in at most 5 taps and no typing; the trainer's
pages and the coordinator's trainer pool pass axe-core (0 critical or serious)."""

import datetime as dt
import random

from factories import ARTIFACTS, PASSWORD, make_class, make_course, make_enrolment, make_person, run, unique
from factories.browser import axe_violations, sign_in

from training.auth.access import SYSTEM
from training.auth.accounts import create_account
from training.classes.scheduling import SessionSpec, add_sessions
from training.classes.tables import Attendance, Trainer, TrainerCourse
from training.core.collation import vi_name_key

PHONE = {"width": 390, "height": 844}
TODAY = dt.date.today()
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Thanh", "Ngọc", "Đức", "Thu"]
GIVEN = ["An", "Bình", "Châu", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Khánh", "Lan", "Long", "Mai",
         "Nam", "Oanh", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tú", "Uyên", "Vy", "Xuân", "Yến"]


def trainer_with_class(count: int, seed: int) -> dict:
    """A trainer account teaching today's session of a running class of ``count`` learners, one later session,
    and another trainer's session today in the same class."""
    rng = random.Random(seed)
    course = make_course(name_vi="Công tác xã hội với trẻ em")
    cls = make_class("56", status="running", course=course["id"], capacity=count,
                     start_date=TODAY - dt.timedelta(days=3), end_date=TODAY + dt.timedelta(days=10))
    trainers = []
    for name in ("Nguyễn Thị Giảng", "Trần Văn Khác"):
        t = Trainer(person=make_person("56", full_name=name)["id"])
        run(t.save().run())
        run(TrainerCourse(trainer=t.id, course=course["id"]).save().run())
        trainers.append(t)
    names: set[str] = set()
    while len(names) < count:
        names.add(f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}")
    enrolments = {n: make_enrolment(cls["id"], make_person("56", full_name=n)["id"])["id"] for n in sorted(names)}
    mine, other, later = run(add_sessions(cls["id"], [
        SessionSpec(TODAY, dt.time(7, 30), dt.time(11), "Buổi sáng", trainers[0].id),
        SessionSpec(TODAY, dt.time(13, 30), dt.time(16), "Buổi chiều", trainers[1].id),
        SessionSpec(TODAY + dt.timedelta(days=2), dt.time(7, 30), dt.time(11), "Buổi sau", trainers[0].id)], SYSTEM))
    username = unique("giangvien.")
    run(create_account(username, "trainer", PASSWORD, person_id=trainers[0].person))
    return {"class": cls, "username": username, "enrolments": enrolments, "mine": mine["id"],
            "other": other["id"], "later": later["id"]}


def count_input(page) -> None:
    """Count every tap (pointerdown) and typed key inside the pages, across navigations of the tab."""
    page.add_init_script("for (const k of ['taps', 'keys']) addEventListener(k === 'taps' ? 'pointerdown' : 'keydown',"
                         " () => { sessionStorage[k] = Number(sessionStorage[k] || 0) + 1; }, true);")


def test_a_trainer_marks_thirty_learners_two_absent_in_five_taps(browser, live_server):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    data = trainer_with_class(30, seed=31)
    names = sorted(data["enrolments"], key=vi_name_key)
    absent = [names[5], names[22]]
    # bypass_csp: to inject axe-core (the pages run under the CSP in test_attendance_phone.py)
    context = browser.new_context(viewport=PHONE, locale="vi-VN", has_touch=True, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("Tên đăng nhập").fill(data["username"])
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_label("Mật khẩu").press("Enter")
    page.wait_for_url(f"{live_server}/sessions/today")
    count_input(page)
    page.reload()  # from here on every tap and key counts
    page.screenshot(path=str(ARTIFACTS / "trainer-phone-start.png"), full_page=True)
    links = page.locator("ul.sessions a").all()
    assert [a.get_attribute("href") for a in links] == [f"/sessions/{data['mine']}/attendance"]  # theirs only
    assert (TODAY + dt.timedelta(days=2)).strftime("%d/%m/%Y") in page.inner_text("ul.upcoming")
    serious = axe_violations(page)
    page.get_by_role("link", name=data["class"]["code"]).click()  # tap 1
    page.wait_for_selector("#save")
    assert page.url.endswith(f"/sessions/{data['mine']}/attendance")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.locator("fieldset legend").all_inner_texts() == names
    page.get_by_role("button", name="Tất cả có mặt").click()  # tap 2
    for name in absent:  # taps 3 and 4
        page.get_by_role("group", name=name).get_by_role("radio", name="Vắng không phép").click()
    page.get_by_role("button", name="Lưu điểm danh").click()  # tap 5
    page.wait_for_selector("text=Đã lưu lúc")
    taps, keys = page.evaluate("[Number(sessionStorage.taps || 0), Number(sessionStorage.keys || 0)]")
    assert (taps, keys) == (5, 0)
    page.screenshot(path=str(ARTIFACTS / "trainer-phone-attendance.png"))
    serious += axe_violations(page)
    stored = {r["enrolment"]: r["status"] for r in run(Attendance.select(Attendance.enrolment, Attendance.status).where(
        Attendance.session == data["mine"]).run())}
    assert stored == {data["enrolments"][n]: ("absent" if n in absent else "present") for n in names}
    # another trainer's session: refused, in Vietnamese
    response = page.goto(f"{live_server}/sessions/{data['other']}/attendance")
    assert response.status == 404 and "không dạy" in page.content()
    assert serious == [], "\n".join(serious)
    context.close()


def test_the_trainer_pool_passes_axe(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN", bypass_csp=True)
    page = context.new_page()
    sign_in(page, live_server, "coord")
    page.goto(f"{live_server}/trainers")
    page.wait_for_selector("table.trainers")
    page.screenshot(path=str(ARTIFACTS / "trainer-pool.png"), full_page=True)
    serious = axe_violations(page)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(ARTIFACTS / "trainer-pool-phone.png"))
    serious += axe_violations(page)
    assert serious == [], "\n".join(serious)
    context.close()
