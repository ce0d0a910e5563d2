"""Roster import with files as offices really send them (issue 12, item 5): learners already in the class
skipped, CCCDs that lost one or two leading zeros in Excel, official header variants and unknown columns."""

import datetime as dt
import io

import openpyxl
from factories import make_class, make_person, run
from factories.roster import HEADER, cccd, learner, name, upload, xlsx

from training.auth.access import SYSTEM


def enrolments(class_id):
    from training.classes.tables import Enrolment

    return {r["person"]: r["status"] for r in run(Enrolment.select(Enrolment.person, Enrolment.status).where(
        Enrolment.training_class == class_id).run())}


def person_by_cccd(value):
    from training.people.tables import Person

    return run(Person.select().where(Person.citizen_id == value).first().run())


def test_learner_already_in_the_class_is_skipped_and_the_others_are_enrolled(client, coord):
    from training.classes.enrolment import enrol

    cls = make_class(status="open", capacity=10)
    dob = dt.date(1980, 4, 4)
    number = cccd(dob)
    person = make_person(full_name=name("Đỗ", "Thị"), sex="female", date_of_birth=dob, citizen_id=number)
    run(enrol(cls["id"], person["id"], SYSTEM))
    rows = [learner(), learner(full_name=person["full_name"], dob=dob, citizen_id=number), learner()]
    content = xlsx(rows)

    dry = upload(client, coord, cls["id"], "ds.xlsx", content)
    assert dry.status_code == 200, dry.text
    body = dry.json()
    assert [r["status"] for r in body["rows"]] == ["new", "skipped", "new"]
    assert (body["skipped"], body["skipped_rows"], body["error"]) == (1, [3], 0)
    skipped = body["rows"][1]
    assert skipped["status_label"] == "đã có trong lớp, bỏ qua" and skipped["enrolment_status"] is None
    assert skipped["messages"][0]["text"] == (
        f"Dòng 3: {person['full_name']} đã có trong lớp {cls['code']} (trạng thái: Đã xác nhận); bỏ qua dòng này.")
    assert "1 dòng được bỏ qua (các dòng 3)" in body["notices"][0]
    assert len(enrolments(cls["id"])) == 1, "a dry run saves nothing"

    done = upload(client, coord, cls["id"], "ds.xlsx", content, dry_run=False)
    assert done.status_code == 201, done.text
    assert (done.json()["skipped"], done.json()["skipped_rows"], done.json()["confirmed"]) == (1, [3], 2)
    stored = enrolments(cls["id"])
    assert len(stored) == 3 and stored[person["id"]] == "confirmed"
    assert all(person_by_cccd(r[4])["id"] in stored for r in (rows[0], rows[2]))

    # A real error still blocks the whole file, naming the row and the column.
    bad = learner(dob="31/02/2020", with_cccd=False)
    again = upload(client, coord, cls["id"], "ds.xlsx", xlsx([learner(), rows[1], bad]), dry_run=False)
    assert again.status_code == 422
    assert "Dòng 4, cột C (Ngày sinh): ngày 31/02/2020 không tồn tại" in again.json()["error"]["message"]
    assert len(enrolments(cls["id"])) == 3


def test_cccd_that_lost_one_or_two_leading_zeros_is_restored_when_valid(client, coord):
    cls = make_class(status="open", capacity=10)
    dob = dt.date(1990, 6, 1)
    hanoi = [cccd(dob, "female", legacy="01") for _ in range(3)]  # 001…: two leading zeros
    assert all(n.startswith("001") for n in hanoi)
    rows = [learner(dob=dob, citizen_id=int(hanoi[0])),       # a number cell: 10 digits
            learner(dob=dob, citizen_id=hanoi[1][2:]),         # text, both zeros lost: 10 digits
            learner(dob=dob, citizen_id=hanoi[2][1:])]         # text, one zero lost: 11 digits
    wrong_year = cccd(dt.date(1991, 6, 1), "female", legacy="01")
    bad = learner(dob=dob, citizen_id=int(wrong_year))  # the zeros put back give a CCCD of another year

    dry = upload(client, coord, cls["id"], "ds.xlsx", xlsx([*rows, bad]))
    assert dry.status_code == 200, dry.text
    out = dry.json()["rows"]
    assert [r["status"] for r in out] == ["new", "new", "new", "error"]
    for row, full in zip(out, hanoi, strict=False):
        assert row["citizen_id_restored"] == full
        warning = row["messages"][0]
        assert warning["code"] == "cccd_zero_restored" and warning["level"] == "warning"
        assert "đã thêm số 0 ở đầu" in warning["text"] and full in warning["text"]
    assert out[3]["citizen_id_restored"] is None
    assert out[3]["messages"][0]["text"] == "Dòng 5, cột E (Số CCCD): phải có đúng 12 chữ số, số này có 10 chữ số"

    refused = upload(client, coord, cls["id"], "ds.xlsx", xlsx([*rows, bad]), dry_run=False)
    assert refused.status_code == 422
    assert "Dòng 5, cột E (Số CCCD)" in refused.json()["error"]["message"]
    assert all(person_by_cccd(n) is None for n in hanoi), "all or nothing"

    done = upload(client, coord, cls["id"], "ds.xlsx", xlsx(rows), dry_run=False)
    assert done.status_code == 201, done.text
    assert all(person_by_cccd(n) is not None for n in hanoi)
    assert len(enrolments(cls["id"])) == 3


def test_official_header_variants_and_unknown_columns_are_named(client, coord):
    from training.people.tables import Organisation

    cls = make_class(status="open")
    header = [*HEADER[:5], "Cơ quan, đơn vị công tác", "Chức danh / Loại cán bộ", "Quê quán"]
    org = f"Trung tâm Công tác xã hội {name('Vùng', 'Miền')}"
    row = learner(org=org, category="Viên chức")[:7] + ["Thôn 3, xã Cam Hải"]
    workbook = openpyxl.Workbook()
    workbook.active.append(header)
    workbook.active.append([1, *row[1:]])
    buffer = io.BytesIO()
    workbook.save(buffer)

    dry = upload(client, coord, cls["id"], "ds.xlsx", buffer.getvalue())
    assert dry.status_code == 200, dry.text
    body = dry.json()
    assert body["ignored_columns"] == ["Quê quán"]
    assert any("Các cột không nhận ra và bị bỏ qua: \"Quê quán\"" in n for n in body["notices"]), body["notices"]
    assert body["rows"][0]["status"] == "new"

    done = upload(client, coord, cls["id"], "ds.xlsx", buffer.getvalue(), dry_run=False)
    assert done.status_code == 201, done.text
    stored = person_by_cccd(row[4])
    assert stored["staff_category"] == "public_employee"
    assert run(Organisation.select(Organisation.name).where(Organisation.id == stored["organisation"])
               .first().run())["name"] == org


def test_organisation_names_match_across_the_usual_abbreviations(client, coord):
    from training.people.tables import Organisation

    cls = make_class(status="open")
    place = name("Cam", "Hải").split(" ")[-1]
    committee = run(Organisation.insert(Organisation(
        name=f"Ủy ban nhân dân xã {place}", kind="commune_committee", province=cls["host_province"]))
        .returning(Organisation.id).run())[0]["id"]
    centre = run(Organisation.insert(Organisation(
        name=f"Trung tâm Công tác xã hội tỉnh {place}", kind="social_work_centre", province=cls["host_province"]))
        .returning(Organisation.id).run())[0]["id"]
    rows = [learner(org=f"UBND xã {place}"), learner(org=f"TT CTXH tỉnh {place}"),
            learner(org=f"Trung tâm CTXH tỉnh {place}"),
            learner(org=f"UBND TT {place}"),  # "TT" inside a name is a town (thị trấn), not "Trung tâm"
            learner(org=f"Uỷ ban nhân dân TT {place}")]  # the same new organisation, created once
    before = run(Organisation.count().run())

    dry = upload(client, coord, cls["id"], "ds.xlsx", xlsx(rows))
    assert dry.status_code == 200, dry.text
    new_org = [[m["code"] for m in r["messages"]] == ["organisation_new"] for r in dry.json()["rows"]]
    assert new_org == [False, False, False, True, False]

    done = upload(client, coord, cls["id"], "ds.xlsx", xlsx(rows), dry_run=False)
    assert done.status_code == 201, done.text
    orgs = [person_by_cccd(r[4])["organisation"] for r in rows]
    assert orgs[:3] == [committee, centre, centre]
    assert orgs[3] == orgs[4] and orgs[3] not in (committee, centre)
    assert run(Organisation.count().run()) == before + 1
