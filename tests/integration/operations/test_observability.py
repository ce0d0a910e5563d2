"""Observability (issue 14, item 5): JSON log lines with a request id and no personal data, and
``/metrics`` in Prometheus' text format (requests and latency by route template, imports,
certificates, the database), restricted to the configured addresses, added up across workers.

Everything runs against a real ``training serve`` process on 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest
from factories import IS_POSTGRES, admin_login, make_class, serve, serve_log, token_for
from factories.roster import learner, upload, xlsx
from prometheus_client.parser import text_string_to_metric_families

PHONE, EMAIL, BORN = "0912 345 678", "tran.thi.lan@soldtbxh.gov.vn", dt.date(1991, 3, 9)
WRONG_PASSWORD = "Sai-Mat-Khau-2026!"
VERIFY = "/api/verify/KHA-2026-424242"  # no such certificate: 404, counted under its route template


@pytest.fixture(scope="module")
def server():
    env = {"TRAINING_LOG_FORMAT": "json", "TRAINING_ACCESS_LOG": "1", "TRAINING_TRUSTED_PROXIES": "127.0.0.1"}
    with serve(env=env) as base:
        yield base


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """Every sample of a scrape: (name, sorted labels) → value."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def import_a_roster(client: httpx.Client, headers: dict, row: list) -> httpx.Response:
    cls = make_class("56", status="open")
    return upload(client, headers, cls["id"], "danh-sach.xlsx", xlsx([row]), dry_run=False)


def test_json_log_lines_carry_the_request_id_and_no_personal_data(server):
    coord = token_for("coord")
    row = learner(dob=BORN, phone=PHONE, email=EMAIL)
    citizen_id = row[4]
    with httpx.Client(base_url=server, timeout=60) as client:
        saved = import_a_roster(client, {**coord, "X-Request-ID": "roster-import-42"}, row)
        assert saved.status_code == 201, saved.text
        assert saved.headers["x-request-id"] == "roster-import-42"
        # personal data in a query string, a wrong and a right password, a bearer token
        client.get(f"/api/counts?citizen_id={citizen_id}&email={EMAIL}&phone={PHONE}", headers=coord)
        assert admin_login(client, "coord", WRONG_PASSWORD).status_code >= 400
        # an id that is not sane (a citizen ID, spaces) is replaced by a new one
        for unsafe in (citizen_id, "two words", "x" * 300):
            answered = client.get("/health", headers={"X-Request-ID": unsafe}).headers["x-request-id"]
            assert answered != unsafe and len(answered) == 32
    text = serve_log(server).read_text(encoding="utf-8")
    lines = text.splitlines()
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    printed = [line for line in lines if not line.startswith("{")]
    assert len(printed) == 2 and all(line.startswith(("Dịch vụ", "Cơ sở dữ liệu")) for line in printed), printed
    requests = [e for e in entries if e["logger"] == "training.access"]
    assert all(e["request_id"] for e in requests)
    mine = [e for e in requests if e["request_id"] == "roster-import-42"]
    # the client's id on both of its requests (the dry run, then the save); a new id for every other one
    assert [(e["route"], e["status"]) for e in mine] == [("/api/classes/{class_id}/roster", 200),
                                                         ("/api/classes/{class_id}/roster", 201)]
    others = [e["request_id"] for e in requests if e not in mine]
    assert len(set(others)) == len(others)
    secret = coord["Authorization"].split()[1]
    for value in (citizen_id, PHONE, PHONE.replace(" ", ""), EMAIL, BORN.isoformat(), BORN.strftime("%d/%m/%Y"),
                  WRONG_PASSWORD, secret):
        assert value not in text, value


def test_metrics_count_by_route_template_for_allowed_addresses_only(server):
    coord = token_for("coord")
    with httpx.Client(base_url=server, timeout=60) as client:
        before = samples(client.get("/metrics").text)
        for _ in range(3):
            assert client.get(VERIFY).status_code == 404
        assert import_a_roster(client, coord, learner()).status_code == 201
        scrape = client.get("/metrics")
        assert scrape.status_code == 200 and scrape.headers["content-type"].startswith("text/plain")
        # a client the trusted proxy speaks for, outside TRAINING_METRICS_ALLOW: as if there were no /metrics
        hidden = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
        assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "not_found"
        assert client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200
    after = samples(scrape.text)

    def grew(name, **labels):
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    route = "/api/verify/{number}"
    assert grew("training_http_requests_total", method="GET", route=route, status="404") == 3
    assert grew("training_http_request_duration_seconds_count", method="GET", route=route) == 3
    assert "KHA-2026-424242" not in scrape.text  # the route template, never the raw path
    assert grew("training_imports_total", kind="roster") == 1
    engine = "postgres" if IS_POSTGRES else "sqlite"
    assert after[("training_database_up", (("engine", engine),))] == 1
    assert "# TYPE training_certificates gauge" in scrape.text
    pool = [key for key in after if key[0].startswith("training_database_pool_")]
    assert bool(pool) == IS_POSTGRES  # the PostgreSQL pool's size and use; SQLite has none


def test_metrics_add_up_the_requests_of_every_worker():
    with serve(workers=2) as base:
        for _ in range(40):  # a new connection each: the two workers share them
            assert httpx.get(f"{base}/api/provinces/56").status_code == 200
        scrapes = [samples(httpx.get(f"{base}/metrics").text) for _ in range(6)]
    key = ("training_http_requests_total", (("method", "GET"), ("route", "/api/provinces/{code}"),
                                            ("status", "200")))
    assert [s.get(key) for s in scrapes] == [40] * 6
