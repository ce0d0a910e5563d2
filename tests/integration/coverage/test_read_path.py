"""The read path of issue 14 (ADR 0044): the province dashboard and the learner's page with few queries.

The yearly trend is counted with one query per figure instead of three per year: it must give exactly what the
one-date definitions (``count_active``, ``count_trained``, ``count_person_times``) give year by year. The
learner's attendance shares are counted for all her classes at once: exactly what ``attended_shares`` gives
class by class. Both pages read every query on one connection (``read_snapshot``) and cache nothing: a write
shows on the next request.
"""

import datetime as dt
import random
import re

import pytest
from factories import (
    PASSWORD,
    AdminSession,
    make_class,
    make_course,
    make_enrolment,
    make_person,
    province_id,
    run,
    unique,
)

from training.auth.access import SYSTEM
from training.coverage import definition, facts, figures

RNG = random.Random(1414)  # seeded: the same people, periods and completions every run
DAY = dt.date(2025, 6, 30)
LEVELS = ("refresher", "intermediate", "college")


def _revoked_certificate(enrolment: dict) -> None:
    from certificates.tables import Certificate
    from training.people.tables import Organisation
    from training.records.rows import create_row

    org = run(create_row(Organisation, {"name": unique("Trường Thử "), "kind": "training_institution"}, SYSTEM))
    run(Certificate.insert(Certificate(
        enrolment=enrolment["id"], issuer=org["id"], number=unique("READ-"), register_year=2024,
        register_number=RNG.randrange(10**6), issued_on=dt.date(2024, 4, 1), status="revoked",
        created_at=dt.datetime.now(dt.UTC))).run())
    run(facts.certificate_status_changed(enrolment["id"]))


def _commune() -> dict:
    from training.records.rows import create_row
    from training.reference.tables import Commune

    code = f"8{RNG.randrange(10_000):04d}"
    while run(Commune.exists().where(Commune.code == code).run()):
        code = f"8{RNG.randrange(10_000):04d}"
    return run(create_row(Commune, {"code": code, "name": f"Xã Xu Hướng {code}", "province": province_id("56")},
                          SYSTEM))


@pytest.fixture(scope="module")
def history():
    """30 people of Khánh Hòa joining and leaving between 2014 and 2025, with completions of three levels in
    classes ending from 2016 to 2025 (some failed, some revoked): every year has people coming and going."""
    courses = {lv: make_course(lv)["id"] for lv in LEVELS}
    classes = []
    for year in range(2016, 2026):
        for lv in LEVELS:
            end = dt.date(year, RNG.randrange(1, 13), RNG.randrange(1, 28))
            classes.append(make_class("56", course=courses[lv], start_date=end - dt.timedelta(days=20), end_date=end,
                                      status="closed"))
    communes = [_commune() for _ in range(4)]
    for i in range(30):
        start = dt.date(RNG.randrange(2014, 2024), RNG.randrange(1, 13), 1) if RNG.random() < 0.8 else None
        leave = dt.date(RNG.randrange(2017, 2026), RNG.randrange(1, 13), 15) if RNG.random() < 0.3 else None
        if start and leave and leave < start:
            start, leave = leave, start
        person = make_person("56", full_name=f"Người Xu Hướng {i}", staff_category=RNG.choice(definition.CATEGORIES),
                             active_from=start, active_to=leave, commune=RNG.choice(communes)["id"]
                             if RNG.random() < 0.8 else None)
        for cls in RNG.sample(classes, RNG.randrange(0, 5)):
            enrolment = make_enrolment(cls["id"], person["id"], RNG.choice(["completed", "completed", "failed"]))
            if enrolment["status"] == "completed" and RNG.random() < 0.15:
                _revoked_certificate(enrolment)


def _trend_year_by_year(day: dt.date, category: str | None, level: str | None) -> list[dict]:
    """The trend as it was counted before ADR 0044: the one-date definitions, three queries a year."""
    scope = run(figures.resolve_scope(SYSTEM, "56"))
    first = run(figures.trend(SYSTEM, day, "56", category, level, scope=scope))[0]["year"]
    out = []
    for year in range(first, day.year + 1):
        at = min(day, dt.date(year, 12, 31))
        active = sum(run(definition.count_active(at, scope, category)).values())
        trained = sum(run(definition.count_trained(at, scope, category, level or definition.ANY)).values())
        times = sum(run(definition.count_person_times(dt.date(year, 1, 1), at, scope, category, level)).values())
        out.append({"year": year, "date": at, "active": active, "trained": trained, "person_times": times,
                    "share": trained / active if active else None})
    return out


@pytest.mark.parametrize("category, level", [(None, None), ("collaborator", None), (None, "refresher"),
                                             ("worker", "intermediate")])
@pytest.mark.parametrize("day", [DAY, dt.date(2025, 12, 31)])
def test_trend_counts_each_year_as_the_one_date_definitions_do(history, day, category, level):
    years = run(figures.trend(SYSTEM, day, "56", category, level))
    expected = _trend_year_by_year(day, category, level)
    assert years == expected
    assert years[0]["year"] <= 2016 and years[-1]["date"] == day
    assert len({y["active"] for y in years}) > 1 and any(y["person_times"] for y in years)  # the data moves


def test_trend_of_a_department_is_its_own_province_only(history):
    from training.auth.access import Actor
    from training.core.enums import Role
    from training.core.errors import NotFound
    from training.reference.tables import Province

    khanhhoa = run(Province.select(Province.id).where(Province.code == "56").first().run())["id"]
    department = Actor(user_id=0, username="dept", role=Role.department, province_id=khanhhoa)
    assert run(figures.trend(department, DAY, "56")) == run(figures.trend(SYSTEM, DAY, "56"))
    with pytest.raises(NotFound):
        run(figures.trend(department, DAY, "19"))


def _communes_one_by_one(day: dt.date, category: str) -> list[dict]:
    """Communes without a trained person as they were counted before ADR 0044: three queries."""
    from training.reference.tables import Commune

    province = province_id("56")
    communes = run(Commune.select(Commune.id, Commune.code, Commune.name).where(Commune.province == province)
                   .order_by(Commune.code).run())
    trained = {r["commune"] for r in run(definition.fact_rows(
        "SELECT commune, COUNT(*) AS n FROM coverage_fact WHERE level = 'any' AND staff_category = {} "
        "AND first_on <= {} AND " + definition.ACTIVE_ON.format(d="{}")
        + " AND province = {} AND commune IS NOT NULL GROUP BY commune",
        [category, day, day, day, province]))}
    active = {r["commune"]: int(r["n"]) for r in run(definition.fact_rows(
        "SELECT commune, COUNT(*) AS n FROM person WHERE staff_category = {} AND " + definition.ACTIVE_ON.format(d="{}")
        + " AND province = {} AND commune IS NOT NULL GROUP BY commune", [category, day, day, province]))}
    return [{**c, "active": active.get(c["id"], 0)} for c in communes if c["id"] not in trained]


@pytest.mark.parametrize("category", ["collaborator", "worker"])
@pytest.mark.parametrize("day", [dt.date(2019, 12, 31), DAY])
def test_communes_without_trained_in_one_query_are_those_of_the_three(history, day, category):
    communes = run(figures.communes_without_trained(SYSTEM, day, "56", category))
    assert communes == _communes_one_by_one(day, category)
    assert communes  # the four communes of the fixture are not all covered


def _trend_row(page: str, year: int) -> list[str]:
    row = re.search(rf'<tr><th scope="row">{year}</th>(.*?)</tr>', page)
    assert row, f"no trend row for {year}"
    return re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))


def test_province_dashboard_shows_a_new_completion_at_once(client, history):
    AdminSession(client, "dept.khanhhoa")
    year = dt.date.today().year
    before = client.get("/dashboard/56")
    assert before.status_code == 200
    cls = make_class("56", course=make_course("refresher")["id"], start_date=dt.date(year, 1, 5),
                     end_date=dt.date(year, 1, 20), status="closed")
    people = [make_person("56", full_name=f"Người Mới {i}", active_from=dt.date(2020, 1, 1)) for i in range(3)]
    for person in people:
        make_enrolment(cls["id"], person["id"], "completed")
    after = client.get("/dashboard/56")
    assert after.status_code == 200
    old, new = _trend_row(before.text, year), _trend_row(after.text, year)
    number = lambda text: int(text.replace(".", ""))  # noqa: E731  (Vietnamese thousands separator)
    assert number(new[1]) == number(old[1]) + 3  # active staff
    assert number(new[2]) == number(old[2]) + 3  # people trained
    assert number(new[4]) == number(old[4]) + 3  # person-times of the year


def _session(class_id: int, day: dt.date) -> int:
    from training.classes.tables import ClassSession

    row = ClassSession(training_class=class_id, session_date=day, start_time=dt.time(8), end_time=dt.time(11))
    run(row.save().run())
    return row.id


def _mark(session_id: int, enrolment_id: int, status: str) -> None:
    from training.classes.tables import Attendance

    run(Attendance(session=session_id, enrolment=enrolment_id, status=status).save().run())


def _learner_login(client, username: str) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrftoken": client.cookies.get("csrftoken")}, follow_redirects=False)
    assert response.headers["location"] == "/me", response.text


def test_my_page_shows_each_class_attendance_as_the_class_counts_it_and_a_new_mark_at_once(client):
    from training.auth.accounts import create_account
    from training.classes.attendance import attended_shares, person_shares

    person = make_person("56", full_name="Đặng Thị Chuyên Cần")
    username = unique("hv.read")
    run(create_account(username, "learner", PASSWORD, person_id=person["id"]))
    excused_counts = make_class("56", course=make_course(excused_counts_as_present=True)["id"], status="running")
    strict = make_class("56", course=make_course(excused_counts_as_present=False)["id"], status="running",
                        start_date=dt.date(2026, 4, 6), end_date=dt.date(2026, 4, 24))
    no_sessions = make_class("56", status="open", start_date=dt.date(2026, 5, 4), end_date=dt.date(2026, 5, 22))
    mine = {c["id"]: make_enrolment(c["id"], person["id"], "confirmed") for c in (excused_counts, strict, no_sessions)}
    classmate = make_enrolment(strict["id"], make_person("56", full_name="Bạn Cùng Lớp")["id"], "confirmed")
    days = [dt.date(2026, 3, 2) + dt.timedelta(days=i) for i in range(4)]
    first = [_session(excused_counts["id"], d) for d in days]
    second = [_session(strict["id"], d + dt.timedelta(days=35)) for d in days]
    for session, status in zip(first, ("present", "excused", "absent", "late"), strict=True):
        _mark(session, mine[excused_counts["id"]]["id"], status)
    for session, status in zip(second[:2], ("present", "excused"), strict=True):
        _mark(session, mine[strict["id"]]["id"], status)
    for session in second:
        _mark(session, classmate["id"], "present")  # someone else's marks count for no one else

    shares = run(person_shares(person["id"]))
    assert shares == {e["id"]: run(attended_shares(class_id))[e["id"]]["share"] for class_id, e in mine.items()
                      if class_id != no_sessions["id"]}
    # a class with no session yet has no attendance to show (a learner read "0%" as "missed everything")
    assert shares == {mine[excused_counts["id"]]["id"]: 0.75, mine[strict["id"]]["id"]: 0.25}

    _learner_login(client, username)
    page = client.get("/me")
    assert page.status_code == 200
    attendance = dict(re.findall(r'<td data-label="Lớp">([^<]+)</td>.*?<td data-label="Điểm danh">([^<]+)</td>',
                                 page.text))
    assert attendance == {excused_counts["code"]: "75%", strict["code"]: "25%", no_sessions["code"]: "—"}
    _mark(second[2], mine[strict["id"]]["id"], "present")
    page = client.get("/me")
    assert f'{strict["code"]}</td>' in page.text and "50%" in page.text
