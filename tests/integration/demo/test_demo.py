"""The demo data (``training seed-demo``): modelled on the articles, obeying the domain rules,
and safe to run again.

The demo runs in its own scratch SQLite database (through subprocesses), so its rows never mix
with the rows other tests create and count in the shared test database.
"""

import json
import os
import subprocess
import sys

import pytest
from factories import ROOT

SNAPSHOT = r"""
import asyncio, datetime as dt, json
from collections import Counter
from piccolo.apps.user.tables import BaseUser
from certificates.tables import Certificate, IssuerProfile
from training.auth.tables import Account
from training.classes.tables import Attendance, ClassSession, Course, Enrolment, TrainingClass
from training.people.tables import Person
from training.piccolo_app import APP_CONFIG

async def main():
    tables = list(APP_CONFIG.table_classes)
    counts = {t._meta.tablename: await t.count().run() for t in tables + [IssuerProfile, Certificate, BaseUser]}
    people = await Person.select().run()
    sessions = await ClassSession.select().run()
    booked = Counter((s["trainer"], s["session_date"], s["start_time"]) for s in sessions if s["trainer"])
    marks = await Attendance.select(Attendance.session.session_date, Attendance.enrolment.status).run()
    enrolments = await Enrolment.select(Enrolment.status, Enrolment.person,
                                          Enrolment.training_class.code, Enrolment.training_class.capacity).run()
    per_class = Counter(e["training_class.code"] for e in enrolments if e["status"] in ("completed", "failed"))
    seats = Counter((e["training_class.code"], e["training_class.capacity"]) for e in enrolments
                    if e["status"] in ("confirmed", "registered"))
    completed = [e["person"] for e in enrolments if e["status"] == "completed"]
    accounts = await Account.select(Account.user.username, Account.role, Account.person.full_name).run()
    print(json.dumps({
        "counts": counts,
        "categories": Counter(p["staff_category"] for p in people),
        "levels": sorted({c["level"] for c in await Course.select(Course.level).run()}),
        "statuses": sorted({c["status"] for c in await TrainingClass.select(TrainingClass.status).run()}),
        "names": sorted(p["full_name"] for p in people),
        "double_booked": sum(1 for n in booked.values() if n > 1),
        "future_marks": sum(1 for m in marks if m["session.session_date"] >= dt.date(2026, 11, 22)),
        "marks_of_withdrawn": sum(1 for m in marks if m["enrolment.status"] in ("withdrawn", "waitlisted")),
        "over_capacity": [code for (code, capacity), n in seats.items() if n > capacity],
        "finished": per_class,
        "person_times": len(completed),
        "people_trained": len(set(completed)),
        "accounts": sorted((a["user.username"], a["role"], a["person.full_name"]) for a in accounts),
    }, default=str))

asyncio.run(main())
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """Seed a scratch database once; return a runner for ``training`` and a snapshot function."""
    folder = tmp_path_factory.mktemp("demo")
    env = os.environ.copy()
    env["TRAINING_DATA_DIR"] = str(folder)
    env["DATABASE_URL"] = f"sqlite:///{folder / 'demo.sqlite'}"

    def training(*args):
        result = subprocess.run([sys.executable, "-m", "training.cli.main", *args], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=180)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def snapshot():
        result = subprocess.run([sys.executable, "-c", SNAPSHOT], cwd=ROOT, env=env, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    first_output = training("seed-demo")
    return {"training": training, "snapshot": snapshot, "output": first_output, "first": snapshot()}


def test_seed_demo_prints_the_demo_accounts(demo):
    out = demo["output"]
    assert "http://127.0.0.1:8000/admin/" in out
    for username in ("dieuphoi", "soyte.khanhhoa", "soyte.thainguyen", "hocvien.anh", "giangvien"):
        assert username in out
    assert "Demo@2026" in out


def test_demo_has_every_staff_category_level_and_class_status(demo):
    snap = demo["first"]
    categories = snap["categories"]
    assert set(categories) == {"cadre", "civil_servant", "public_employee", "worker", "collaborator"}
    assert all(n > 0 for n in categories.values())
    assert max(categories, key=categories.get) == "collaborator"
    assert 250 <= sum(categories.values()) <= 350
    assert snap["levels"] == sorted(
        ["intermediate", "college", "university", "masters", "trainer_of_trainers", "refresher"])
    assert {"closed", "running", "open", "planned"} <= set(snap["statuses"])
    for table in ("organisation", "commune", "trainer", "trainer_course", "class_session", "enrolment",
                  "attendance", "coverage_target", "issuer_profile", "course_prerequisite", "account"):
        assert snap["counts"][table] > 0, table


def test_demo_tells_the_stories_of_the_articles(demo):
    snap = demo["first"]
    assert snap["finished"]["DH-VLVH-BK-2016"] == 53  # one in-service university class of 53 (Bắc Kạn)
    assert snap["finished"]["TC-NT-2016"] == 38  # 38 intermediate learners (Ninh Thuận)
    assert snap["person_times"] > snap["people_trained"]  # refreshers are counted again
    for name in ("Nguyễn Thị Ngọc Ánh", "Đặng Thị Thu Hường", "Lưu Quang Vũ"):
        assert name in snap["names"]
    assert ["hocvien.anh", "learner", "Nguyễn Thị Ngọc Ánh"] in snap["accounts"]
    assert snap["counts"]["certificate"] == snap["person_times"]  # every completion has its certificate
    assert "Chứng chỉ mẫu" in demo["output"]


def test_demo_obeys_the_scheduling_and_attendance_rules(demo):
    snap = demo["first"]
    assert snap["double_booked"] == 0
    assert snap["future_marks"] == 0
    assert snap["marks_of_withdrawn"] == 0
    assert snap["over_capacity"] == []


def test_seeding_again_adds_nothing(demo):
    demo["training"]("seed-demo")
    again = demo["snapshot"]()
    assert again["counts"] == demo["first"]["counts"]
    assert again["names"] == demo["first"]["names"]
