"""The trainer pool (issue 12 item 3, ADR 0031): closing a trainer-of-trainers class makes each learner who
completes a trainer for the courses it qualifies for, in the close's transaction; re-opening takes it back
(refused while a session relies on it); the pool is listed and filtered by province and course, scoped like
every other row; the workload report counts sessions and hours per trainer and month."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from factories import IS_POSTGRES, AdminSession, make_class, make_course, make_person, province_id, run
from factories.classes import enrol
from openpyxl import load_workbook

from training.auth.access import SYSTEM
from training.classes.tables import CourseQualification, Trainer, TrainerCourse
from training.records.rows import create_row

TODAY = dt.date.today()


def qualification(tot_id: int, course_id: int) -> None:
    run(create_row(CourseQualification, {"tot_course": tot_id, "course": course_id}, SYSTEM))


def tot_class(client, coord, learners: list[int], absent: set[int]) -> dict:
    """A trainer-of-trainers class with two past sessions, every learner present except ``absent``."""
    tot = make_course(level="trainer_of_trainers", name_vi="Tập huấn giảng viên nguồn")
    start = TODAY - dt.timedelta(days=6)
    cls = make_class(status="open", course=tot["id"], start_date=start, end_date=TODAY + dt.timedelta(days=5))
    sessions = client.post(f"/api/classes/{cls['id']}/sessions", headers=coord, json={"sessions": [
        {"session_date": str(start + dt.timedelta(days=i)), "start_time": "08:00", "end_time": "11:00"}
        for i in range(2)]}).json()
    enrolments = {p: enrol(client, coord, cls["id"], p).json()["id"] for p in learners}
    for s in sessions:
        marked = client.put(f"/api/sessions/{s['id']}/attendance", headers=coord, json={
            "default": "present", "marks": [{"enrolment": enrolments[p], "status": "absent"} for p in absent]})
        assert marked.status_code == 200, marked.text
    return {"class": cls, "course": tot}


def courses_of(person_id: int) -> dict[int, int | None]:
    return {r["course"]: r["granted_by"] for r in run(TrainerCourse.select(
        TrainerCourse.course, TrainerCourse.granted_by).where(TrainerCourse.trainer.person == person_id).run())}


def test_closing_a_tot_class_makes_its_graduates_trainers(client, coord):
    graduate, failed = make_person(full_name="Hoàng Thị Nguồn")["id"], make_person(full_name="Lý Văn Trượt")["id"]
    already = make_person(full_name="Mai Văn Cũ")["id"]
    target, other = make_course(name_vi="Công tác xã hội cơ bản"), make_course(name_vi="Tham vấn")
    trainer = Trainer(person=already)
    run(trainer.save().run())
    run(TrainerCourse(trainer=trainer.id, course=other["id"]).save().run())
    tot = tot_class(client, coord, [graduate, failed, already], absent={failed})
    qualification(tot["course"]["id"], target["id"])
    qualification(tot["course"]["id"], other["id"])
    closed = client.post(f"/api/classes/{tot['class']['id']}/close", headers=coord)
    assert closed.status_code == 200 and closed.json()["completed"] == 2, closed.text
    class_id = tot["class"]["id"]
    assert courses_of(graduate) == {target["id"]: class_id, other["id"]: class_id}
    assert courses_of(already) == {other["id"]: None, target["id"]: class_id}  # kept, not doubled
    assert courses_of(failed) == {}
    assert not run(Trainer.exists().where(Trainer.person == failed).run())
    # the new trainer may now be scheduled for the target course
    cls = make_class(status="open", course=target["id"], start_date=TODAY, end_date=TODAY + dt.timedelta(days=9))
    new_trainer = run(Trainer.select(Trainer.id).where(Trainer.person == graduate).first().run())["id"]
    added = client.post(f"/api/classes/{cls['id']}/sessions", headers=coord, json={"sessions": [
        {"session_date": str(TODAY + dt.timedelta(days=2)), "start_time": "08:00", "end_time": "11:00",
         "trainer": new_trainer}]})
    assert added.status_code == 201, added.text
    # re-opening is refused while that session relies on what the class granted
    refused = client.post(f"/api/classes/{class_id}/reopen", headers=coord)
    assert refused.status_code == 409, refused.text
    assert "Hoàng Thị Nguồn" in refused.json()["error"]["message"]
    assert courses_of(graduate) == {target["id"]: class_id, other["id"]: class_id}
    # without it, re-opening takes back what the class granted (and only that)
    client.delete(f"/api/sessions/{added.json()[0]['id']}", headers=coord)
    reopened = client.post(f"/api/classes/{class_id}/reopen", headers=coord)
    assert reopened.status_code == 200, reopened.text
    assert courses_of(graduate) == {} and courses_of(already) == {other["id"]: None}
    assert client.post(f"/api/classes/{class_id}/close", headers=coord).status_code == 200
    assert courses_of(graduate) == {target["id"]: class_id, other["id"]: class_id}


def test_a_course_qualification_names_a_tot_course(as_coordinator):
    plain, target = make_course(), make_course()
    response = as_coordinator.post("/tables/course_qualification/", {"tot_course": plain["id"], "course": target["id"]})
    assert response.status_code == 422, response.text
    assert plain["code"] in response.text


@pytest.fixture(scope="module")
def pool():
    """26 trainers in Thái Nguyên for one course, one in Khánh Hòa for another."""
    course, other = make_course(name_vi="Khóa lọc A"), make_course(name_vi="Khóa lọc B")
    ids = []
    for i in range(26):
        person = make_person("19", full_name=f"Giảng viên Lọc {i:02d}")
        t = Trainer(person=person["id"])
        run(t.save().run())
        run(TrainerCourse(trainer=t.id, course=course["id"]).save().run())
        ids.append(t.id)
    person = make_person("56", full_name="Giảng viên Khánh Hòa")
    kh = Trainer(person=person["id"])
    run(kh.save().run())
    run(TrainerCourse(trainer=kh.id, course=other["id"]).save().run())
    return {"course": course, "other": other, "ids": ids, "kh": kh.id}


def test_the_pool_filters_by_course_and_province_and_pages(client, coord, khanhhoa, pool):
    first = client.get(f"/api/trainers?course={pool['course']['id']}", headers=coord).json()
    assert first["total"] == 26 and first["pages"] == 2 and len(first["trainers"]) == 25
    second = client.get(f"/api/trainers?course={pool['course']['id']}&page=2", headers=coord).json()
    assert len(second["trainers"]) == 1
    names = [t["name"] for t in first["trainers"] + second["trainers"]]
    assert names == sorted(names)
    assert {t["province"] for t in first["trainers"]} == {"Thái Nguyên"}
    kh = client.get(f"/api/trainers?province={province_id('56')}&course={pool['other']['id']}", headers=coord).json()
    assert [t["id"] for t in kh["trainers"]] == [pool["kh"]]
    # a department sees its province's trainers only
    mine = client.get(f"/api/trainers?course={pool['course']['id']}", headers=khanhhoa).json()
    assert mine["total"] == 0
    theirs = client.get(f"/api/trainers?course={pool['other']['id']}", headers=khanhhoa).json()
    assert [t["id"] for t in theirs["trainers"]] == [pool["kh"]]


def test_the_pool_page_in_vietnamese(client, pool):
    AdminSession(client, "coord")
    page = client.get(f"/trainers?course={pool['course']['id']}")
    assert page.status_code == 200
    assert "26 giảng viên" in page.text and "Trang 1/2" in page.text and "Giảng viên Lọc 00" in page.text
    assert "Giảng viên Lọc 25" not in page.text
    assert client.get(f"/trainers?course={pool['course']['id']}&page=2").text.count("Giảng viên Lọc 25") == 1


def test_the_workload_report_counts_sessions_and_hours_per_month(client, coord, khanhhoa):
    course = make_course()
    person = make_person("19", full_name="Đinh Thị Khối Lượng")
    t = Trainer(person=person["id"])
    run(t.save().run())
    run(TrainerCourse(trainer=t.id, course=course["id"]).save().run())
    cls = make_class("19", status="open", course=course["id"], start_date=dt.date(2026, 1, 5),
                     end_date=dt.date(2026, 2, 27))
    sessions = [("2026-01-05", "08:00", "11:00"), ("2026-01-06", "13:30", "17:00"), ("2026-02-02", "08:00", "09:30")]
    added = client.post(f"/api/classes/{cls['id']}/sessions", headers=coord, json={"sessions": [
        {"session_date": d, "start_time": s, "end_time": e, "trainer": t.id} for d, s, e in sessions]})
    assert added.status_code == 201, added.text
    AdminSession(client, "coord")
    response = client.get("/trainers/workload.xlsx?year=2026")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[1] == ["Giảng viên", "Tỉnh/thành phố", "Tháng", "Số buổi học", "Số giờ"]
    mine = [r for r in rows if r[0] == "Đinh Thị Khối Lượng"]
    assert mine == [["Đinh Thị Khối Lượng", "Thái Nguyên", "01/2026", 2, 6.5],
                    ["Đinh Thị Khối Lượng", "Thái Nguyên", "02/2026", 1, 1.5],
                    ["Đinh Thị Khối Lượng", "Thái Nguyên", "Cả năm 2026", 3, 8.0]]
    AdminSession(client, "dept.khanhhoa")
    other = load_workbook(io.BytesIO(client.get("/trainers/workload.xlsx?year=2026").content)).active
    assert not any(r[0] == "Đinh Thị Khối Lượng" for r in other.iter_rows(values_only=True))


@pytest.mark.skipif(not IS_POSTGRES, reason="SQLite runs one writer at a time (BEGIN IMMEDIATE): nothing overlaps")
def test_a_qualification_deleted_while_a_session_naming_it_is_saved_waits_and_is_refused():
    """Two transactions at once on PostgreSQL: one saves a session naming a trainer (the trigger locks the
    TrainerCourse row it relies on), the other deletes that row. The delete waits (proved: still running after
    0.5 s) and, once the session is committed, is refused; the qualification stays."""
    import asyncio
    import os

    import asyncpg

    course = make_course()
    cls = make_class(status="open", course=course["id"], start_date=TODAY, end_date=TODAY + dt.timedelta(days=9))
    trainer = Trainer(person=make_person(full_name="Quách Văn Đồng Thời")["id"])
    run(trainer.save().run())
    row = TrainerCourse(trainer=trainer.id, course=course["id"])
    run(row.save().run())

    async def race():
        url = os.environ["DATABASE_URL"]
        saver, deleter = await asyncpg.connect(url), await asyncpg.connect(url)
        try:
            tx = saver.transaction()
            await tx.start()
            await saver.execute(
                "INSERT INTO class_session (training_class, session_date, start_time, end_time, topic, trainer, venue)"
                " VALUES ($1, $2, '08:00', '11:00', '', $3, '')", cls["id"], TODAY + dt.timedelta(days=1), trainer.id)
            delete = asyncio.create_task(deleter.execute("DELETE FROM trainer_course WHERE id = $1", row.id))
            await asyncio.sleep(0.5)
            overlapped = not delete.done()
            await tx.commit()
            with pytest.raises(asyncpg.exceptions.CheckViolationError, match="trainer_course_relied_on"):
                await delete
            return overlapped
        finally:
            await saver.close()
            await deleter.close()

    assert run(race()) is True
    assert run(TrainerCourse.exists().where(TrainerCourse.id == row.id).run())
