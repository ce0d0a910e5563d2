"""Issue 12 item 2: attendance on a phone (390 × 844) at GET /sessions/{id}/attendance. "All present", the
exceptions, one save: at most 5 taps and no typing for 30 learners with 2 absences; a failed save keeps the
marks and says so, a retry saves them; only those who may change the class's marks see the page."""

import datetime as dt
import random

from factories import (
    ARTIFACTS,
    PASSWORD,
    admin_login,
    learner_account,
    make_class,
    make_enrolment,
    make_person,
    run,
)
from factories.browser import axe_violations, sign_in

from training.auth.access import SYSTEM
from training.classes.attendance import Mark, mark_session
from training.classes.scheduling import SessionSpec, add_sessions
from training.classes.tables import Attendance
from training.core.collation import vi_name_key

PHONE = {"width": 390, "height": 844}
TODAY = dt.date.today()
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Thanh", "Ngọc", "Đức", "Thu"]
GIVEN = ["An", "Ánh", "Bình", "Châu", "Cường", "Dũng", "Đào", "Giang", "Hà", "Hải", "Hạnh", "Hòa", "Khánh",
         "Lan", "Long", "Mai", "Nam", "Ngân", "Oanh", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tú", "Uyên",
         "Vy", "Xuân", "Yến", "Ân", "Ơn", "Ưng"]


def class_with_learners(count: int, seed: int, province: str = "56") -> dict:
    """A running class with ``count`` confirmed learners (distinct Vietnamese names), one waitlisted, and
    one session today."""
    rng = random.Random(seed)
    names: set[str] = set()
    while len(names) < count:
        names.add(f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}")
    cls = make_class(province, status="running", capacity=count, start_date=TODAY - dt.timedelta(days=3),
                     end_date=TODAY + dt.timedelta(days=3))
    enrolments = {}
    for name in sorted(names):
        enrolments[name] = make_enrolment(cls["id"], make_person(province, full_name=name)["id"])["id"]
    make_enrolment(cls["id"], make_person(province, full_name="Người Chờ Chỗ")["id"], status="waitlisted")
    session = run(add_sessions(cls["id"], [SessionSpec(TODAY, dt.time(8), dt.time(11), "Buổi 1")], SYSTEM))[0]
    return {"class": cls, "session": session, "enrolments": enrolments}


def marks_of(session_id: int) -> dict[int, str]:
    rows = run(Attendance.select(Attendance.enrolment, Attendance.status).where(
        Attendance.session == session_id).run())
    return {r["enrolment"]: r["status"] for r in rows}


def count_input(page) -> None:
    """Count, inside the pages, every tap (pointerdown) and every typed key, whatever the test does; the
    counts live in the tab's sessionStorage, so they run on across the link to the attendance page."""
    page.add_init_script("for (const k of ['taps', 'keys']) addEventListener(k === 'taps' ? 'pointerdown' : 'keydown',"
                         " () => { sessionStorage[k] = Number(sessionStorage[k] || 0) + 1; }, true);")


def test_thirty_learners_two_absent_in_five_taps_from_todays_sessions(browser, live_server):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    data = class_with_learners(30, seed=12)
    session = data["session"]["id"]
    names = sorted(data["enrolments"], key=vi_name_key)
    absent = [names[3], names[17]]
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="vi-VN", has_touch=True)
    sign_in(page, live_server, "coord")  # on the admin's own page, laid out for a desktop
    page.set_viewport_size(PHONE)
    count_input(page)
    page.goto(f"{live_server}/sessions/today")  # the sidebar's "Điểm danh hôm nay": today's sessions
    page.screenshot(path=str(ARTIFACTS / "attendance-phone-today.png"))
    page.get_by_role("link", name=data["class"]["code"]).click()  # tap 1
    page.wait_for_selector("#save")
    assert page.url.endswith(f"/sessions/{session}/attendance")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # one column, no sideways scroll
    legends = page.locator("fieldset legend").all_inner_texts()
    assert legends == names  # every confirmed learner (not the waitlisted one), in Vietnamese name order
    for name in names:  # each control is named by the learner's full name
        assert page.get_by_role("group", name=name).get_by_role("radio").count() == 4
    page.get_by_role("button", name="Tất cả có mặt").click()
    for name in absent:
        page.get_by_role("group", name=name).get_by_role("radio", name="Vắng không phép").click()
    page.get_by_role("button", name="Lưu điểm danh").click()
    page.wait_for_selector("text=Đã lưu lúc")
    taps, keys = page.evaluate("[Number(sessionStorage.taps || 0), Number(sessionStorage.keys || 0)]")
    assert taps <= 5 and keys == 0, (taps, keys)
    assert taps == 5  # open today's session, all present, 2 exceptions, save
    box = page.get_by_role("group", name=names[0]).get_by_role("radio", name="Có mặt").bounding_box()
    assert box["height"] >= 40 and box["width"] >= 70, box  # big enough to tap
    page.screenshot(path=str(ARTIFACTS / "attendance-phone.png"))
    page.screenshot(path=str(ARTIFACTS / "attendance-phone-full.png"), full_page=True)
    stored = marks_of(session)
    wanted = {data["enrolments"][n]: ("absent" if n in absent else "present") for n in names}
    assert stored == wanted
    assert sorted(stored.values()).count("present") == 28
    page.close()


def test_a_failed_save_keeps_the_marks_and_a_retry_saves_them(browser, live_server):
    data = class_with_learners(6, seed=7)
    session = data["session"]["id"]
    names = sorted(data["enrolments"], key=vi_name_key)
    late = names[0]
    run(mark_session(session, [Mark(data["enrolments"][late], "late", "xe hỏng")], SYSTEM))
    # bypass_csp: to inject axe-core (the page itself runs under the CSP in the test above)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN", bypass_csp=True)
    page = context.new_page()
    sign_in(page, live_server, "coord")  # on the admin's own page, laid out for a desktop
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/sessions/{session}/attendance")
    page.wait_for_selector("#save")
    assert page.get_by_role("group", name=late).get_by_role("radio", name="Đi muộn").is_checked()  # saved marks shown
    failures = []

    def drop_first_put(route):
        if route.request.method == "PUT" and not failures:
            failures.append(route.request.url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/api/sessions/*/attendance", drop_first_put)
    page.get_by_role("button", name="Tất cả có mặt").click()
    page.get_by_role("group", name=late).get_by_role("radio", name="Đi muộn").click()
    page.get_by_role("group", name=names[2]).get_by_role("radio", name="Vắng có phép").click()
    page.get_by_role("button", name="Lưu điểm danh").click()
    page.wait_for_selector("#summary .error")
    summary = page.inner_text("#summary")
    assert "Chưa lưu được" in summary and "thử lại" in summary, summary
    assert len(failures) == 1
    assert marks_of(session) == {data["enrolments"][late]: "late"}  # nothing new stored
    radios = {n: page.get_by_role("group", name=n).locator("input:checked").get_attribute("value") for n in names}
    assert radios == {n: ("late" if n == late else "excused" if n == names[2] else "present") for n in names}
    page.screenshot(path=str(ARTIFACTS / "attendance-phone-failed.png"))
    page.get_by_role("button", name="Lưu điểm danh").click()
    page.wait_for_selector("text=Đã lưu lúc")
    assert marks_of(session) == {data["enrolments"][n]: radios[n] for n in names}
    note = run(Attendance.select(Attendance.note).where(
        (Attendance.session == session) & (Attendance.enrolment == data["enrolments"][late])).first().run())
    assert note["note"] == "xe hỏng"  # the page keeps a note written elsewhere
    serious = axe_violations(page)
    page.goto(f"{live_server}/sessions/today")
    serious += axe_violations(page)
    assert serious == [], "\n".join(serious)
    context.close()


def test_only_those_who_may_mark_the_class_see_the_page(client, no_failures):
    data = class_with_learners(2, seed=3, province="56")
    session = data["session"]["id"]
    path = f"/sessions/{session}/attendance"
    assert client.get(path, follow_redirects=False).status_code in (302, 303)  # not signed in: to the sign-in
    assert admin_login(client, "dept.khanhhoa").status_code == 200
    assert client.get(path).status_code == 200  # a department, for its province's class
    assert path in client.get("/sessions/today").text
    client.cookies.clear()
    assert admin_login(client, "dept.thainguyen").status_code == 200
    page = client.get(path)
    api = client.put(f"/api/sessions/{session}/attendance", json={"default": "present"},
                     headers={"X-CSRFToken": client.cookies.get("csrftoken")})
    assert page.status_code == api.status_code == 404, (page.text, api.text)  # another province: as the API
    assert page.json()["error"]["code"] == api.json()["error"]["code"] == "not_found"
    assert marks_of(session) == {}
    assert path not in client.get("/sessions/today").text  # nor listed among its sessions of today
    client.cookies.clear()
    username = learner_account()
    client.get("/login")
    assert client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrftoken": client.cookies.get("csrftoken")},
                       follow_redirects=False).status_code == 303
    refused = client.get(path, follow_redirects=False)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "learner_not_staff"
