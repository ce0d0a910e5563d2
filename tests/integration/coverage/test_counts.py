"""One definition of "people trained" and "person-times": /api/counts and /api/coverage agree on the same data
(revoked certificates, people who left, refreshers taken twice) and answer 404 for another province alike."""

import datetime as dt
import random

import pytest
from factories import make_class, make_course, make_enrolment, make_person, run

from training.auth.access import SYSTEM

PROVINCE = "86"  # Vĩnh Long: no other test writes there, so the figures are exact
DAY = dt.date(2025, 6, 30)
START = dt.date(2024, 1, 1)
RNG = random.Random(1104)  # seeded: the same certificate numbers every run


def _enrol(cls: dict, person: dict, status: str = "completed") -> dict:
    return make_enrolment(cls["id"], person["id"], status)


def _certificate(enrolment: dict, status: str) -> None:
    """A certificate row as the certificate service leaves it, then the hook it calls."""
    from certificates.tables import Certificate
    from training.coverage import facts
    from training.people.tables import Organisation
    from training.records.rows import create_row

    org = run(create_row(Organisation, {"name": "Trường Đếm Thử", "kind": "training_institution"}, SYSTEM))
    run(Certificate.insert(Certificate(
        enrolment=enrolment["id"], issuer=org["id"], number=f"COUNT-{RNG.randrange(10**9)}", register_year=2024,
        register_number=RNG.randrange(10**6), issued_on=dt.date(2024, 4, 1), status=status,
        created_at=dt.datetime.now(dt.UTC))).run())
    run(facts.certificate_status_changed(enrolment["id"]))


@pytest.fixture(scope="module")
def fixture():
    """Vĩnh Long on 30/06/2025, person-times from 01/01/2024:

    - p1: the refresher in 2024 and again in 2025 -> one person, two person-times;
    - p2: left on 31/01/2025 (outside their active period), refresher in 2024 -> not a person trained on the
      date, but the completion is a person-time (the person's status does not matter for person-times);
    - p3: refresher in 2024, certificate revoked -> nothing;
    - p4: intermediate in 2025 with a valid certificate -> one person, one person-time;
    - p5: failed the 2025 refresher -> nothing.
    """
    refresher, intermediate = make_course("refresher")["id"], make_course("intermediate")["id"]
    r2024 = make_class(PROVINCE, status="closed", course=refresher, start_date=dt.date(2024, 3, 4),
                       end_date=dt.date(2024, 3, 29))
    r2025 = make_class(PROVINCE, status="closed", course=refresher, start_date=dt.date(2025, 5, 5),
                       end_date=dt.date(2025, 5, 30))
    i2025 = make_class(PROVINCE, status="closed", course=intermediate, start_date=dt.date(2025, 1, 6),
                       end_date=dt.date(2025, 4, 25))
    people = {key: make_person(PROVINCE, full_name=f"Người đếm {key}", active_from=dt.date(2015, 1, 1), **extra)
              for key, extra in (("p1", {}), ("p2", {"active_to": dt.date(2025, 1, 31)}), ("p3", {}), ("p4", {}),
                                 ("p5", {}))}
    _enrol(r2024, people["p1"])
    _enrol(r2025, people["p1"])
    _enrol(r2024, people["p2"])
    _certificate(_enrol(r2024, people["p3"]), "revoked")
    _certificate(_enrol(i2025, people["p4"]), "valid")
    _enrol(r2025, people["p5"], "failed")
    return people


def coverage_rows(client, headers, **params):
    response = client.get("/api/coverage", params={"date": DAY.isoformat(), "start": START.isoformat(),
                                                    "province": PROVINCE, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return {(r["staff_category"], r["level"]): r for r in response.json()["rows"]}


def counts(client, headers, **params):
    response = client.get("/api/counts", params={"start": START.isoformat(), "end": DAY.isoformat(),
                                                  "province": PROVINCE, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_counts_and_coverage_agree(client, coord, fixture):
    report = coverage_rows(client, coord)
    total = counts(client, coord)
    assert total == [{"people": 2, "person_times": 4, "province": None, "staff_category": None, "level": None,
                      "year": None}]  # p1 and p4; p1 twice, p2, p4
    assert (report[(None, None)]["trained"], report[(None, None)]["person_times"]) == (2, 4)

    by_level = {r["level"]: (r["people"], r["person_times"]) for r in counts(client, coord, group_by="level")}
    assert by_level == {"intermediate": (1, 1), "refresher": (1, 3)}
    for level, (people, times) in by_level.items():
        row = report[(None, level)]
        assert (row["trained"], row["person_times"]) == (people, times), level

    grouped = counts(client, coord, group_by="province,staff_category,level")
    assert {(r["province"], r["staff_category"], r["level"]): (r["people"], r["person_times"]) for r in grouped} == {
        (PROVINCE, "collaborator", "intermediate"): (1, 1), (PROVINCE, "collaborator", "refresher"): (1, 3)}
    collaborators = report[("collaborator", "refresher")]
    assert (collaborators["trained"], collaborators["person_times"]) == (1, 3)

    by_year = counts(client, coord, group_by="year")
    assert [(r["year"], r["people"], r["person_times"]) for r in by_year] == [(2024, 1, 2), (2025, 2, 2)]


def test_without_start_people_are_the_coverage_report_people_trained(client, coord, fixture):
    everything = client.get("/api/counts", params={"end": DAY.isoformat(), "province": PROVINCE},
                            headers=coord).json()[0]
    report = coverage_rows(client, coord, start="2010-01-01")
    assert (everything["people"], everything["person_times"]) == (
        report[(None, None)]["trained"], report[(None, None)]["person_times"]) == (2, 4)


def test_a_revocation_takes_the_completion_away_in_both(client, coord, fixture):
    from certificates.tables import Certificate
    from training.classes.tables import Enrolment
    from training.coverage import facts

    p4 = fixture["p4"]
    enrolment = run(Enrolment.select(Enrolment.id).where(Enrolment.person == p4["id"]).first().run())["id"]
    run(Certificate.update({Certificate.status: "revoked"}).where(Certificate.enrolment == enrolment).run())
    run(facts.certificate_status_changed(enrolment))
    try:
        total = counts(client, coord)[0]
        report = coverage_rows(client, coord)[(None, None)]
        assert (total["people"], total["person_times"]) == (report["trained"], report["person_times"]) == (1, 3)
    finally:
        run(Certificate.update({Certificate.status: "valid"}).where(Certificate.enrolment == enrolment).run())
        run(facts.certificate_status_changed(enrolment))


def test_another_province_is_404_in_both_and_a_department_gets_its_own(client, khanhhoa, fixture):
    for path in ("/api/counts", "/api/coverage"):
        response = client.get(path, params={"province": PROVINCE}, headers=khanhhoa)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["error"]["field"] == "province"
    own = client.get("/api/counts", params={"group_by": "province"}, headers=khanhhoa).json()
    assert {r["province"] for r in own} <= {"56"}


def test_bad_counts_input_is_a_400_naming_the_field(client, coord):
    for params, field in (({"group_by": "commune"}, "group_by"), ({"level": "phd"}, "level"),
                          ({"staff_category": "volunteer"}, "staff_category"), ({"province": "99"}, "province"),
                          ({"start": "2025-02-01", "end": "2025-01-01"}, "end")):
        response = client.get("/api/counts", params=params, headers=coord)
        assert response.status_code == 400, (params, response.text)
        assert response.json()["error"]["field"] == field
