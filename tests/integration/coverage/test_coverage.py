"""Coverage: hand-computed figures on a small fixture, targets and gaps, access, bad input, exports."""

import csv
import datetime as dt
import io
import random

import openpyxl
import pytest
from factories import (
    PASSWORD,
    AdminSession,
    legacy_province_id,
    make_class,
    make_course,
    make_enrolment,
    make_person,
    province_id,
    run,
    token_for,
)

from training.auth.access import SYSTEM
from training.coverage import facts, figures

DAY = dt.date(2025, 6, 30)
RNG = random.Random(1105)  # seeded: the same commune codes and certificate numbers every run


def _commune(province_code: str = "56") -> dict:
    from training.records.rows import create_row
    from training.reference.tables import Commune

    code = f"9{RNG.randrange(10_000):04d}"
    while run(Commune.exists().where(Commune.code == code).run()):
        code = f"9{RNG.randrange(10_000):04d}"
    return run(create_row(Commune, {"code": code, "name": f"Xã Thử {code}", "province": province_id(province_code)},
                          SYSTEM))


def _complete(cls: dict, person: dict) -> dict:
    return make_enrolment(cls["id"], person["id"], "completed")


def _certificate(enrolment: dict, status: str) -> None:
    from certificates.tables import Certificate
    from training.people.tables import Organisation
    from training.records.rows import create_row

    org = run(create_row(Organisation, {"name": "Trường Thử Nghiệm", "kind": "training_institution"}, SYSTEM))
    number = f"TEST-{RNG.randrange(10**9)}"
    run(Certificate.insert(Certificate(
        enrolment=enrolment["id"], issuer=org["id"], number=number, register_year=2024,
        register_number=RNG.randrange(10**6), issued_on=dt.date(2024, 4, 1), status=status,
        created_at=dt.datetime.now(dt.UTC))).run())
    run(facts.certificate_status_changed(enrolment["id"]))


@pytest.fixture(scope="module")
def fixture():
    """One commune of Khánh Hòa with six people (hand-computed figures on 30/06/2025):

    - p1 collaborator: two refresher classes (2024 and 2025) -> one person, two person-times;
    - p2 collaborator who left on 31/01/2025: completed a refresher in 2024 -> not active, not counted;
    - p3 collaborator: completed a refresher but the certificate was revoked -> not trained;
    - p4 collaborator recorded under Ninh Thuận (legacy 58): intermediate class of 2016 -> counts for 56;
    - p5 collaborator: nothing;
    - p6 civil servant: the 2025 refresher.
    """
    commune = _commune("56")
    refresher = make_course("refresher")["id"]
    intermediate = make_course("intermediate")["id"]
    a = make_class("56", course=refresher, start_date=dt.date(2024, 3, 4), end_date=dt.date(2024, 3, 29))
    b = make_class("56", course=refresher, start_date=dt.date(2025, 5, 5), end_date=dt.date(2025, 5, 30))
    c = make_class("56", course=intermediate, start_date=dt.date(2015, 9, 7), end_date=dt.date(2016, 6, 30))
    people = {}
    for key, extra in (("p1", {}), ("p2", {"active_to": dt.date(2025, 1, 31)}), ("p3", {}),
                       ("p4", {"legacy_province": legacy_province_id("58"), "province": None}), ("p5", {}),
                       ("p6", {"staff_category": "civil_servant"})):
        values = {"commune": commune["id"], "active_from": dt.date(2015, 1, 1), **extra}
        if values.get("province", 1) is None:
            values.pop("province")
            people[key] = _make_legacy_person(values)
        else:
            people[key] = make_person("56", full_name=f"Người {key}", **values)
    _complete(a, people["p1"])
    _complete(b, people["p1"])
    _complete(a, people["p2"])
    _certificate(_complete(a, people["p3"]), "revoked")
    _complete(c, people["p4"])
    _complete(b, people["p6"])
    return {"commune": commune, "people": people}


def _make_legacy_person(values: dict) -> dict:
    from training.people.tables import Person
    from training.records.rows import create_row

    data = {"full_name": "Người p4", "sex": "female", "staff_category": "collaborator", **values}
    return run(create_row(Person, data, SYSTEM))


def report(fixture, **kw):
    return run(figures.coverage(SYSTEM, kw.pop("day", DAY), commune_code=fixture["commune"]["code"], **kw))


def test_legacy_person_is_counted_under_the_2025_province(fixture):
    p4 = fixture["people"]["p4"]
    assert p4["province"] == province_id("56")  # Ninh Thuận (58) merged into Khánh Hòa (56)


def test_hand_computed_coverage_of_the_commune(fixture):
    r = report(fixture, start=dt.date(2024, 1, 1))
    collab = r.row(fixture["commune"]["code"], "collaborator", None)
    assert (collab.active, collab.trained) == (4, 2)  # p1, p3, p4, p5 active; p1 and p4 trained
    assert collab.share == pytest.approx(0.5)
    refresher = r.row(fixture["commune"]["code"], "collaborator", "refresher")
    assert (refresher.trained, refresher.person_times) == (1, 3)  # p1 once (two classes), p2's completion
    assert r.row(fixture["commune"]["code"], "collaborator", "intermediate").trained == 1  # p4 (2016, Ninh Thuận)
    everyone = r.row(fixture["commune"]["code"], None, None)
    assert (everyone.active, everyone.trained) == (5, 3)
    assert r.row(fixture["commune"]["code"], "civil_servant", None).trained == 1


def test_two_refreshers_are_one_person_and_two_person_times(fixture):
    r = report(fixture, day=dt.date(2025, 6, 30), start=dt.date(2025, 1, 1))
    refresher = r.row(fixture["commune"]["code"], "collaborator", "refresher")
    assert refresher.trained == 1
    assert refresher.person_times == 1  # only p1's 2025 class falls in 2025
    r = report(fixture, start=dt.date(2024, 3, 1), day=dt.date(2025, 6, 30))
    p1_times = r.row(fixture["commune"]["code"], "collaborator", "refresher").person_times
    assert p1_times == 3 and r.row(fixture["commune"]["code"], "collaborator", "refresher").trained == 1


def test_a_person_who_left_counts_before_leaving_but_not_after(fixture):
    before = report(fixture, day=dt.date(2024, 12, 31)).row(fixture["commune"]["code"], "collaborator", "refresher")
    after = report(fixture, day=DAY).row(fixture["commune"]["code"], "collaborator", "refresher")
    assert (before.active, before.trained) == (5, 2)  # p2 still active on 31/12/2024
    assert (after.active, after.trained) == (4, 1)


def test_a_revoked_certificate_does_not_count_and_a_valid_reissue_does(fixture):
    from certificates.tables import Certificate
    from training.classes.tables import Enrolment

    p3 = fixture["people"]["p3"]
    code = fixture["commune"]["code"]
    assert report(fixture).row(code, "collaborator", "refresher").trained == 1
    enrolment = run(Enrolment.select().where(Enrolment.person == p3["id"]).first().run())
    _certificate(enrolment, "valid")  # re-issued
    assert report(fixture).row(code, "collaborator", "refresher").trained == 2
    run(Certificate.update({Certificate.status: "revoked"}).where(Certificate.enrolment == enrolment["id"]).run())
    run(facts.certificate_status_changed(enrolment["id"]))
    assert report(fixture).row(code, "collaborator", "refresher").trained == 1


def test_before_the_class_ended_nothing_counts(fixture):
    r = report(fixture, day=dt.date(2016, 6, 29))
    assert r.row(fixture["commune"]["code"], None, None).trained == 0
    r = report(fixture, day=dt.date(2016, 6, 30))
    assert r.row(fixture["commune"]["code"], None, None).trained == 1


def test_rebuild_gives_the_same_figures_as_the_incremental_updates(fixture):
    before = [(r.staff_category, r.level, r.active, r.trained, r.person_times) for r in report(fixture).rows]
    run(facts.rebuild())
    after = [(r.staff_category, r.level, r.active, r.trained, r.person_times) for r in report(fixture).rows]
    assert before == after


def test_reopening_a_class_takes_its_completions_away(fixture):
    from training.classes.attendance import reopen_class
    from training.classes.tables import TrainingClass

    cls = make_class("56", status="closed", start_date=dt.date(2023, 3, 6), end_date=dt.date(2023, 3, 10),
                     course=make_course("masters")["id"])
    _complete(cls, fixture["people"]["p5"])
    code = fixture["commune"]["code"]
    assert report(fixture).row(code, "collaborator", "masters").trained == 1
    run(reopen_class(cls["id"], SYSTEM))
    assert run(TrainingClass.select(TrainingClass.status).where(TrainingClass.id == cls["id"]).first().run())[
        "status"] == "running"
    assert report(fixture).row(code, "collaborator", "masters").trained == 0


def test_legacy_view_groups_by_the_province_before_2025(fixture):
    r = run(figures.coverage(SYSTEM, DAY, province_code="56", view="legacy"))
    ninh_thuan = r.row("58", None, "intermediate")
    assert ninh_thuan is not None and ninh_thuan.unit_name == "Ninh Thuận" and ninh_thuan.trained >= 1
    assert all(row.unit_code in ("56", "58", None) for row in r.rows)  # Khánh Hòa's two pre-2025 provinces


# --- targets -----------------------------------------------------------------------------------


def test_a_target_outside_0_to_100_percent_is_refused_in_vietnamese(as_coordinator):
    from training.coverage.tables import CoverageTarget

    before = run(CoverageTarget.count().run())
    for share in (1.5, -0.1):
        response = as_coordinator.post("/tables/coverage_target/", {"year": 2027, "target_share": share, "note": ""})
        assert response.status_code == 422, response.text
        assert "Tỷ lệ chỉ tiêu" in response.text and "0% đến 100%" in response.text, response.text
    assert run(CoverageTarget.count().run()) == before


def test_gap_and_target_of_the_province_apply_to_its_communes(fixture):
    from training.coverage.tables import CoverageTarget
    from training.records.rows import create_row

    run(create_row(CoverageTarget, {"province": province_id("56"), "staff_category": "collaborator", "level": None,
                                    "year": 2025, "target_share": 0.75, "note": "Kế hoạch thử"}, SYSTEM))
    row = report(fixture).row(fixture["commune"]["code"], "collaborator", None)
    assert (row.target, row.gap) == (0.75, 1)  # 75% of 4 = 3 people, 2 trained
    assert report(fixture).row(fixture["commune"]["code"], "civil_servant", None).target != 0.75


# --- API, access, exports, bad input -------------------------------------------------------------

def test_api_returns_the_figures_as_json(client, coord, fixture):
    response = client.get("/api/coverage", params={"date": "30/06/2025", "commune": fixture["commune"]["code"],
                                                   "category": "collaborator"}, headers=coord)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scope"] == "commune" and body["province"] == "56" and body["date"] == "2025-06-30"
    any_level = next(r for r in body["rows"] if r["level"] is None)
    assert (any_level["active"], any_level["trained"], any_level["staff_category_label"]) == (4, 2, "Cộng tác viên")


def test_national_api_has_34_provinces_and_a_total(client, coord):
    body = client.get("/api/coverage", params={"category": "collaborator", "level": "refresher"},
                      headers=coord).json()
    units = {r["unit_code"] for r in body["rows"]}
    assert len(units - {None}) == 34 and None in units
    total = next(r for r in body["rows"] if r["unit_code"] is None)
    assert total["active"] == sum(r["active"] for r in body["rows"] if r["unit_code"])
    assert total["trained"] == sum(r["trained"] for r in body["rows"] if r["unit_code"])


def test_department_sees_only_its_province_through_api_export_and_page(client, fixture):
    thainguyen = token_for("dept.thainguyen")
    for params in ({"province": "56"}, {"province": "56", "format": "csv"}, {"province": "56", "format": "xlsx"},
                   {"commune": fixture["commune"]["code"]}, {"province": "56", "view": "legacy"}):
        response = client.get("/api/coverage", params=params, headers=thainguyen)
        assert response.status_code == 404, (params, response.text)
        assert "Khánh Hòa" not in response.text and response.json()["error"]["code"], (params, response.text)
    assert client.get("/api/coverage/trend", params={"province": "56"}, headers=thainguyen).status_code == 404
    assert client.get("/api/coverage/communes-without-trained", params={"province": "56"},
                      headers=thainguyen).status_code == 404
    own = client.get("/api/coverage", headers=thainguyen).json()
    assert own["province"] == "19" and {r["unit_code"] for r in own["rows"]} == {"19"}
    AdminSession(client, "dept.thainguyen")
    page = client.get("/dashboard/56")
    assert page.status_code == 404 and "Khánh Hòa" not in page.text
    national = client.get("/dashboard", follow_redirects=False)
    assert national.status_code in (302, 303, 307) and national.headers["location"].startswith("/dashboard/19")
    assert client.get("/dashboard/19").status_code == 200


def test_learners_and_strangers_cannot_see_coverage(client):
    from training.auth.accounts import create_account

    person = make_person("56", full_name="Học Viên Thử")
    run(create_account(f"learner.{person['id']}", "learner", PASSWORD, person_id=person["id"],
                       email=f"learner{person['id']}@example.com"))
    learner = token_for(f"learner.{person['id']}")
    assert client.get("/api/coverage", headers=learner).status_code == 403
    assert client.get("/api/coverage").status_code == 401
    assert client.get("/dashboard", follow_redirects=False).headers["location"] == "/admin/"


@pytest.mark.parametrize("params, field", [
    # in the future whatever the time zone, and still after a run that crosses midnight
    ({"date": (dt.date.today() + dt.timedelta(days=3)).isoformat()}, "date"),
    ({"date": "31/12/2009"}, "date"),
    ({"date": "30/02/2025"}, "date"),
    ({"province": "99"}, "province"),
    ({"category": "volunteer"}, "category"),
    ({"level": "phd"}, "level"),
    ({"commune": "00000"}, "commune"),
])
def test_bad_input_is_refused_with_a_vietnamese_message_naming_the_field(client, coord, params, field):
    response = client.get("/api/coverage", params=params, headers=coord)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["field"] == field
    from training.core.labels import field_label

    assert error["message"].startswith(field_label(field, "vi") + ":"), error["message"]
    assert error["message"] != client.get("/api/coverage", params={**params, "lang": "en"}, headers=coord).json()[
        "error"]["message"]


def test_csv_and_xlsx_exports_match_the_json_and_neutralise_formulas(client, coord, fixture):
    from training.coverage.tables import CoverageTarget

    # written straight to the database, as a row from before input refused formulas (validation.formula_errors)
    run(CoverageTarget.insert(CoverageTarget(province=province_id("56"), staff_category="worker", level=None,
                                             year=2025, target_share=0.5, note="=HYPERLINK(\"http://x\",\"y\")")).run())
    params = {"date": "2025-06-30", "province": "56", "category": "worker"}
    body = client.get("/api/coverage", params=params, headers=coord).json()
    response = client.get("/api/coverage", params={**params, "format": "csv"}, headers=coord)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Mã" and len(rows) == len(body["rows"]) + 1
    notes = {r[-1] for r in rows[1:]}
    assert "'=HYPERLINK(\"http://x\",\"y\")" in notes and not any(n.startswith("=") for n in notes)
    assert [int(r[5]) for r in rows[1:]] == [r["trained"] for r in body["rows"]]
    response = client.get("/api/coverage", params={**params, "format": "xlsx"}, headers=coord)
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(min_row=3, values_only=True))
    assert [v[5] for v in values] == [r["trained"] for r in body["rows"]]
    assert all(not str(v[-1]).startswith("=") for v in values)


def test_communes_without_a_trained_collaborator(client, coord, fixture):
    empty = _commune("56")
    response = client.get("/api/coverage/communes-without-trained", params={"province": "56", "date": "2025-06-30"},
                          headers=coord)
    codes = {c["code"] for c in response.json()}
    assert empty["code"] in codes and fixture["commune"]["code"] not in codes


def test_province_dashboard_shows_the_figures_in_vietnamese(client, fixture):
    AdminSession(client, "dept.khanhhoa")
    page = client.get("/dashboard/56", params={"date": "2025-06-30"})
    assert page.status_code == 200
    text = page.text
    for words in ("Tỷ lệ", "Khánh Hòa", "Cộng tác viên", "Xã/phường chưa có cộng tác viên được đào tạo", "<svg",
                  "<title", "format=xlsx", "format=csv"):
        assert words in text, words
    bad = client.get("/dashboard/56", params={"date": "2009-01-01"})
    assert bad.status_code == 400 and "2010" in bad.text


def test_coverage_api_is_documented_in_the_schema(client):
    schema = client.get("/schema/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/coverage", "/api/coverage/trend", "/api/coverage/communes-without-trained",
                 "/api/staff/import", "/api/communes/import"):
        assert path in paths, path
    parameters = {p["name"] for p in paths["/api/coverage"]["get"]["parameters"]}
    assert {"date", "province", "category", "level", "format", "view"} <= parameters
    assert "CoverageOut" in str(paths["/api/coverage"]["get"]["responses"]["200"])
