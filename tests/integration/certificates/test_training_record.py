"""A learner's training record (issue 13, ADR 0039): her completed trainings with dates, hours and result,
the hours per calendar year (the year her class ended, as coverage counts), her certificates with their
verify links; at /me/record and as a PDF ("Quá trình đào tạo, bồi dưỡng") that she, a coordinator or her
province's department can print (each print by staff in the access log); anyone else gets 404."""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata

from factories import (
    ARTIFACTS,
    PASSWORD,
    cccd_serial,
    make_class,
    make_course,
    make_enrolment,
    make_person,
    run,
    token_for,
    unique,
)
from factories.certificates import make_issuer
from pypdf import PdfReader

from certificates.issuing import issue_for_class, revoke
from certificates.tables import Certificate
from training.auth.access import SYSTEM
from training.auth.accounts import create_account
from training.coverage.tables import CompletionFact
from training.people.tables import PersonalDataAccess
from training.records.validation import cccd_for


def closed(person_id: int, hours: int, start: dt.date, end: dt.date, status: str = "completed",
           classification: str | None = "Khá", issuer: int | None = None) -> dict:
    course = make_course(hours=hours, name_vi=unique("Bồi dưỡng kỹ năng "))
    cls = make_class(course=course["id"], start_date=start, end_date=end, status="closed", institution=issuer)
    make_enrolment(cls["id"], person_id, status=status, classification=classification,
                   score=7.5 if status == "completed" else 3.0)
    return cls


def record_learner() -> dict:
    """Three completed classes across 2024 and 2025 (one with a certificate), one failed class, one completed
    class whose certificate was revoked (coverage no longer counts it)."""
    cccd = cccd_for(dt.date(1988, 9, 12), "female", "56", cccd_serial())
    person = make_person(full_name="Hoàng Thị Mai", sex="female", date_of_birth=dt.date(1988, 9, 12),
                         citizen_id=cccd)
    username = unique("hv.rec")
    run(create_account(username, "learner", PASSWORD, person_id=person["id"]))
    pid = person["id"]
    closed(pid, 24, dt.date(2024, 10, 7), dt.date(2024, 10, 9), classification="Giỏi")
    certified = closed(pid, 40, dt.date(2025, 3, 3), dt.date(2025, 3, 7), issuer=make_issuer())
    closed(pid, 16, dt.date(2025, 11, 24), dt.date(2025, 11, 25), classification=None)
    closed(pid, 32, dt.date(2025, 6, 2), dt.date(2025, 6, 6), status="failed", classification=None)
    revoked = closed(pid, 8, dt.date(2025, 8, 4), dt.date(2025, 8, 4), issuer=make_issuer())
    run(issue_for_class(certified["id"], SYSTEM))
    run(issue_for_class(revoked["id"], SYSTEM))
    cert = run(Certificate.select().where(Certificate.enrolment.training_class == certified["id"]).first().run())
    withdrawn = run(Certificate.select().where(Certificate.enrolment.training_class == revoked["id"]).first().run())
    run(revoke(withdrawn["id"], "Cấp nhầm người", SYSTEM))  # a revoked certificate takes the completion away
    return {"person": person, "username": username, "cccd": cccd, "certificate": cert, "class": certified}


def sign_in(client, username: str) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrftoken": client.cookies.get("csrftoken")}, follow_redirects=False)
    assert response.status_code == 303, response.text


def pdf_text(content: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return unicodedata.normalize("NFC", text)


def test_record_page_and_pdf_hold_the_hours_per_year(client, no_failures):
    hv = record_learner()
    sign_in(client, hv["username"])
    page = client.get("/me/record")
    assert page.status_code == 200
    years = re.findall(r'data-label="Năm">(\d+)</td><td data-label="Số khóa">(\d+)</td><td data-label="Số giờ">'
                       r'(\d+)</td>', page.text)
    assert years == [("2024", "1", "24"), ("2025", "2", "56")]
    assert ">80</strong>" in page.text  # the total
    cert = hv["certificate"]
    assert f'/verify/{cert["number"]}?code=' in page.text
    # the same trainings coverage counts as completions of hers
    counted = run(CompletionFact.count().where((CompletionFact.person == hv["person"]["id"])
                                               & (CompletionFact.valid == True)).run())  # noqa: E712
    assert counted == 3

    response = client.get("/me/record.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "training-record.pdf").write_bytes(response.content)
    text = pdf_text(response.content)
    assert "QUÁ TRÌNH ĐÀO TẠO, BỒI DƯỠNG" in text and "Hoàng Thị Mai" in text
    assert "*********" + hv["cccd"][-3:] in text and hv["cccd"] not in text
    assert re.search(r"2024\s+1\s+24", text) and re.search(r"2025\s+2\s+56", text), text
    assert re.search(r"Tổng cộng\s+3\s+80", text) or re.search(r"\s3\s+80", text), text
    assert re.search(r"07/10/2024 –\s*09/10/2024", text) and "Giỏi" in text
    assert cert["number"] in text and "/verify/" in text
    assert "06/2025" not in text and "04/08/2025" not in text  # neither the failed nor the revoked one
    assert "Đã thu hồi" in text  # the revoked certificate is listed with its status


def test_who_may_print_a_record(client, no_failures):
    hv = record_learner()
    pid = hv["person"]["id"]
    path = f"/people/{pid}/record.pdf"
    assert client.get(path, headers=token_for("dept.thainguyen")).status_code == 404
    other = unique("hv.other")
    run(create_account(other, "learner", PASSWORD, person_id=make_person(full_name="Lý Văn Tâm")["id"]))
    sign_in(client, other)
    assert client.get(path).status_code == 404
    client.cookies.clear()
    before = run(PersonalDataAccess.count().where(PersonalDataAccess.person == pid).run())
    for account in ("dept.khanhhoa", "coord"):
        response = client.get(path, headers=token_for(account))
        assert response.status_code == 200, response.text
        assert "Hoàng Thị Mai" in pdf_text(response.content)
    logged = run(PersonalDataAccess.select(PersonalDataAccess.username, PersonalDataAccess.action,
                                           PersonalDataAccess.export).where(
        PersonalDataAccess.person == pid).order_by(PersonalDataAccess.id).run())
    assert len(logged) == before + 2
    link = f'href="{path}"'  # the class workspace's roster links to it for those who may print it
    workspace = f'/classes/{hv["class"]["id"]}'
    assert link in client.get(workspace, headers=token_for("coord")).text
    assert link in client.get(workspace, headers=token_for("dept.khanhhoa")).text
    assert [(r["username"], r["action"], r["export"]) for r in logged[-2:]] == [
        ("dept.khanhhoa", "export", f"training-record:{pid}"), ("coord", "export", f"training-record:{pid}")]
