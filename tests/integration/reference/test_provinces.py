"""Migrations from empty and the province reference data (34 units of 2025, 63 legacy ones)."""

from factories import make_class, make_person, run


def test_migrations_created_every_table():
    from piccolo.table import Table

    from certificates.tables import Certificate
    from training.auth.tables import Account
    from training.classes.tables import Attendance, Enrolment, TrainingClass
    from training.people.tables import Person
    from training.records.tables import AuditLog

    tables: list[type[Table]] = [Account, Attendance, AuditLog, Enrolment, Person, TrainingClass, Certificate]
    for table in tables:
        assert run(table.table_exists().run()), table._meta.tablename


def test_34_provinces_and_63_legacy_ones():
    from training.reference.tables import LegacyProvince, Province

    assert run(Province.count().run()) == 34
    assert run(LegacyProvince.count().run()) == 63
    hue = run(Province.select().where(Province.code == "46").first().run())
    assert (hue["name"], hue["kind"]) == ("Huế", "thành phố")


def _maps_to(legacy_code: str) -> tuple[str, str, str]:
    from training.reference.tables import LegacyProvince

    row = run(LegacyProvince.select(
        LegacyProvince.name, LegacyProvince.province.code, LegacyProvince.province.name
    ).where(LegacyProvince.code == legacy_code).first().run())
    return row["name"], row["province.code"], row["province.name"]


def test_reused_codes_keep_their_systems_apart():
    # Legacy 10 Lào Cai and legacy 15 Yên Bái both became 2025 code 15 (Lào Cai).
    assert _maps_to("10") == ("Lào Cai", "15", "Lào Cai")
    assert _maps_to("15") == ("Yên Bái", "15", "Lào Cai")
    # Legacy 24 Bắc Giang maps to 2025 code 24, which is now Bắc Ninh.
    assert _maps_to("24") == ("Bắc Giang", "24", "Bắc Ninh")
    assert _maps_to("06") == ("Bắc Kạn", "19", "Thái Nguyên")
    assert _maps_to("58") == ("Ninh Thuận", "56", "Khánh Hòa")


def test_loading_again_changes_nothing():
    from training.reference.provinces import load_provinces
    from training.reference.tables import LegacyProvince, Province

    before = run(Province.select().order_by(Province.id).run()), run(LegacyProvince.select().run())
    assert run(load_provinces()) == (34, 63)
    after = run(Province.select().order_by(Province.id).run()), run(LegacyProvince.select().run())
    assert before == after


def test_province_api(client):
    response = client.get("/api/provinces")
    assert response.status_code == 200
    assert len(response.json()) == 34
    legacy = {p["code"]: p for p in client.get("/api/provinces/legacy").json()}
    assert legacy["58"]["code_2025"] == "56"
    missing = client.get("/api/provinces/99")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "unknown_province"
    assert "99" in missing.json()["error"]["message"]


def test_database_refuses_duplicate_enrolments_and_attendance_marks():
    import datetime as dt
    import sqlite3

    import asyncpg
    import pytest

    from training.classes.tables import Attendance, ClassSession, Enrolment

    cls = make_class()
    person = make_person()
    enrolment = run(Enrolment.insert(Enrolment(training_class=cls["id"], person=person["id"])).run())[0]["id"]
    with pytest.raises((sqlite3.IntegrityError, asyncpg.UniqueViolationError)):
        run(Enrolment.insert(Enrolment(training_class=cls["id"], person=person["id"])).run())
    session = run(ClassSession.insert(ClassSession(training_class=cls["id"], session_date=dt.date(2026, 3, 3),
                                                   start_time=dt.time(8), end_time=dt.time(9))).run())[0]["id"]
    run(Attendance.insert(Attendance(session=session, enrolment=enrolment)).run())
    with pytest.raises((sqlite3.IntegrityError, asyncpg.UniqueViolationError)):
        run(Attendance.insert(Attendance(session=session, enrolment=enrolment)).run())
    assert run(Enrolment.count().where(Enrolment.training_class == cls["id"]).run()) == 1
