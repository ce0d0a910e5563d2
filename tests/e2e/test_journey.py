"""Issue 12, "done when": the coordinator's journey end to end in a real Chromium, every click and typed field
counted per step — create a class (the admin), schedule 6 sessions with a trainer (the class workspace), import a
30-learner roster (dry run, then save), take attendance of the 6 sessions on a phone-sized viewport (all present,
then the exceptions), enter the scores (the grid, decimal comma), close (the preview, then confirm), issue the
certificates and download them. The counts are printed and asserted as ceilings; the trainer's own attendance
(at most 5 taps for 30 learners with 2 absences) is tests/e2e/test_trainer_phone.py. Screenshots:
tests/artifacts/journey-*.png."""

import datetime as dt
import io
import json
import random
import re
import zipfile

import pytest
from factories import ARTIFACTS, make_course, make_person, province_id, run, unique
from factories.browser import sign_in
from factories.certificates import make_issuer
from factories.roster import learner, xlsx

from training.classes.tables import Attendance, ClassSession, Enrolment, Trainer, TrainerCourse, TrainingClass
from training.people.tables import Organisation

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Thanh", "Ngọc", "Đức", "Thu"]
GIVEN = ["An", "Bình", "Châu", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Khánh", "Lan", "Long", "Mai",
         "Nam", "Oanh", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tú", "Uyên", "Vy", "Xuân", "Yến"]


class Steps:
    """Clicks (a tap, a choice in a list, a file chosen) and typed fields, counted per step of the journey."""

    def __init__(self):
        self.counts: dict[str, list[int]] = {}
        self.step = ""

    def start(self, step: str) -> None:
        self.step = step
        self.counts[step] = [0, 0]

    def click(self, locator) -> None:
        self.counts[self.step][0] += 1
        locator.click()

    def choose(self, locator, **option) -> None:
        self.counts[self.step][0] += 1
        locator.select_option(**option)

    def files(self, locator, name: str, content: bytes, mime: str) -> None:
        self.counts[self.step][0] += 1
        locator.set_input_files(files=[{"name": name, "mimeType": mime, "buffer": content}])

    def type(self, locator, text: str) -> None:
        self.counts[self.step][1] += 1
        locator.fill(text)


def monday_two_weeks_ago() -> dt.date:
    today = dt.date.today()
    return today - dt.timedelta(days=today.weekday() + 14)


def world(seed: int) -> dict:
    """A course with a pass mark, a qualified trainer, an issuing institution in Khánh Hòa and a roster file of
    30 learners with realistic Vietnamese names."""
    rng = random.Random(seed)
    course = make_course(level="refresher", name_vi=unique("Công tác xã hội với người cao tuổi "), hours=24,
                         certificate_kind="attestation", pass_mark=5.0)
    trainer = Trainer(person=make_person("56", full_name="Võ Thị Giảng")["id"])
    run(trainer.save().run())
    run(TrainerCourse(trainer=trainer.id, course=course["id"]).save().run())
    institution = make_issuer("56")
    names: set[str] = set()
    while len(names) < 30:
        names.add(f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}")
    rows = [learner(full_name=n, dob=dt.date(1980 + i % 20, 1 + i % 12, 1 + i % 27),
                    sex="Nữ" if " Thị " in n else "Nam") for i, n in enumerate(sorted(names))]
    org = run(Organisation.select(Organisation.name).where(Organisation.id == institution).first().run())
    return {"course": course, "trainer": trainer.id, "institution": institution, "institution_name": org["name"],
            "names": sorted(names), "roster": xlsx(rows)}


def create_class_in_the_admin(page, do: Steps, w: dict, code: str, start: dt.date) -> None:
    do.click(page.get_by_role("link", name=re.compile(r"^\s*Lớp học\s*$", re.IGNORECASE)))
    do.click(page.locator("text=Thêm").first)
    page.wait_for_selector("input[name=code]")
    page.wait_for_load_state("networkidle")  # the form re-renders once its defaults arrive: fill after that
    pickers = page.locator("form input[autocomplete=off][type=text]")  # course, institution, province
    do.click(pickers.nth(0))
    do.type(page.locator("input[type=search]:visible"), w["course"]["code"])
    do.click(page.locator("li:visible", has_text=w["course"]["code"]).first)
    do.type(page.locator("input[name=code]"), code)
    do.click(pickers.nth(1))
    do.type(page.locator("input[type=search]:visible"), w["institution_name"])
    do.click(page.locator("li:visible", has_text=w["institution_name"]).first)
    do.click(pickers.nth(2))
    do.type(page.locator("input[type=search]:visible"), "Khánh Hòa")
    do.click(page.locator("li:visible", has_text="Khánh Hòa").first)
    do.type(page.locator("input.typed-date[aria-label='Ngày bắt đầu']"), start.strftime("%d/%m/%Y"))
    do.type(page.locator("input.typed-date[aria-label='Ngày kết thúc']"),
            (start + dt.timedelta(days=7)).strftime("%d/%m/%Y"))
    do.choose(page.locator("select[name=status]"), value="open")
    do.click(page.locator("button", has_text=re.compile(r"^\s*Tạo\s*$", re.IGNORECASE)))
    page.wait_for_selector("text=Đã thêm", timeout=15000)  # piccolo-admin's toast, in Vietnamese (ADR 0033)
    page.screenshot(path=str(ARTIFACTS / "journey-1-created.png"), full_page=True)


@pytest.mark.parametrize("seed", [12])
def test_the_coordinators_journey_counts_its_clicks(browser, live_server, seed):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    w = world(seed)
    code = unique("CTXH-NCT-")
    start = monday_two_weeks_ago()
    do = Steps()
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN", accept_downloads=True)
    page = context.new_page()
    sign_in(page, live_server, "coord")

    do.start("1. create the class (admin)")
    create_class_in_the_admin(page, do, w, code, start)
    cls = run(TrainingClass.select().where(TrainingClass.code == code).first().run())
    assert cls is not None and cls["institution"] == w["institution"] and cls["host_province"] == province_id("56")
    assert cls["status"] == "open" and cls["start_date"] == start

    do.start("2. schedule 6 sessions with a trainer (workspace)")
    page.goto(f"{live_server}/admin/")
    do.click(page.get_by_role("link", name="Quản lý lớp học"))
    page.wait_for_selector("h1")
    do.click(page.get_by_role("link", name=code))
    page.wait_for_selector("#schedule-form")
    do.choose(page.get_by_label("Giảng viên"), label="Võ Thị Giảng")
    do.click(page.get_by_role("button", name="Xếp lịch", exact=True))
    page.wait_for_selector("text=Đã xếp lịch 6 buổi học.")
    sessions = run(ClassSession.select().where(ClassSession.training_class == cls["id"]).order_by(
        ClassSession.session_date).run())
    assert len(sessions) == 6 and {s["trainer"] for s in sessions} == {w["trainer"]}
    assert all(s["session_date"] < dt.date.today() for s in sessions)
    page.screenshot(path=str(ARTIFACTS / "journey-2-scheduled.png"), full_page=True)

    do.start("3. import the 30-learner roster (dry run, save)")
    do.click(page.locator("a[data-action=roster]"))
    page.wait_for_selector("#roster")
    assert page.locator("#class").input_value() == str(cls["id"])  # preselected from the workspace
    do.files(page.locator("#file"), "danh-sach.xlsx", w["roster"],
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    do.click(page.locator("button[data-commit=false]"))
    page.wait_for_selector("button[data-commit=true]:enabled", timeout=20000)
    do.click(page.locator("button[data-commit=true]"))
    page.wait_for_function("() => document.querySelector('#summary').innerText.includes('30')", timeout=20000)
    page.screenshot(path=str(ARTIFACTS / "journey-3-roster.png"), full_page=True)
    enrolments = {r["name"]: r["id"] for r in run(Enrolment.select(
        Enrolment.id, Enrolment.person.full_name.as_alias("name")).where(
        (Enrolment.training_class == cls["id"]) & (Enrolment.status == "confirmed")).run())}
    assert sorted(enrolments) == w["names"]

    do.start("4. attendance of 6 sessions on a phone (all present, 2 absences once)")
    phone = context.new_page()
    phone.set_viewport_size(PHONE)
    phone.goto(f"{live_server}/classes/{cls['id']}")
    absent = [w["names"][3], w["names"][17]]
    for i in range(6):
        do.click(phone.locator("a[data-action=attendance]"))
        phone.wait_for_selector("#all-present")
        do.click(phone.locator("#all-present"))
        if i == 2:
            for name in absent:
                do.click(phone.get_by_role("group", name=name).locator("label.choice.absent"))
            phone.screenshot(path=str(ARTIFACTS / "journey-4-attendance-phone.png"), full_page=True)
        do.click(phone.locator("#save"))
        phone.wait_for_selector("#summary:has-text('Đã lưu')", timeout=15000)
        do.click(phone.locator("h1 a"))  # back to the class's workspace
        phone.wait_for_selector("h1")
    marks = run(Attendance.select(Attendance.status).where(
        Attendance.session.training_class == cls["id"]).run())
    assert len(marks) == 180 and sorted(m["status"] for m in marks if m["status"] != "present") == ["absent"] * 2
    phone.close()

    do.start("5. enter 30 scores (grid, decimal comma, Tab down)")
    page.goto(f"{live_server}/classes/{cls['id']}")
    do.click(page.locator("a[data-action=scores]"))
    page.wait_for_selector("#save")
    names_in_grid = page.locator("tbody th[scope=row]").all_inner_texts()
    scores = {}
    first = page.locator("tbody input").first
    do.click(first)
    for i in range(len(names_in_grid)):
        value = "4,5" if i == 0 else f"{7 + (i % 3)},5"
        do.counts[do.step][1] += 1
        page.keyboard.type(value)
        page.keyboard.press("Tab")
        scores[i] = value
    do.click(page.locator("#save"))
    page.wait_for_selector("#summary:has-text('Đã lưu')", timeout=15000)
    saved = run(Enrolment.select(Enrolment.score).where(Enrolment.training_class == cls["id"]).run())
    assert sorted(r["score"] for r in saved)[0] == 4.5 and all(r["score"] is not None for r in saved)

    do.start("6. close (preview, confirm)")
    page.goto(f"{live_server}/classes/{cls['id']}")
    do.click(page.locator("a[data-action=close]"))
    page.wait_for_selector("#confirm")
    preview = page.inner_text("main")
    assert "4,5" in preview  # the learner below the pass mark is named with their score
    assert preview.count("5/6") == 2  # the two absences counted
    page.screenshot(path=str(ARTIFACTS / "journey-6-close-preview.png"), full_page=True)
    do.click(page.locator("#confirm"))
    page.wait_for_selector(".done", timeout=15000)
    results = run(Enrolment.select(Enrolment.status).where(Enrolment.training_class == cls["id"]).run())
    assert sorted(r["status"] for r in results).count("completed") == 29

    do.start("7. issue the certificates")
    page.goto(f"{live_server}/classes/{cls['id']}")
    do.click(page.locator("a[data-action=certificates]"))
    page.wait_for_selector("#issue")
    assert page.locator("#class").input_value() == str(cls["id"])
    do.click(page.locator("#issue button[type=submit]"))
    page.wait_for_selector("#downloads a", timeout=90000)  # numbered, signed and rendered: the downloads appear
    page.screenshot(path=str(ARTIFACTS / "journey-7-issued.png"), full_page=True)

    do.start("8. download the certificates (ZIP)")
    page.goto(f"{live_server}/classes/{cls['id']}")
    with page.expect_download() as download:
        do.click(page.locator("a[data-action=zip]"))
    archive = zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read()))
    assert len([n for n in archive.namelist() if n.endswith(".pdf")]) == 29
    page.screenshot(path=str(ARTIFACTS / "journey-8-workspace-closed.png"), full_page=True)

    print("coordinator's journey (clicks, typed fields):", json.dumps(do.counts, ensure_ascii=False))
    (ARTIFACTS / "journey-counts.json").write_text(json.dumps(do.counts, ensure_ascii=False, indent=1))
    ceilings = {"1. create the class (admin)": (12, 7), "2. schedule 6 sessions with a trainer (workspace)": (4, 0),
                "3. import the 30-learner roster (dry run, save)": (4, 0),
                "4. attendance of 6 sessions on a phone (all present, 2 absences once)": (26, 0),
                "5. enter 30 scores (grid, decimal comma, Tab down)": (3, 30), "6. close (preview, confirm)": (2, 0),
                "7. issue the certificates": (2, 0), "8. download the certificates (ZIP)": (1, 0)}
    over = {s: do.counts[s] for s, c in ceilings.items() if do.counts[s][0] > c[0] or do.counts[s][1] > c[1]}
    assert over == {}, over
    context.close()
