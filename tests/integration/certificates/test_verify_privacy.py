"""The public lookup by number is no directory of holders (issue 10, item 2).

The number alone tells whether a certificate exists and its status; the holder and the details
need the QR token or the verification code printed on the certificate; a wrong code answers
exactly like no code; the issuer is named with its province.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import re
import unicodedata

import pytest
from factories import PASSWORD, make_course, make_person, run, token_for, unique
from factories.certificates import certificates_of, closed_class, issue, stored_pdf

HOLDER = "Phạm Thị Thanh Xuân"
COURSE = "Kỹ năng quản lý trường hợp cho cộng tác viên"
# What identifies the holder or the course: none of it may appear for the number alone.
SECRETS = (HOLDER, "Phạm Thị", COURSE, "2026-01-12", "12/01/2026", "2026-01-16", "16/01/2026", "2026-02-05",
           "05/02/2026", "1988", "Giỏi", "40 giờ", "Khánh Hòa", "KHÁNH HÒA")
BRIEF_KEYS = {"number", "status", "status_label", "details", "signature_checked"}


@pytest.fixture(scope="module")
def one():
    course = make_course(level="refresher", certificate_kind="attestation", hours=40, name_vi=COURSE)["id"]
    cls = closed_class([HOLDER], course=course, date_of_birth=dt.date(1988, 3, 9))
    issue(cls, issued_on=dt.date(2026, 2, 5))
    [row] = certificates_of(cls)
    return cls, row


def _visible(page_html: str) -> str:
    """The text a reader sees (tags dropped), NFC."""
    without_style = re.sub(r"<style>.*?</style>", " ", page_html, flags=re.S)
    return unicodedata.normalize("NFC", re.sub(r"<[^>]+>", " ", without_style))


def _assert_nothing_identifying(text: str) -> None:
    # the number itself contains the year of issue; look at what is left once it is removed
    for secret in SECRETS:
        assert secret not in text, secret


def _without_number(text: str, number: str) -> str:
    return text.replace(number, "#")


def test_the_number_alone_says_only_that_it_exists_and_its_status(client, one):
    _cls, row = one
    number = row["number"]
    api = client.get(f"/api/verify/{number}")
    assert api.status_code == 200
    body = api.json()
    assert set(body) == BRIEF_KEYS
    assert body == {"number": number, "status": "valid", "status_label": "Còn hiệu lực", "details": False,
                    "signature_checked": False}
    assert "no-store" in api.headers["cache-control"]
    page = client.get(f"/verify/{number}")
    assert page.status_code == 200
    text = _visible(page.text)
    assert "Còn hiệu lực" in text and "mã tra cứu" in text.lower()
    for content in (api.text, text):
        _assert_nothing_identifying(_without_number(content, number))
    assert row["verification_code"] not in page.text and row["verification_code"] not in api.text


def test_the_number_and_the_right_code_show_the_details(client, one):
    _cls, row = one
    code = row["verification_code"]
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{8}", code)
    # as printed (XXXX-XXXX), lower case, with spaces: people type it all ways
    for typed in (f"{code[:4]}-{code[4:]}", code.lower(), f" {code[:4]} {code[4:]} "):
        body = client.get(f"/api/verify/{row['number']}", params={"code": typed}).json()
        assert body["details"] is True and body["signature_checked"] is False, typed
        assert body["holder_name"] == HOLDER and body["course"] == COURSE
        assert body["start_date"] == "2026-01-12" and body["issued_on"] == "2026-02-05"
        assert body["classification"] == "Giỏi" and body["hours"] == 40
    page = client.get(f"/verify/{row['number']}", params={"code": code.lower()})
    assert HOLDER in _visible(page.text) and COURSE in _visible(page.text)
    for text in (page.text, repr(body)):
        assert "1988" not in text and "09/03/1988" not in text  # never the birth date


def test_a_wrong_code_answers_exactly_like_no_code(client, one):
    _cls, row = one
    number, code = row["number"], row["verification_code"]
    close = code[:7] + ("Z" if code[7] != "Z" else "Y")  # one character off
    other_issued = closed_class(["Lê Văn Khác"])
    issue(other_issued)
    someone_elses = certificates_of(other_issued)[0]["verification_code"]
    plain_api = client.get(f"/api/verify/{number}")
    plain_page = client.get(f"/verify/{number}")
    for wrong in (close, code[:7], code + "A", "", "    ", "0000-0000", someone_elses, "<script>", "x" * 5000):
        api = client.get(f"/api/verify/{number}", params={"code": wrong})
        assert (api.status_code, api.content) == (plain_api.status_code, plain_api.content), wrong
        page = client.get(f"/verify/{number}", params={"code": wrong})
        assert (page.status_code, page.content) == (plain_page.status_code, plain_page.content), wrong
    # the form's redirect drops what cannot be a code and keeps (normalised) what can
    go = client.get("/verify/go", params={"number": number.lower(), "code": close.lower()}, follow_redirects=False)
    assert go.headers["location"] == f"/verify/{number}?code={close[:4]}-{close[4:]}"
    assert client.get(go.headers["location"]).content == plain_page.content
    # an unknown number answers 404 whatever the code
    for params in ({}, {"code": code}):
        missing = client.get("/api/verify/KHONG-CO-2026-999999", params=params)
        assert missing.status_code == 404


def test_the_qr_token_shows_the_details(client, one):
    _cls, row = one
    body = client.get(f"/api/verify/{row['number']}", params={"t": row["token"]}).json()
    assert body["details"] is True and body["signature_checked"] is True and body["holder_name"] == HOLDER
    page = client.get(f"/verify/{row['number']}", params={"t": row["token"]})
    assert HOLDER in _visible(page.text) and "khớp với hồ sơ" in page.text


def test_the_code_printed_on_the_pdf_opens_the_details_on_the_verify_page(client, one):
    from pypdf import PdfReader

    _cls, row = one
    page = PdfReader(io.BytesIO(stored_pdf(row))).pages[0]
    text = " ".join(unicodedata.normalize("NFC", page.extract_text()).split())
    found = re.search(r"Mã tra cứu: ([0-9A-Z]{4}-[0-9A-Z]{4})", text)
    assert found, text
    number = re.search(r"Số hiệu: (\S+)", text).group(1)
    assert number == row["number"]
    # typed into the form on /verify, as someone holding the paper copy would
    page = client.get("/verify/go", params={"number": number, "code": found.group(1)})
    assert page.status_code == 200 and HOLDER in _visible(page.text) and COURSE in _visible(page.text)
    # the English copy prints the same code
    english = client.get(f"/api/certificates/{row['id']}/pdf", params={"lang": "en"}, headers=token_for("coord"))
    en_text = " ".join(PdfReader(io.BytesIO(english.content)).pages[0].extract_text().split())
    assert f"Verification code: {found.group(1)}" in en_text


def test_the_issuer_is_named_with_its_province(client, one):
    _cls, row = one
    body = client.get(f"/api/verify/{row['number']}", params={"code": row["verification_code"]}).json()
    assert body["issuer"] == "TRUNG TÂM CÔNG TÁC XÃ HỘI TỈNH KHÁNH HÒA"
    assert body["issuer_parent"] == "SỞ Y TẾ TỈNH KHÁNH HÒA"
    page = client.get(f"/verify/{row['number']}", params={"code": row["verification_code"]})
    assert "TRUNG TÂM CÔNG TÁC XÃ HỘI TỈNH KHÁNH HÒA" in _visible(page.text)


def test_issuer_display_name_adds_the_province_only_when_missing():
    from certificates.rendering import issuer_display_name

    already = "TRUNG TÂM CÔNG TÁC XÃ HỘI TỈNH KHÁNH HÒA"
    assert issuer_display_name(already, "Khánh Hòa", "tỉnh") == already
    assert issuer_display_name("Trung tâm CTXH Khánh Hoà", "Khánh Hòa", "tỉnh") == "Trung tâm CTXH Khánh Hoà"
    assert issuer_display_name("TRUNG TÂM CÔNG TÁC XÃ HỘI", "Khánh Hòa", "tỉnh") == already
    assert (issuer_display_name("TRUNG TÂM CÔNG TÁC XÃ HỘI", "Hà Nội", "thành phố")
            == "TRUNG TÂM CÔNG TÁC XÃ HỘI THÀNH PHỐ HÀ NỘI")
    assert (issuer_display_name("Trung tâm Công tác xã hội", "Đắk Lắk", "tỉnh")
            == "Trung tâm Công tác xã hội tỉnh Đắk Lắk")
    # a province name inside another word is not the province
    assert issuer_display_name("Trung tâm Huệ Quang", "Huế", "thành phố") == "Trung tâm Huệ Quang thành phố Huế"
    assert issuer_display_name("TRUNG TÂM CÔNG TÁC XÃ HỘI", "", "") == "TRUNG TÂM CÔNG TÁC XÃ HỘI"


def test_a_revoked_certificate_with_the_number_alone_shows_revoked_only(client):
    coord = token_for("coord")
    cls = closed_class([HOLDER])
    issue(cls)
    [row] = certificates_of(cls)
    reason = "Hồ sơ của học viên không hợp lệ"
    revoked = client.post(f"/api/certificates/{row['id']}/revoke", json={"reason": reason}, headers=coord)
    assert revoked.status_code == 200
    body = client.get(f"/api/verify/{row['number']}").json()
    assert body == {"number": row["number"], "status": "revoked", "status_label": "Đã thu hồi", "details": False,
                    "signature_checked": False}
    page = _visible(client.get(f"/verify/{row['number']}").text)
    assert "Đã thu hồi" in page and reason not in page and HOLDER not in page
    # with the code: the reason too
    assert client.get(f"/api/verify/{row['number']}", params={"code": row["verification_code"]}).json()[
        "revoked_reason"] == reason


def test_a_replaced_certificate_with_the_number_alone_names_no_successor(client):
    coord = token_for("coord")
    cls = closed_class(["Võ Thị Thay"])
    issue(cls)
    [old] = certificates_of(cls)
    new = client.post(f"/api/certificates/{old['id']}/reissue", json={"reason": "Sửa ngày cấp"}, headers=coord).json()
    body = client.get(f"/api/verify/{old['number']}").json()
    assert set(body) == BRIEF_KEYS and body["status"] == "replaced"
    page = client.get(f"/verify/{old['number']}").text
    assert "Đã được thay thế" in page and new["number"] not in page and "Võ Thị Thay" not in page


def test_the_code_is_shown_to_the_learner_her_department_and_coordinators_only(client):
    from openpyxl import load_workbook

    from training.auth.accounts import create_account
    from training.classes.tables import Enrolment

    cls = closed_class(["Trần Thị Mã"])
    # a learner of Thái Nguyên (19) in the same class, hosted in Khánh Hòa (56)
    visitor = make_person("19", full_name="Hà Văn Khách", sex="male")
    run(Enrolment.insert(Enrolment(training_class=cls["id"], person=visitor["id"], status="completed", score=8,
                                   classification="Khá", enrolled_at=dt.datetime.now(dt.UTC))).run())
    issue(cls, issued_on=dt.date(2026, 3, 2))
    rows = {r["holder_name"]: r for r in certificates_of(cls)}
    local, guest = rows["Trần Thị Mã"], rows["Hà Văn Khách"]
    shown = {"Trần Thị Mã": f"{local['verification_code'][:4]}-{local['verification_code'][4:]}",
             "Hà Văn Khách": f"{guest['verification_code'][:4]}-{guest['verification_code'][4:]}"}

    listing = client.get(f"/api/classes/{cls['id']}/certificates", headers=token_for("coord")).json()
    assert {c["holder_name"]: c["verification_code"] for c in listing} == shown
    hosting = client.get(f"/api/classes/{cls['id']}/certificates", headers=token_for("dept.khanhhoa")).json()
    # the host department does not get another province's learner's certificate at all (item 1), so no code
    assert {c["holder_name"]: c["verification_code"] for c in hosting} == {"Trần Thị Mã": shown["Trần Thị Mã"]}

    register = client.get(f"/api/certificates/register?organisation={cls['issuer']}&year=2026",
                          headers=token_for("coord"))
    sheet = load_workbook(io.BytesIO(register.content)).active
    header = [c.value for c in sheet[3]]
    assert header[-1] == "Mã tra cứu"
    codes = {sheet.cell(row=r, column=4).value: sheet.cell(row=r, column=len(header)).value
             for r in range(4, sheet.max_row + 1)}
    assert codes == shown

    username = unique("hocvien.ma")
    run(create_account(username, "learner", PASSWORD, person_id=cls["people"][0]["id"]))
    client.get("/login")  # the form's CSRF cookie
    login = client.post("/login", data={"username": username, "password": PASSWORD,
                                        "csrftoken": client.cookies.get("csrftoken")}, follow_redirects=False)
    assert login.status_code == 303
    try:
        mine = client.get("/api/me/certificates").json()
        assert [c["verification_code"] for c in mine] == [shown["Trần Thị Mã"]]
        page = client.get("/me").text
        assert shown["Trần Thị Mã"] in page and shown["Hà Văn Khách"] not in page
    finally:
        client.post("/logout")
        client.cookies.clear()


def test_the_database_refuses_a_certificate_without_a_well_formed_code(one):
    from certificates.tables import Certificate

    _cls, row = one
    for bad in ("", "ABC", "ABCDEFGI", "abcdefgh", "ABCD-EFG"):
        with pytest.raises(Exception, match="certificate_verification_code_format"):
            run(Certificate.raw("UPDATE certificate SET verification_code = {} WHERE id = {}", bad, row["id"]).run())
    stored = run(Certificate.select(Certificate.verification_code).where(Certificate.id == row["id"]).first().run())
    assert stored["verification_code"] == row["verification_code"]


def test_codes_are_random_and_typed_codes_are_read_leniently():
    from certificates import codes

    drawn = {codes.new_code() for _ in range(2000)}
    assert len(drawn) == 2000 and all(codes.PATTERN.fullmatch(c) for c in drawn)
    assert set("".join(drawn)) == set(codes.ALPHABET)  # every symbol in use, none outside the alphabet
    assert codes.matches("0123ABCD", "oi23-abcd") and codes.matches("0123ABCD", "0l23 ABCD")
    assert not codes.matches("0123ABCD", "0123ABCE") and not codes.matches("0123ABCD", "")
    assert not codes.matches("", "") and not codes.matches("0123ABCD", "0123ABCDU")
    assert codes.display("0123ABCD") == "0123-ABCD"


def test_the_migration_names_the_province_of_certificates_issued_before(client, one):
    from certificates.tables import Certificate
    from training.core.db import engine

    _cls, row = one
    migration = importlib.import_module("certificates.piccolo_migrations.certificates_2026_11_30t14_20_00_000000")
    before = row["issuer_snapshot"].replace(', "province": "Khánh Hòa", "province_kind": "tỉnh"', "")
    assert '"province"' not in before  # as certificates issued before this change were stored
    run(Certificate.update({Certificate.issuer_snapshot: before}).where(Certificate.id == row["id"]).run())
    try:
        run(migration.backfill_provinces(engine()))
        body = client.get(f"/api/verify/{row['number']}", params={"code": row["verification_code"]}).json()
        assert body["issuer"] == "TRUNG TÂM CÔNG TÁC XÃ HỘI TỈNH KHÁNH HÒA"
    finally:
        run(Certificate.update({Certificate.issuer_snapshot: row["issuer_snapshot"]}).where(
            Certificate.id == row["id"]).run())
