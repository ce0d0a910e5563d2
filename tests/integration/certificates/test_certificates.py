"""Certificates: the PDF a learner prints, its numbers, its signed QR code, and who may see what."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os
import subprocess
import sys
import unicodedata
import zipfile

import pytest
from factories import ARTIFACTS, PASSWORD, ROOT, make_course, run, token_for, unique
from factories.certificates import NAMES, certificates_of, closed_class, issue, make_issuer, stored_pdf

# --- the PDF ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def issued():
    # One name arrives decomposed with a zero-width space, as pasted from macOS or Excel.
    names = [NAMES[0], unicodedata.normalize("NFD", NAMES[1]) + "\u200b", NAMES[2]]
    cls = closed_class(names)
    result = issue(cls, issued_on=dt.date(2026, 2, 5))
    return cls, result, certificates_of(cls)


def test_pdf_text_is_the_expected_nfc_vietnamese(issued):
    from pypdf import PdfReader

    cls, result, rows = issued
    assert len(result.issued) == 3 and [r["holder_name"] for r in rows] == NAMES
    for row, name in zip(rows, NAMES, strict=True):
        reader = PdfReader(io.BytesIO(stored_pdf(row)))
        assert len(reader.pages) == 1
        text = unicodedata.normalize("NFC", reader.pages[0].extract_text())
        flat = " ".join(text.split())  # ReportLab writes a line in several runs when the font changes
        for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "SỞ Y TẾ TỈNH KHÁNH HÒA",
                         "TRUNG TÂM CÔNG TÁC XÃ HỘI", "GIẤY CHỨNG NHẬN", "Nha Trang, ngày 05 tháng 02 năm 2026",
                         "GIÁM ĐỐC", "Lê Thị Kim Oanh", f"Số hiệu: {row['number']}",
                         f"Số vào sổ: {row['register_number']:06d}/2026", "Xếp loại: Giỏi",
                         "Thời lượng: 40 giờ — từ ngày 12/01/2026 đến ngày 16/01/2026"):
            assert expected in flat, (expected, flat)
        honorific = "Bà" if " Thị " in name else "Ông"
        assert f"{honorific} {name} Ngày sinh" in flat or f"{honorific} {name} Đã hoàn thành" in flat, flat
        assert "\u200b" not in text


def test_fonts_are_embedded_and_the_page_renders(issued):
    import pypdfium2 as pdfium
    from pypdf import PdfReader

    _cls, _result, rows = issued
    page = PdfReader(io.BytesIO(stored_pdf(rows[0]))).pages[0]
    fonts = page["/Resources"]["/Font"]
    assert fonts
    for ref in fonts.values():
        font = ref.get_object()
        descriptor = (font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font).get(
            "/FontDescriptor")
        assert descriptor is not None and "/FontFile2" in descriptor.get_object(), font
    ARTIFACTS.mkdir(exist_ok=True)
    image = pdfium.PdfDocument(stored_pdf(rows[0]))[0].render(scale=1.5).to_pil()
    image.save(ARTIFACTS / "certificate.png")
    assert image.size[0] > image.size[1]  # A4 landscape
    assert len(set(image.convert("L").resize((60, 40)).getdata())) > 10  # not a blank page


def test_the_qr_code_decodes_to_the_verify_url(issued):
    import pypdfium2 as pdfium
    import zxingcpp

    from training.core.config import get_settings

    _cls, _result, rows = issued
    image = pdfium.PdfDocument(stored_pdf(rows[1]))[0].render(scale=2).to_pil()
    found = zxingcpp.read_barcodes(image)
    assert [b.text for b in found] == [f"{get_settings().base_url}/verify/{rows[1]['number']}?t={rows[1]['token']}"]


def test_the_english_copy_says_the_same_in_english(issued, client, coord):
    from pypdf import PdfReader

    _cls, _result, rows = issued
    response = client.get(f"/api/certificates/{rows[0]['id']}/pdf?lang=en", headers=coord)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = unicodedata.normalize("NFC", PdfReader(io.BytesIO(response.content)).pages[0].extract_text())
    text = " ".join(text.split())
    assert "SOCIALIST REPUBLIC OF VIETNAM" in text and "CERTIFICATE OF COMPLETION" in text
    assert "Ms. Nguyễn Thị Ngọc Ánh" in text and "Nha Trang, 5 February 2026" in text


def test_date_line_follows_decree_30():
    from certificates.rendering import official_date_line

    assert official_date_line("Hà Nội", dt.date(2026, 2, 5)) == "Hà Nội, ngày 05 tháng 02 năm 2026"
    assert official_date_line("Hà Nội", dt.date(2026, 1, 1)) == "Hà Nội, ngày 01 tháng 01 năm 2026"
    assert official_date_line("Huế", dt.date(2026, 7, 5)) == "Huế, ngày 05 tháng 7 năm 2026"
    assert official_date_line("Huế", dt.date(2026, 12, 15)) == "Huế, ngày 15 tháng 12 năm 2026"


# --- numbers ------------------------------------------------------------------------------------

def test_issuing_again_adds_nothing_and_one_learner_twice_is_refused(issued, client, coord):
    from certificates.tables import Certificate

    cls, _result, rows = issued
    before = run(Certificate.count().run())
    response = client.post(f"/api/classes/{cls['id']}/certificates", headers=coord)
    assert response.status_code == 200, response.text
    assert response.json()["issued"] == 0 and response.json()["already_issued"] == 3
    assert "không cấp thêm" in response.json()["message"]
    enrolment = rows[0]["enrolment"]
    response = client.post(f"/api/classes/{cls['id']}/certificates", json={"enrolment": enrolment}, headers=coord)
    assert response.status_code == 409
    assert "đã có chứng chỉ" in response.json()["error"]["message"]
    assert run(Certificate.count().run()) == before


def test_a_learner_who_did_not_complete_gets_nothing(client, coord):
    from certificates.tables import Certificate
    from training.classes.tables import Enrolment

    cls = closed_class(["Trần Văn Nam"], completed=False)
    response = client.post(f"/api/classes/{cls['id']}/certificates", headers=coord)
    assert response.status_code == 422
    assert "chưa có học viên nào hoàn thành" in response.json()["error"]["message"]
    enrolment = run(Enrolment.select(Enrolment.id).where(Enrolment.training_class == cls["id"]).first().run())
    response = client.post(f"/api/classes/{cls['id']}/certificates", json={"enrolment": enrolment["id"]},
                           headers=coord)
    assert response.status_code == 422
    assert "Trần Văn Nam chưa hoàn thành lớp" in response.json()["error"]["message"]
    assert run(Certificate.count().where(Certificate.enrolment == enrolment["id"]).run()) == 0


def test_register_numbers_run_per_issuer_and_year_and_numbers_are_unique():
    issuer = make_issuer(prefix=unique("SEQ"))
    first = closed_class(["Phạm Văn An", "Võ Thị Bích"], issuer=issuer)
    second = closed_class(["Hồ Văn Cường"], issuer=issuer)
    issue(first, issued_on=dt.date(2026, 3, 1))
    issue(second, issued_on=dt.date(2026, 3, 2))
    rows = certificates_of(first) + certificates_of(second)
    assert [r["register_number"] for r in rows] == [1, 2, 3]
    assert len({r["number"] for r in rows}) == 3
    next_year = closed_class(["Đỗ Thị Dung"], issuer=issuer)
    issue(next_year, issued_on=dt.date(2027, 1, 4))
    assert [r["register_number"] for r in certificates_of(next_year)] == [1]


def test_concurrent_issuing_in_two_processes_gives_gapless_unique_numbers():
    issuer = make_issuer(prefix=unique("CON"))
    classes = [closed_class([f"Người Học {c}{i}" for i in range(12)], issuer=issuer) for c in "AB"]
    procs = [subprocess.Popen([sys.executable, "-m", "training.cli.main", "certificates", "issue", c["code"]],
                              cwd=ROOT, env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for c in classes]
    # both processes were alive at once (the first had not finished when the second started); their
    # issuing is then serialised by the issuer's lock, which is what gives gapless numbers
    assert procs[0].poll() is None
    outputs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    rows = certificates_of(classes[0]) + certificates_of(classes[1])
    assert sorted(r["register_number"] for r in rows) == list(range(1, 25))
    assert len({r["number"] for r in rows}) == 24
    assert all(stored_pdf(r) is not None for r in rows)


# --- signed token and verification ---------------------------------------------------------------

def _fields(token):
    body = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def _with_fields(token, fields):
    body = base64.urlsafe_b64encode(json.dumps(fields, ensure_ascii=False, sort_keys=True,
                                               separators=(",", ":")).encode()).rstrip(b"=").decode()
    return body + "." + token.split(".")[1]


def test_the_token_verifies_offline_with_the_published_key_and_fails_after_any_change(issued, client):
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    _cls, _result, rows = issued
    keys = client.get("/.well-known/certificate-keys").json()["keys"]
    token = rows[0]["token"]
    fields = _fields(token)
    assert fields["n"] == rows[0]["number"] and fields["h"] == NAMES[0] and "citizen" not in json.dumps(fields)
    key = next(k for k in keys if k["kid"] == fields["kid"])
    public = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(key["public_key"] + "="))
    body, sig = token.split(".")
    payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    signature = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
    public.verify(signature, payload)  # raises if not genuine
    for name in fields:
        if name == "kid":
            continue
        changed = dict(fields, **{name: str(fields[name]) + "1"})
        changed_payload = base64.urlsafe_b64decode(_with_fields(token, changed).split(".")[0] + "==")
        with pytest.raises(InvalidSignature):
            public.verify(signature, changed_payload)
        response = client.get(f"/api/verify/{rows[0]['number']}", params={"t": _with_fields(token, changed)})
        assert response.status_code == 400, name
    # the command-line check with a saved key set
    keyfile = ARTIFACTS / "keys.json"
    ARTIFACTS.mkdir(exist_ok=True)
    keyfile.write_text(json.dumps({"keys": keys}))
    ok = subprocess.run([sys.executable, "-m", "training.cli.main", "certificates", "verify-token", token, "--keys",
                         str(keyfile)], cwd=ROOT, env=os.environ.copy(), capture_output=True, text=True)
    assert ok.returncode == 0 and NAMES[0] in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "training.cli.main", "certificates", "verify-token",
                          _with_fields(token, dict(fields, h="Nguyễn Văn Giả")), "--keys", str(keyfile)],
                         cwd=ROOT, env=os.environ.copy(), capture_output=True, text=True)
    assert bad.returncode == 2 and "không do hệ thống này cấp" in bad.stderr


def test_bad_tokens_and_unknown_numbers_get_clear_errors(issued, client):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from certificates.signing import b64e, canonical_payload

    _cls, _result, rows = issued
    number, token = rows[0]["number"], rows[0]["token"]
    foreign = Ed25519PrivateKey.generate()
    payload = canonical_payload(_fields(token))
    forged = b64e(payload) + "." + b64e(foreign.sign(payload))
    for bad in (token[:40], token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:], forged, "x.y.z",
                rows[1]["token"]):
        response = client.get(f"/api/verify/{number}", params={"t": bad})
        assert response.status_code == 400, bad
        assert response.json()["error"]["field"] == "qr_token"
        assert "Mã QR" in response.json()["error"]["message"]
        page = client.get(f"/verify/{number}", params={"t": bad})
        assert page.status_code == 400 and 'role="alert"' in page.text
    response = client.get("/api/verify/KHONG-CO-2026-000001")
    assert response.status_code == 404
    assert "Không có chứng chỉ nào có số hiệu KHONG-CO-2026-000001" in response.json()["error"]["message"]


def test_the_public_page_shows_status_and_never_the_citizen_id_or_birth_date(client):
    cccd = "056190001234"
    cls = closed_class(["Nguyễn Thị Lan"], citizen_id=cccd, date_of_birth=dt.date(1990, 4, 17))
    issue(cls, issued_on=dt.date(2026, 4, 1))
    [row] = certificates_of(cls)
    page = client.get(f"/verify/{row['number']}", params={"t": row["token"]})
    assert page.status_code == 200
    assert "Còn hiệu lực" in page.text and "Nguyễn Thị Lan" in page.text and "khớp với hồ sơ" in page.text
    api = client.get(f"/api/verify/{row['number']}", params={"code": row["verification_code"]})
    assert api.json()["holder_name"] == "Nguyễn Thị Lan"
    for text in (page.text, api.text):
        assert cccd not in text and "17/04/1990" not in text and "1990-04-17" not in text and "234" not in text


def test_revoke_needs_a_reason_and_then_verifies_as_revoked(client, coord):
    from training.records.tables import AuditLog

    cls = closed_class(["Lý Văn Hải"])
    issue(cls)
    [row] = certificates_of(cls)
    for reason in ("", "  ", "abc"):
        response = client.post(f"/api/certificates/{row['id']}/revoke", json={"reason": reason}, headers=coord)
        assert response.status_code == 422 and "lý do thu hồi" in response.json()["error"]["message"]
    assert certificates_of(cls)[0]["status"] == "valid"
    response = client.post(f"/api/certificates/{row['id']}/revoke", json={"reason": "Cấp nhầm người"},
                           headers=coord)
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    code = {"code": row["verification_code"]}
    page = client.get(f"/verify/{row['number']}", params=code)
    assert "Đã thu hồi" in page.text and "Cấp nhầm người" in page.text
    assert client.get(f"/api/verify/{row['number']}", params=code).json()["revoked_reason"] == "Cấp nhầm người"
    again = client.post(f"/api/certificates/{row['id']}/revoke", json={"reason": "Cấp nhầm người"}, headers=coord)
    assert again.status_code == 409
    assert run(AuditLog.count().where((AuditLog.action == "revoke") & (AuditLog.row_id == row["id"])).run()) == 1


def test_a_revoked_certificate_stops_counting_as_trained(client, coord):
    from training.coverage.tables import CoverageFact

    cls = closed_class(["Quách Văn Đạt"])
    issue(cls)
    [row] = certificates_of(cls)
    person = cls["people"][0]["id"]
    assert run(CoverageFact.count().where(CoverageFact.person == person).run()) > 0
    response = client.post(f"/api/certificates/{row['id']}/revoke", json={"reason": "Hồ sơ không hợp lệ"},
                           headers=coord)
    assert response.status_code == 200
    assert run(CoverageFact.count().where(CoverageFact.person == person).run()) == 0


def test_reissue_gives_a_new_number_and_links_the_old_one(client, coord):
    from training.auth.access import SYSTEM
    from training.people.tables import Person
    from training.records.rows import update_row

    cls = closed_class(["Nguyen Van Sai"])
    issue(cls)
    [old] = certificates_of(cls)
    run(update_row(Person, cls["people"][0]["id"], {"full_name": "Nguyễn Văn Sài"}, SYSTEM))
    response = client.post(f"/api/certificates/{old['id']}/reissue", json={"reason": "Sửa dấu trong họ tên"},
                           headers=coord)
    assert response.status_code == 201, response.text
    new = response.json()
    assert new["number"] != old["number"] and new["holder_name"] == "Nguyễn Văn Sài" and new["status"] == "valid"
    code = {"code": old["verification_code"]}
    page = client.get(f"/verify/{old['number']}", params=code)
    assert "Đã được thay thế" in page.text and new["number"] in page.text
    assert client.get(f"/api/verify/{old['number']}", params=code).json()["replaced_by"] == new["number"]
    # the old certificate still says what it said; the new one has a code of its own
    assert client.get(f"/api/verify/{old['number']}", params=code).json()["holder_name"] == "Nguyen Van Sai"
    assert new["verification_code"] and new["verification_code"].replace("-", "") != old["verification_code"]
    renewed = client.get(f"/api/verify/{new['number']}", params={"code": new["verification_code"]}).json()
    assert renewed["holder_name"] == "Nguyễn Văn Sài"


def test_expiry_from_the_course_validity(client):
    course = make_course(level="refresher", certificate_kind="attestation", hours=16, validity_months=12)["id"]
    cls = closed_class(["Mai Thị Hoa"], course=course)
    issue(cls, issued_on=dt.date(2024, 1, 31))
    [row] = certificates_of(cls)
    assert row["expires_on"] == dt.date(2025, 1, 31)
    body = client.get(f"/api/verify/{row['number']}").json()
    assert body["status"] == "expired" and body["status_label"] == "Hết hạn"


def test_key_rotation_keeps_old_certificates_verifiable(client):
    from certificates.signing import keyring

    cls = closed_class(["Tạ Văn Bảo"])
    issue(cls)
    [old] = certificates_of(cls)
    new_kid = run(keyring().rotate())
    cls2 = closed_class(["Tạ Thị Cúc"])
    issue(cls2)
    [new] = certificates_of(cls2)
    assert new["key_id"] == new_kid != old["key_id"]
    kids = [k["kid"] for k in client.get("/.well-known/certificate-keys").json()["keys"]]
    assert old["key_id"] in kids and new_kid in kids
    for row in (old, new):
        assert client.get(f"/api/verify/{row['number']}", params={"t": row["token"]}).json()["signature_checked"]


def test_uploaded_pdf_is_checked_against_the_original(issued, client):
    _cls, _result, rows = issued
    original = stored_pdf(rows[2])
    response = client.post("/api/verify/pdf", files={"file": ("c.pdf", original, "application/pdf")})
    assert response.status_code == 200 and response.json()["genuine"] is True
    assert response.json()["certificate"]["number"] == rows[2]["number"]
    tampered = original.replace(b"/Title", b"/Titlf", 1)
    response = client.post("/api/verify/pdf", files={"file": ("c.pdf", tampered, "application/pdf")})
    assert response.status_code == 200 and response.json()["genuine"] is False
    assert "không khớp" in response.json()["message"]
    response = client.post("/api/verify/pdf", files={"file": ("c.pdf", b"PK\x03\x04 not a pdf", "application/pdf")})
    assert response.status_code == 415 and "không phải PDF" in response.json()["error"]["message"]
    big = b"%PDF-1.4\n" + b"0" * (50 * 1024 * 1024)
    response = client.post("/api/verify/pdf", files={"file": ("big.pdf", big, "application/pdf")})
    assert response.status_code == 413 and "quá lớn" in response.json()["error"]["message"]
    page = client.post("/verify/pdf", files={"file": ("c.pdf", original, "application/pdf")})
    assert page.status_code == 200 and "bản gốc" in page.text


# --- who may see what --------------------------------------------------------------------------------

def _learner(client, person_id: int) -> None:
    from training.auth.accounts import create_account

    username = unique("hocvien")
    run(create_account(username, "learner", PASSWORD, person_id=person_id))
    client.get("/login")  # the form's CSRF cookie
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrftoken": client.cookies.get("csrftoken")}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/me"


def test_a_learner_sees_and_downloads_only_their_own_certificates(issued, client):
    _cls, _result, rows = issued
    cls, _r, people = issued[0], None, issued[0]["people"]
    _learner(client, people[0]["id"])
    mine = client.get("/api/me/certificates")
    assert mine.status_code == 200 and [c["number"] for c in mine.json()] == [rows[0]["number"]]
    own = client.get(f"/api/certificates/{rows[0]['id']}/pdf")
    assert own.status_code == 200 and own.content == stored_pdf(rows[0])
    other = client.get(f"/api/certificates/{rows[1]['id']}/pdf")
    assert other.status_code == 404 and NAMES[1] not in other.text
    page = client.get("/me")
    assert page.status_code == 200 and rows[0]["number"] in page.text and rows[1]["number"] not in page.text
    assert client.post(f"/api/certificates/{rows[0]['id']}/revoke", json={"reason": "tự thu hồi"}).status_code == 403
    assert cls["code"] in page.text


def test_wrong_password_and_departments_of_other_provinces(issued, client):
    _cls, _result, rows = issued
    client.get("/login")
    response = client.post("/login", data={"username": "coord", "password": "sai",
                                           "csrftoken": client.cookies.get("csrftoken")})
    assert response.status_code == 401 and "không đúng" in response.text
    thainguyen = token_for("dept.thainguyen")
    assert client.get(f"/api/certificates/{rows[0]['id']}/pdf", headers=thainguyen).status_code == 404
    assert client.post(f"/api/certificates/{rows[0]['id']}/revoke", json={"reason": "không được phép"},
                       headers=thainguyen).status_code == 404
    khanhhoa = token_for("dept.khanhhoa")
    assert client.get(f"/api/certificates/{rows[0]['id']}/pdf", headers=khanhhoa).status_code == 200


def test_the_admin_cannot_edit_a_certificate(issued, as_coordinator):
    _cls, _result, rows = issued
    response = as_coordinator.patch(f"/tables/certificate/{rows[0]['id']}/", json={"holder_name": "Người Khác"})
    assert response.status_code == 403
    assert certificates_of(issued[0])[0]["holder_name"] == NAMES[0]
    assert as_coordinator.delete(f"/tables/certificate/{rows[0]['id']}/").status_code == 403


# --- exports ------------------------------------------------------------------------------------------

def test_class_zip_merged_pdf_and_register_book(issued, client, coord, tmp_path):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    cls, _result, rows = issued
    response = client.get(f"/api/classes/{cls['id']}/certificates/export?format=zip", headers=coord)
    assert response.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert sorted(names) == sorted(f"{r['number']}.pdf" for r in rows)
    response = client.get(f"/api/classes/{cls['id']}/certificates/export?format=pdf", headers=coord)
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 3
    assert NAMES[2] in unicodedata.normalize("NFC", reader.pages[2].extract_text())
    response = client.get(f"/api/certificates/register?organisation={cls['issuer']}&year=2026", headers=coord)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value.startswith("SỔ CẤP CHỨNG CHỈ")
    assert [c.value for c in sheet[3]][:4] == ["STT", "Số vào sổ", "Số hiệu", "Họ và tên"]
    assert [sheet.cell(row=4 + i, column=3).value for i in range(3)] == [r["number"] for r in rows]
    out = tmp_path / "lop.zip"
    cli = subprocess.run([sys.executable, "-m", "training.cli.main", "certificates", "export", cls["code"], "--zip",
                          str(out), "--register", str(tmp_path / "so.xlsx")], cwd=ROOT, env=os.environ.copy(),
                         capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    assert len(zipfile.ZipFile(out).namelist()) == 3 and (tmp_path / "so.xlsx").stat().st_size > 0


def test_issuing_streams_progress(client, coord):
    cls = closed_class([f"Học Viên {i}" for i in range(5)])
    response = client.post(f"/api/classes/{cls['id']}/certificates", json={},
                           headers={**coord, "Accept": "application/x-ndjson"})
    assert response.status_code == 200
    lines = [json.loads(line) for line in response.text.splitlines()]
    stages = [line.get("stage") for line in lines if "stage" in line]
    assert "records" in stages and "pdf" in stages
    assert lines[-1]["result"]["issued"] == 5
    pdf_progress = [line["done"] for line in lines if line.get("stage") == "pdf"]
    assert pdf_progress == sorted(pdf_progress) and pdf_progress[-1] == 5
