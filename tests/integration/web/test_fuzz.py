"""A bounded schemathesis run over /schema/openapi.json, in process, as a coordinator (valid and
invalid cases) and as a department (valid cases): any 5xx or any answer that does not match the
documented schema (the one error shape for every 4xx included) fails the test.

Its own data: the module creates its own course, class, people, enrolments and sessions, and every
id a case puts in a path (or in a ``person``/``enrolment``/``trainer`` field) that the database
could hold is mapped onto those rows; ids outside the INTEGER range are sent as generated. Cases
may close, re-open and withdraw, but only on these rows. The run is moved to the end of the
session (conftest.py) so that even an id it does not map cannot touch a row another test still
needs. Certificate ids go to an id no certificate has (the run issues none of its own, so revoke
and re-issue never touch another test's certificate). Bounded: schemathesis' boundary cases plus
EXAMPLES generated ones per operation, derandomized (same cases every run), no example database.
"""

from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from factories import make_class, make_course, make_person, run, unique
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from training.auth.access import SYSTEM
from training.records.rows import create_row

EXAMPLES = 3
INT_MAX = 2**31 - 1  # ids are INTEGER columns
ID_FIELDS = {"class_id": "classes", "session_id": "sessions", "enrolment_id": "enrolments", "cert_id": "certificates",
             "person": "people", "enrolment": "enrolments", "trainer": "trainers"}


WORLD: dict[str, list[int]] = {}  # filled by the `world` fixture before the first case is sent


@pytest.fixture(scope="module", autouse=True)
def world(database):
    """The fuzz run's own rows, in Khánh Hòa (the department token's province)."""
    from training.classes.enrolment import enrol
    from training.classes.tables import ClassSession, Trainer

    today = dt.date.today()
    course = make_course()
    classes = [make_class("56", course=course["id"], start_date=today - dt.timedelta(days=20),
                          end_date=today + dt.timedelta(days=20), capacity=2, status="open")
               for _ in range(2)]
    people = [make_person("56", full_name=unique("Người thử ")) for _ in range(3)]
    enrolments = [run(enrol(classes[0]["id"], p["id"], SYSTEM))["id"] for p in people]
    trainer = run(create_row(Trainer, {"person": people[0]["id"], "qualifications": "CTXH"}, SYSTEM))
    sessions = []
    for offset in (-3, -2, 5):
        row = run(create_row(ClassSession, {"training_class": classes[0]["id"],
                                            "session_date": today + dt.timedelta(days=offset),
                                            "start_time": dt.time(8), "end_time": dt.time(11)}, SYSTEM))
        sessions.append(row["id"])
    WORLD.update(classes=[c["id"] for c in classes], people=[p["id"] for p in people], enrolments=enrolments,
                 sessions=sessions, trainers=[trainer["id"]], certificates=[INT_MAX])
    yield WORLD
    WORLD.clear()


def _own(name, value):
    """A storable id becomes one of the run's own rows; anything else goes out as generated."""
    pool = WORLD.get(ID_FIELDS.get(name, ""), [])
    if pool and isinstance(value, int) and not isinstance(value, bool) and 0 < value <= INT_MAX:
        return pool[value % len(pool)]
    return value


def _load_schema(modes):
    """The schema as the app serves it, with every storable id mapped onto the run's own rows.
    Loading needs no database (engines bind at import; conftest has pointed them at the test one)."""
    from training.web.app import create_app

    loaded = schemathesis.openapi.from_asgi("/schema/openapi.json", create_app())
    loaded.config.generation.update(modes=modes, max_examples=EXAMPLES, deterministic=True, database="none")

    @loaded.hook
    def map_path_parameters(context, path_parameters):
        return {name: _own(name, value) for name, value in (path_parameters or {}).items()}

    @loaded.hook
    def map_body(context, body):
        if isinstance(body, dict):
            return {name: _own(name, value) for name, value in body.items()}
        return body

    return loaded


# The coordinator gets valid and invalid cases; the department the valid ones only: the input gate
# answers invalid input before any access check, so its invalid cases would repeat the coordinator's.
schema = _load_schema(list(GenerationMode))
valid_only = _load_schema([GenerationMode.POSITIVE])
CHECKS = [not_a_server_error, response_schema_conformance]
BOUNDED = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                   suppress_health_check=list(HealthCheck))


@schema.parametrize()
@BOUNDED
def test_as_a_coordinator(case, coord):
    case.call_and_validate(headers=coord, checks=CHECKS)


@valid_only.parametrize()
@BOUNDED
def test_as_a_department(case, khanhhoa):
    case.call_and_validate(headers=khanhhoa, checks=CHECKS)
