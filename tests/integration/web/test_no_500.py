"""No input answers 500: each input a fuzzing run once broke the service with, now a 4xx in the one
error shape (README, "API basics"), and the database unchanged."""

import datetime as dt
import json

import pytest
from factories import make_class, make_person, run

BIG = 2**31  # one past PostgreSQL's INTEGER: the ids' range on both engines
HUGE = 2**64  # past SQLite's INTEGER too


def error_of(response, status=None):
    """The one error shape, with a message a person can read."""
    assert response.status_code < 500, response.text
    assert 400 <= response.status_code < 500, response.text
    if status is not None:
        assert response.status_code == status, response.text
    body = response.json()
    assert set(body["error"]) >= {"code", "message", "field", "errors"}, body
    assert body["error"]["message"]
    return body["error"]


def a_session(client, coord):
    cls = make_class(start_date=dt.date(2026, 9, 1), end_date=dt.date(2026, 9, 30))
    response = client.post(f"/api/classes/{cls['id']}/sessions", headers=coord, json={"sessions": [
        {"session_date": "2026-09-02", "start_time": "08:00", "end_time": "11:00"}]})
    assert response.status_code == 201, response.text
    return cls, response.json()[0]


def test_patching_a_session_with_nothing_is_refused(client, coord):
    _cls, session = a_session(client, coord)
    error = error_of(client.patch(f"/api/sessions/{session['id']}", headers=coord, json={}), 422)
    assert error["code"] == "nothing_to_change"


def test_an_empty_list_of_sessions_is_refused(client, coord):
    from training.classes.tables import ClassSession

    cls = make_class()
    before = run(ClassSession.count().run())
    error = error_of(client.post(f"/api/classes/{cls['id']}/sessions", headers=coord, json={"sessions": []}), 422)
    assert error["code"] == "no_sessions"
    assert run(ClassSession.count().run()) == before


@pytest.mark.parametrize("number", [BIG, HUGE, -BIG - 1])
def test_ids_out_of_range_in_a_path(client, coord, number):
    for method, path in [("GET", f"/api/classes/{number}/attendance"), ("DELETE", f"/api/sessions/{number}"),
                         ("POST", f"/api/enrolments/{number}/withdraw"), ("POST", f"/api/classes/{number}/close")]:
        error = error_of(client.request(method, path, headers=coord), 400)
        assert error["code"] == "out_of_range"
    # an integer query parameter too
    error = error_of(client.get(f"/api/certificates/register?organisation={number}&year=2026", headers=coord), 400)
    assert error["code"] == "out_of_range" and error["field"] == "organisation"


@pytest.mark.parametrize("number", [BIG, HUGE])
def test_integers_out_of_range_in_a_json_body(client, coord, number):
    from training.classes.tables import Enrolment

    cls = make_class()
    before = run(Enrolment.count().run())
    error = error_of(client.post(f"/api/classes/{cls['id']}/enrolments", headers=coord, json={"person": number}), 400)
    assert error["code"] == "out_of_range" and error["field"] == "person"
    _cls, session = a_session(client, coord)
    error_of(client.patch(f"/api/sessions/{session['id']}", headers=coord, json={"trainer": number}), 400)
    error_of(client.put(f"/api/sessions/{session['id']}/attendance", headers=coord,
                        json={"marks": [{"enrolment": number, "status": "absent"}]}), 400)
    assert run(Enrolment.count().run()) == before


def test_capacity_out_of_range_in_the_admin(as_coordinator):
    from training.classes.tables import TrainingClass

    cls = make_class()
    error = error_of(as_coordinator.patch(f"/tables/training_class/{cls['id']}/", {"capacity": 10**30}), 400)
    assert error["field"] == "capacity"
    for number in (1e30, 1e10):  # JSON numbers that are not integers, but whole: pydantic makes them ints
        error = error_of(as_coordinator.patch(f"/tables/training_class/{cls['id']}/", {"capacity": number}))
        assert error["field"] == "capacity"
    row = run(TrainingClass.select(TrainingClass.capacity).where(TrainingClass.id == cls["id"]).first().run())
    assert row["capacity"] == cls["capacity"]
    error_of(as_coordinator.get(f"/tables/training_class/{HUGE}/"), 400)
    error_of(as_coordinator.get("/tables/training_class/", params={"capacity": str(HUGE)}), 400)


def test_an_upload_with_no_file_name_and_bytes_that_are_not_text(client, coord):
    cls = make_class()
    response = client.post(f"/api/classes/{cls['id']}/roster", headers=coord,
                           files={"file": ("", b"\xff\xfe\x00\x81 not a spreadsheet \xc3\x28", "text/csv")})
    error_of(response)


def test_json_nested_50000_deep(client, coord, as_coordinator):
    cls = make_class()
    deep = "[" * 50_000 + "]" * 50_000
    headers = {**coord, "Content-Type": "application/json"}
    error = error_of(client.post(f"/api/classes/{cls['id']}/enrolments", headers=headers, content=deep), 400)
    assert error["code"] == "too_deep"
    deep_object = '{"person": ' + "[" * 50_000 + "]" * 50_000 + "}"
    error_of(client.post(f"/api/classes/{cls['id']}/enrolments", headers=headers, content=deep_object), 400)
    admin = as_coordinator.client.post("/admin/api/tables/training_class/", content=deep,
                                       headers={**as_coordinator.headers, "Content-Type": "application/json"})
    error_of(admin, 400)


def test_nul_characters_are_refused_everywhere(client, coord, as_coordinator):
    from training.people.tables import Person

    cls = make_class()
    error = error_of(client.get("/api/counts?province=%00", headers=coord), 400)
    assert error["code"] == "nul_character"
    error_of(client.get("/api/provinces/5%006", headers=coord), 400)
    error_of(client.get("/api/coverage?province=56%00", headers=coord))
    _cls, session = a_session(client, coord)
    error_of(client.patch(f"/api/sessions/{session['id']}", headers=coord, json={"topic": "Buổi\u00001"}), 400)
    error_of(client.patch(f"/api/sessions/{session['id']}", headers=coord, json={"ven\u0000ue": "A"}), 400)
    before = run(Person.count().run())
    error_of(as_coordinator.post("/tables/person/", {
        "full_name": "Trần\u0000 Bình", "sex": "male", "staff_category": "collaborator", "province": 1}), 400)
    error_of(as_coordinator.get("/tables/person/", params={"full_name": "Tr\u0000"}), 400)
    error_of(client.post("/login", data={"username": "coord\x00", "password": "x"}), 400)  # a form body
    assert error_of(client.get("/api/counts?province=%ff", headers=coord), 400)["code"] == "not_utf8"
    assert run(Person.count().run()) == before
    assert cls


def test_admin_order_by_an_unknown_column(as_coordinator):
    error = error_of(as_coordinator.get("/tables/person/", params={"__order": "x"}), 400)
    assert error["field"] == "__order"
    assert as_coordinator.get("/tables/person/", params={"__order": "-full_name"}).status_code == 200


def test_admin_filter_longer_than_its_column(as_coordinator):
    make_person(citizen_id=None)
    error = error_of(as_coordinator.get("/tables/person/", params={"citizen_id": "1" * 21}), 400)
    assert error["field"] == "citizen_id"
    ok = as_coordinator.get("/tables/person/", params={"citizen_id": "1" * 13})
    assert ok.status_code == 200, ok.text


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '"text"', "null", '{"class_code": 5'])
def test_malformed_admin_bodies(as_coordinator, body):
    forms = as_coordinator.get("/forms/").json()
    slug = forms[0]["slug"]
    headers = {**as_coordinator.headers, "Content-Type": "application/json"}
    error_of(as_coordinator.client.post(f"/admin/api/forms/{slug}/", content=body, headers=headers))
    error_of(as_coordinator.client.post("/admin/api/tables/training_class/", content=body, headers=headers))
    cls = make_class()
    error_of(as_coordinator.client.patch(f"/admin/api/tables/training_class/{cls['id']}/", content=body,
                                         headers=headers))


def test_openapi_documents_the_one_error_shape(client):
    schema = client.get("/schema/openapi.json").json()
    body = json.dumps(schema)
    assert '"status_code"' not in body  # Litestar's own {status_code, detail} is not what we answer
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = [c for c in operation["responses"] if c.startswith("4")]
            assert codes, f"{method} {path} documents no 4xx"
            for code in codes:
                content = operation["responses"][code]["content"]["application/json"]["schema"]
                assert content == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, code, content)
    error = schema["components"]["schemas"]["ErrorBody"]
    assert error["required"] == ["error"]


def test_the_domain_core_refuses_what_no_column_can_hold():
    """Rows written from any path (admin, imports, CLI) go through training.records.validation.clean: an
    integer past the INTEGER range is a clear error there, on both engines, and nothing is saved; a
    NUL character in text is stripped there (over HTTP the input gate refuses it before, with a 400).
    (A CSV or XLSX file carrying NUL is already refused as unreadable.)"""
    from training.auth.access import SYSTEM
    from training.classes.tables import TrainingClass
    from training.core.errors import DomainError
    from training.people.tables import Person
    from training.records.rows import create_row

    assert make_class(venue="Hội trường\x00 A")["venue"] == "Hội trường A"
    before = run(Person.count().run()), run(TrainingClass.count().run())
    with pytest.raises(DomainError) as huge:
        make_class(capacity=2**31)
    assert huge.value.errors[0].code == "out_of_range" and huge.value.errors[0].field == "capacity"
    with pytest.raises(DomainError):
        run(create_row(Person, {"full_name": "Lê Thị Hoa", "sex": "female", "staff_category": "collaborator",
                                "province": 2**40}, SYSTEM))
    assert (run(Person.count().run()), run(TrainingClass.count().run())) == before
