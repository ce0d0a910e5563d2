"""Issue 10, items 1 and 5: what a department sees of other provinces' people, and what it can find out.

Item 1: a department hosting a class with a learner of another province sees that learner's name,
organisation, status, attendance and results (to run the class), never their citizen ID, date of birth,
phone or email, nor their certificate (PDF, merged PDF, register row); the coordinator sees everything.

Item 5: a value that exists in another province (class code, certificate number, class or person id,
citizen ID) gets the same answer as a value that does not exist.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import zipfile

import openpyxl
import pytest
from factories import make_class, make_course, make_enrolment, make_person, province_id, run, token_for, unique
from factories.roster import upload_sheet

from training.auth.access import SYSTEM
from training.records.validation import cccd_for

KHANH_HOA, HCM = "56", "79"
TODAY = dt.date.today()
_serials = itertools.count(930_001)  # a range of serials no other test file uses


def new_cccd(dob: dt.date, sex: str, legacy: str) -> str:
    return cccd_for(dob, sex, legacy, next(_serials))


def make_org(province_code: str, prefix: str) -> dict:
    from training.people.tables import Organisation
    from training.records.rows import create_row

    return run(create_row(Organisation, {"name": unique(prefix), "kind": "social_work_centre",
                                         "province": province_id(province_code)}, SYSTEM))


@pytest.fixture(scope="module")
def mixed():
    """A closed class hosted by Khánh Hòa (the department dept.khanhhoa), its certificates issued, with
    one learner of Khánh Hòa and one of Hồ Chí Minh, each with citizen ID, birth date, phone and email."""
    from certificates.issuing import issue_for_class
    from certificates.tables import IssuerProfile
    from training.classes.tables import Enrolment, TrainingClass

    issuer = make_org(KHANH_HOA, "Trung tâm CTXH Khánh Hòa ")
    run(IssuerProfile.insert(IssuerProfile(
        organisation=issuer["id"], governing_body="SỞ Y TẾ TỈNH KHÁNH HÒA", issuer_name="TRUNG TÂM CÔNG TÁC XÃ HỘI",
        signer_title="GIÁM ĐỐC", signer_name="Lê Thị Kim Oanh", place="Nha Trang",
        number_prefix=unique("SEC"))).run())
    course = make_course(level="refresher", certificate_kind="attestation", hours=40)
    cls = run(TrainingClass.insert(TrainingClass(
        course=course["id"], code=unique("SEC-"), institution=issuer["id"], host_province=province_id(KHANH_HOA),
        start_date=dt.date(2026, 1, 12), end_date=dt.date(2026, 1, 16), capacity=30, status="closed",
    )).returning(TrainingClass.id, TrainingClass.code).run())[0]
    own_dob, other_dob = dt.date(1990, 4, 2), dt.date(1985, 7, 9)
    own = make_person(KHANH_HOA, full_name="Nguyễn Thị Ánh", sex="female", date_of_birth=own_dob,
                      citizen_id=new_cccd(own_dob, "female", "56"), phone="0905111222",
                      email="anh.kh@example.vn", organisation=make_org(KHANH_HOA, "Phòng LĐXH ")["id"])
    other_org = make_org(HCM, "Trung tâm CTXH Quận ")
    other = make_person(HCM, full_name="Lê Văn Bảo", sex="male", date_of_birth=other_dob,
                        citizen_id=new_cccd(other_dob, "male", "79"), phone="0909333444",
                        email="bao.hcm@example.vn", organisation=other_org["id"])
    for person in (own, other):
        run(Enrolment.insert(Enrolment(training_class=cls["id"], person=person["id"], status="completed",
                                       score=8.5, classification="Giỏi", enrolled_at=dt.datetime.now(dt.UTC))).run())
    run(issue_for_class(cls["id"], SYSTEM))
    return {"class": cls, "issuer": issuer["id"], "own": own, "other": other, "other_org": other_org}


def personal_strings(person: dict) -> list[str]:
    dob = person["date_of_birth"]
    return [person["citizen_id"], person["phone"], person["email"], dob.strftime("%d/%m/%Y"), dob.isoformat()]


def workbook_rows(content: bytes) -> list[list]:
    return [list(r) for r in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]


def certificate_numbers(cls_id: int) -> dict[int, str]:
    """person id -> certificate number."""
    from certificates.tables import Certificate

    rows = run(Certificate.select(Certificate.number, Certificate.enrolment.person.as_alias("person")).where(
        Certificate.enrolment.training_class == cls_id).run())
    return {r["person"]: r["number"] for r in rows}


def pdf_pages(content: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", content))


# --- item 1: personal data of other provinces' learners ---------------------------------------------

def check_results(content: bytes, mixed, sees_other: bool) -> None:
    rows = workbook_rows(content)
    by_name = {r[1]: r for r in rows if r and isinstance(r[0], int)}
    own, other = by_name[mixed["own"]["full_name"]], by_name[mixed["other"]["full_name"]]
    # Name, organisation and results of both: the host runs the class for everyone.
    assert other[3] == mixed["other_org"]["name"]
    assert (other[5], other[6], other[7]) == (own[5], own[6], own[7]) == (8.5, "Giỏi", "Hoàn thành")
    assert own[2].date() == mixed["own"]["date_of_birth"]
    text = " ".join(str(c) for r in rows for c in r if c is not None)
    if sees_other:
        assert other[2].date() == mixed["other"]["date_of_birth"]
    else:
        assert other[2] is None
        for value in personal_strings(mixed["other"]):
            assert value not in text
        assert mixed["other"]["date_of_birth"] not in [c.date() for r in rows for c in r if isinstance(c, dt.datetime)]


def test_results_xlsx_gives_the_host_names_and_results_but_no_personal_data(client, mixed):
    path = f"/api/classes/{mixed['class']['id']}/results.xlsx"
    department = client.get(path, headers=token_for("dept.khanhhoa"))
    assert department.status_code == 200, department.text
    check_results(department.content, mixed, sees_other=False)
    coordinator = client.get(path, headers=token_for("coord"))
    check_results(coordinator.content, mixed, sees_other=True)


def test_admin_results_form_follows_the_same_rule(as_khanhhoa, mixed):
    slugs = {f["name"]: f["slug"] for f in as_khanhhoa.get("/forms/").json()}
    response = as_khanhhoa.post(f"/forms/{slugs['Tải kết quả lớp (XLSX)']}/", {"class_code": mixed["class"]["code"]})
    assert response.status_code == 200, response.text
    check_results(response.content, mixed, sees_other=False)


def test_certificates_of_other_provinces_learners_are_left_out_for_the_host(client, mixed):
    cls = mixed["class"]
    numbers = certificate_numbers(cls["id"])
    own_number, other_number = numbers[mixed["own"]["id"]], numbers[mixed["other"]["id"]]
    for who, expected in (("dept.khanhhoa", [own_number]), ("coord", sorted([own_number, other_number]))):
        headers = token_for(who)
        listed = client.get(f"/api/classes/{cls['id']}/certificates", headers=headers)
        assert listed.status_code == 200, listed.text
        assert sorted(c["number"] for c in listed.json()) == expected
        archive = client.get(f"/api/classes/{cls['id']}/certificates/export?format=zip", headers=headers)
        assert archive.status_code == 200, archive.text
        names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
        assert sorted(n.removesuffix(".pdf") for n in names) == [n.replace("/", "-") for n in expected]
        merged = client.get(f"/api/classes/{cls['id']}/certificates/export?format=pdf", headers=headers)
        assert merged.status_code == 200, merged.text
        assert pdf_pages(merged.content) == len(expected)
        register = client.get(f"/api/certificates/register?organisation={mixed['issuer']}&year=2026",
                              headers=headers)
        assert register.status_code == 200, register.text
        rows = workbook_rows(register.content)
        listed_numbers = sorted(r[2] for r in rows if r and isinstance(r[0], int))
        assert listed_numbers == expected
        text = " ".join(str(c) for r in rows for c in r if c is not None)
        assert (mixed["other"]["full_name"] in text) == (who == "coord")
        if who != "coord":
            for value in personal_strings(mixed["other"]):
                assert value not in text


def test_admin_certificate_export_form_leaves_them_out_too(as_khanhhoa, mixed):
    numbers = certificate_numbers(mixed["class"]["id"])
    slugs = {f["name"]: f["slug"] for f in as_khanhhoa.get("/forms/").json()}
    response = as_khanhhoa.post(f"/forms/{slugs['Tải chứng chỉ của một lớp']}/",
                                {"class_code": mixed["class"]["code"], "format": "zip"})
    assert response.status_code == 200, response.text
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert names == [numbers[mixed["own"]["id"]].replace("/", "-") + ".pdf"]


@pytest.fixture()
def open_class():
    """An open class of Khánh Hòa with a session yesterday, a learner of Khánh Hòa and one of Hồ Chí Minh."""
    from training.classes.scheduling import SessionSpec, add_sessions

    cls = make_class(KHANH_HOA, status="open", start_date=TODAY - dt.timedelta(days=5),
                     end_date=TODAY + dt.timedelta(days=5))
    day = TODAY - dt.timedelta(days=1)
    run(add_sessions(cls["id"], [SessionSpec(day, dt.time(8), dt.time(11))], SYSTEM))
    people = {}
    for key, code, legacy, full_name in (("own", KHANH_HOA, "56", "Phan Thị Cúc"), ("other", HCM, "79", "Võ Văn Dần")):
        dob = dt.date(1992, 3, 4)
        person = make_person(code, full_name=full_name, sex="male" if "Văn" in full_name else "female",
                             date_of_birth=dob, citizen_id=new_cccd(dob, "male" if "Văn" in full_name else "female",
                                                                    legacy))
        people[key] = {**person, "enrolment": make_enrolment(cls["id"], person["id"], "confirmed")["id"]}
    return {"class": cls, "day": day, "people": people}


def test_sign_in_sheet_does_not_confirm_another_provinces_citizen_id(client, open_class):
    """Matching a learner of another province by the citizen ID typed would tell the department whose ID
    it is: the row is matched by name, with the real ID and with a wrong one alike."""
    other = open_class["people"]["other"]
    header = ["STT", "Họ và tên", "Số CCCD", open_class["day"].strftime("%d/%m/%Y")]
    wrong = new_cccd(other["date_of_birth"], other["sex"], "79")
    answers = []
    for typed in (other["citizen_id"], wrong):
        book = openpyxl.Workbook()
        book.active.append(["DANH SÁCH ĐIỂM DANH"])
        book.active.append(header)
        book.active.append([1, other["full_name"], typed, "x"])
        buffer = io.BytesIO()
        book.save(buffer)
        response = upload_sheet(client, token_for("dept.khanhhoa"), open_class['class']['id'], buffer.getvalue())
        answers.append((response.status_code, response.content))
    assert answers[0] == answers[1]
    assert answers[0][0] == 200, answers[0][1]


# --- item 5: no enumeration for departments ---------------------------------------------------------

def same_answer(first, second, *values: tuple[str, str]) -> None:
    """Two responses are the same, byte for byte, once the values typed (which must differ) are blanked."""
    bodies = [first.content, second.content]
    for value_first, value_second in values:
        bodies = [bodies[0].replace(value_first.encode(), b"<value>"), bodies[1].replace(value_second.encode(),
                                                                                         b"<value>")]
    assert (first.status_code, first.headers.get("content-type"), bodies[0]) == (
        second.status_code, second.headers.get("content-type"), bodies[1])


def test_admin_forms_answer_the_same_for_another_provinces_class_and_a_missing_one(as_khanhhoa):
    elsewhere = make_class("19", status="open")  # Thái Nguyên
    missing = unique("NOPE-")
    forms = {f["name"]: f["slug"] for f in as_khanhhoa.get("/forms/").json()}
    extra = {"Tải chứng chỉ của một lớp": {"format": "zip"},
             "Xếp lịch buổi học theo mẫu": {"start_date": "2026-11-02", "count": 3, "weekdays": "2,4,6",
                                            "start_time": "08:00", "end_time": "11:30", "topic": "", "venue": ""}}
    names = ["Xếp lịch buổi học theo mẫu", "Mở lại lớp đã kết thúc",
             "Tải kết quả lớp (XLSX)", "Cấp chứng chỉ cho một lớp", "Tải chứng chỉ của một lớp"]
    for name in names:
        answers = [as_khanhhoa.post(f"/forms/{forms[name]}/", {"class_code": code, **extra.get(name, {})})
                   for code in (elsewhere["code"], missing)]
        assert answers[0].status_code == 422, (name, answers[0].text)
        same_answer(*answers, (elsewhere["code"], missing))


def test_admin_forms_answer_the_same_for_another_provinces_certificate_and_a_missing_one(as_khanhhoa, mixed):
    """The Hồ Chí Minh learner's certificate, although of a class Khánh Hòa hosts, is not Khánh Hòa's."""
    other_number = certificate_numbers(mixed["class"]["id"])[mixed["other"]["id"]]
    missing = other_number[:-3] + "999"
    assert missing not in certificate_numbers(mixed["class"]["id"]).values()
    forms = {f["name"]: f["slug"] for f in as_khanhhoa.get("/forms/").json()}
    for name in ("Thu hồi chứng chỉ", "Cấp lại chứng chỉ đã đính chính"):
        answers = [as_khanhhoa.post(f"/forms/{forms[name]}/", {"number": number, "reason": "Sai ngày sinh"})
                   for number in (other_number, missing)]
        assert answers[0].status_code == 422, (name, answers[0].text)
        same_answer(*answers, (other_number, missing))


def test_api_answers_the_same_for_another_provinces_class_or_person_and_a_missing_one(client, open_class):
    from training.people.tables import Person

    headers = token_for("dept.khanhhoa")
    elsewhere_class = make_class("19", status="open")
    own_person = make_person(KHANH_HOA, full_name="Đỗ Thị Giang", sex="female")
    last_person = run(Person.select(Person.id).order_by(Person.id, ascending=False).first().run())["id"]
    missing_person = last_person + 1000
    other_person = open_class["people"]["other"]["id"]
    cls_id = open_class["class"]["id"]
    answers = [client.post(f"/api/classes/{cls_id}/enrolments", headers=headers, json={"person": p})
               for p in (other_person, missing_person)]
    assert answers[0].status_code == 404
    same_answer(*answers, (str(other_person), str(missing_person)))
    missing_class = elsewhere_class["id"] + 1000
    answers = [client.post(f"/api/classes/{c}/enrolments", headers=headers, json={"person": own_person["id"]})
               for c in (elsewhere_class["id"], missing_class)]
    assert answers[0].status_code == 404
    same_answer(*answers, (str(elsewhere_class["id"]), str(missing_class)))


def test_api_answers_the_same_for_another_provinces_certificate_and_a_missing_one(client, mixed):
    from certificates.tables import Certificate

    headers = token_for("dept.khanhhoa")
    other = run(Certificate.select(Certificate.id).where(
        Certificate.enrolment.person == mixed["other"]["id"]).first().run())["id"]
    last = run(Certificate.select(Certificate.id).order_by(Certificate.id, ascending=False).first().run())["id"]
    missing = last + 1000
    for method, path, body in (("get", "/api/certificates/{id}/pdf", None),
                               ("post", "/api/certificates/{id}/revoke", {"reason": "Sai ngày sinh"}),
                               ("post", "/api/certificates/{id}/reissue", {"reason": "Sai ngày sinh"})):
        answers = [client.request(method, path.format(id=i), headers=headers, json=body) for i in (other, missing)]
        assert answers[0].status_code == 404, answers[0].text
        same_answer(*answers, (str(other), str(missing)))


def test_a_citizen_id_of_another_province_is_refused_without_saying_where_it_is(client, as_khanhhoa, mixed, tmp_path):
    """The database keeps citizen IDs unique, so the department cannot add that person; the refusal names
    no province, person or organisation, and is the same in the admin and the staff import."""
    from training.people.tables import Person

    other = mixed["other"]
    refusal = "số CCCD này không thể đăng ký từ đơn vị của bạn; hãy liên hệ cán bộ điều phối đào tạo"
    secrets = [other["full_name"], "Hồ Chí Minh", mixed["other_org"]["name"]]
    before = run(Person.count().run())
    created = as_khanhhoa.post("/tables/person/", {
        "full_name": "Người Mới", "sex": "male", "staff_category": "collaborator", "province": None,
        "date_of_birth": other["date_of_birth"].isoformat(), "citizen_id": other["citizen_id"]})
    assert created.status_code == 422, created.text
    assert refusal in created.json()["custom_form_error"]
    assert not any(s in created.text for s in secrets)
    # Changing one's own person to that ID: the same refusal.
    own = mixed["own"]
    changed = as_khanhhoa.patch(f"/tables/person/{own['id']}/", {"citizen_id": other["citizen_id"],
                                                                 "date_of_birth": other["date_of_birth"].isoformat(),
                                                                 "sex": "male"})
    assert changed.status_code == 422, changed.text
    assert refusal in changed.json()["custom_form_error"]
    assert not any(s in changed.text for s in secrets)
    assert run(Person.count().run()) == before
    # A duplicate of the department's own province keeps its clear message: it may see that person.
    twin = as_khanhhoa.post("/tables/person/", {
        "full_name": "Người Mới", "sex": "female", "staff_category": "collaborator", "province": None,
        "date_of_birth": own["date_of_birth"].isoformat(), "citizen_id": own["citizen_id"]})
    assert twin.status_code == 422 and "đã thuộc về một người khác" in twin.json()["custom_form_error"]
    # The staff import dry run: the same words for that row.
    book = openpyxl.Workbook()
    book.active.append(["Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Loại cán bộ", "Tỉnh/Thành phố",
                        "Ngày bắt đầu"])
    book.active.append(["Người Mới", other["date_of_birth"].strftime("%d/%m/%Y"), "Nam", other["citizen_id"],
                        "Cộng tác viên", "Khánh Hòa", "01/01/2024"])
    path = tmp_path / "can-bo.xlsx"
    book.save(path)
    dry = client.post("/api/staff/import?dry_run=true", headers=token_for("dept.khanhhoa"),
                      files={"file": (path.name, path.read_bytes())})
    assert dry.status_code == 200, dry.text
    row = dry.json()["rows"][0]
    assert row["status"] == "error"
    assert [m["message"] for m in row["messages"]] == [refusal]
    assert not any(s in dry.text for s in secrets)
