"""Domain validation: CCCD, names, dates, capacity, sessions; bad input saves nothing."""

import datetime as dt
import unicodedata

import pytest
from factories import make_class, make_person, province_id, run, unique

from training.auth.access import SYSTEM
from training.core.errors import DomainError
from training.records.rows import create_row, update_row
from training.records.validation import cccd_for


def _count_people():
    from training.people.tables import Person

    return run(Person.count().run())


def test_nfd_name_is_stored_nfc_with_spaces_collapsed():
    typed = unicodedata.normalize("NFD", "  Nguyễn   Thị Ngọc  Ánh ")
    assert typed != unicodedata.normalize("NFC", typed)
    person = make_person(full_name=typed, sex="female")
    assert person["full_name"] == "Nguyễn Thị Ngọc Ánh"
    assert unicodedata.is_normalized("NFC", person["full_name"])


def test_bad_cccd_is_rejected_in_vietnamese_and_nothing_saved():
    before = _count_people()
    with pytest.raises(DomainError) as info:
        make_person(citizen_id="05618500012", date_of_birth=dt.date(1985, 4, 1), sex="female")
    assert info.value.errors[0].field == "citizen_id"
    assert info.value.text("vi") == "Số CCCD: phải có đúng 12 chữ số, số này có 11 chữ số"
    with pytest.raises(DomainError) as info:
        make_person(citizen_id="056186000123", date_of_birth=dt.date(1985, 4, 1), sex="female")
    assert "năm sinh 1985" in info.value.text("vi")
    assert _count_people() == before


def test_duplicate_cccd_is_rejected():
    cccd = cccd_for(dt.date(1990, 2, 3), "male", "19", 777001)
    make_person(province_code="19", citizen_id=cccd, date_of_birth=dt.date(1990, 2, 3))
    before = _count_people()
    with pytest.raises(DomainError) as info:
        make_person(province_code="19", citizen_id=cccd, date_of_birth=dt.date(1990, 2, 3),
                    full_name="Lê Văn Khác")
    assert info.value.code == "cccd_duplicate"
    assert "đã thuộc về một người khác" in info.value.text("vi")
    assert _count_people() == before


def test_people_without_cccd_are_allowed():
    a = make_person(citizen_id="")
    b = make_person(citizen_id=None)
    assert a["citizen_id"] is None and b["citizen_id"] is None


def test_legacy_province_fills_the_2025_province():
    from training.people.tables import Person
    from training.reference.tables import LegacyProvince

    ninh_thuan = run(LegacyProvince.select(LegacyProvince.id).where(LegacyProvince.code == "58").first().run())
    person = run(create_row(Person, {"full_name": "Phạm Thị Lan", "sex": "female", "staff_category": "worker",
                                     "legacy_province": ninh_thuan["id"]}, SYSTEM))
    assert person["province"] == province_id("56")  # Khánh Hòa
    with pytest.raises(DomainError) as info:
        run(update_row(Person, person["id"], {"province": province_id("19")}, SYSTEM))
    assert info.value.code == "legacy_province_mismatch"


def test_class_dates_and_capacity():
    from training.classes.tables import TrainingClass

    before = run(TrainingClass.count().run())
    with pytest.raises(DomainError) as info:
        make_class(start_date=dt.date(2026, 5, 10), end_date=dt.date(2026, 5, 1))
    assert info.value.code == "end_before_start"
    assert "Ngày kết thúc: không được trước Ngày bắt đầu (10/05/2026)" in info.value.text("vi")
    with pytest.raises(DomainError) as info:
        make_class(capacity=0)
    assert info.value.code == "capacity_min"
    assert run(TrainingClass.count().run()) == before


def test_session_must_lie_inside_its_class_dates():
    from training.classes.tables import ClassSession

    cls = make_class(start_date=dt.date(2026, 3, 2), end_date=dt.date(2026, 3, 6))
    ok = run(create_row(ClassSession, {"training_class": cls["id"], "session_date": dt.date(2026, 3, 3),
                                       "start_time": dt.time(8), "end_time": dt.time(11, 30)}, SYSTEM))
    assert ok["id"]
    before = run(ClassSession.count().run())
    with pytest.raises(DomainError) as info:
        run(create_row(ClassSession, {"training_class": cls["id"], "session_date": dt.date(2026, 3, 9),
                                      "start_time": dt.time(8), "end_time": dt.time(11, 30)}, SYSTEM))
    assert info.value.code == "session_outside_class"
    assert cls["code"] in info.value.text("vi")
    with pytest.raises(DomainError) as info:
        run(create_row(ClassSession, {"training_class": cls["id"], "session_date": dt.date(2026, 3, 4),
                                      "start_time": dt.time(11), "end_time": dt.time(8)}, SYSTEM))
    assert info.value.code == "end_time_before_start"
    assert run(ClassSession.count().run()) == before
    # Moving the class so that its session falls outside is refused too.
    from training.classes.tables import TrainingClass

    with pytest.raises(DomainError) as info:
        run(update_row(TrainingClass, cls["id"], {"start_date": dt.date(2026, 3, 4)}, SYSTEM))
    assert info.value.code == "sessions_outside_dates"


def test_changes_are_audited_with_masked_cccd():
    import json

    from training.people.tables import Person
    from training.records.tables import AuditLog

    cccd = cccd_for(dt.date(1979, 7, 1), "female", "56", 880001)
    person = make_person(citizen_id=cccd, date_of_birth=dt.date(1979, 7, 1), sex="female",
                         full_name=unique("Hồ Thị Mai "))
    run(update_row(Person, person["id"], {"phone": "0905123456"}, SYSTEM))
    rows = run(AuditLog.select().where((AuditLog.table_name == "person") & (AuditLog.row_id == person["id"]))
               .order_by(AuditLog.id).run())
    assert [r["action"] for r in rows] == ["create", "update"]
    before, after = json.loads(rows[1]["before"]), json.loads(rows[1]["after"])
    assert before["phone"] is None and after["phone"] == "*******456"  # masked like the CCCD (PDPL)
    assert cccd not in rows[0]["after"] and after["citizen_id"].endswith(cccd[-3:])
