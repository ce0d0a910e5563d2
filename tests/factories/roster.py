"""Roster files for the import tests: realistic learners with unique names and CCCDs, XLSX and CSV bytes, and
the upload call."""

import csv
import datetime as dt
import io
import itertools

import openpyxl

from factories import cccd_serial
from training.records.validation import cccd_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Đơn vị", "Loại cán bộ", "Tỉnh/Thành phố",
          "Điện thoại", "Email"]


_letters = itertools.count(1)


def name(family: str = "Nguyễn", middle: str = "Thị") -> str:
    """A unique, realistic-looking Vietnamese name (the given name is made of letters only)."""
    n = next(_letters)
    given = "".join("ABCDEGHKLMNPQRSTVXY"[int(d)] for d in f"{n:04d}") + "a"
    return f"{family} {middle} {given.capitalize()}"


def cccd(dob: dt.date, sex: str = "female", legacy: str = "58") -> str:
    return cccd_for(dob, sex, legacy, cccd_serial())


def learner(full_name=None, dob=dt.date(1988, 5, 17), sex="Nữ", with_cccd=True, org="", category="Cộng tác viên",
            province="", phone="", email="", citizen_id=None, dob_text=None):
    sex_code = "female" if sex.lower() == "nữ" else "male"
    number = citizen_id if citizen_id is not None else (cccd(dob, sex_code) if with_cccd else "")
    born = dob_text or (dob.strftime("%d/%m/%Y") if isinstance(dob, dt.date) else dob)
    return [None, full_name or name(), born, sex, number, org, category, province, phone, email]


def xlsx(rows, header=HEADER, title=None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append(header)
    for i, row in enumerate(rows, start=1):
        sheet.append([i if row[0] is None else row[0], *row[1:]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, header=HEADER, delimiter=";", bom=True) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for i, row in enumerate(rows, start=1):
        writer.writerow(["" if v is None else v for v in [i, *row[1:]]])
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8")


CHECKED = object()  # save with the fingerprint of a dry run of the same file, as the page does


def _post(client, url, headers, filename, content, mime, dry_run, fingerprint):
    """One upload; a save (dry_run=False) sends ``fingerprint``, by default that of a dry run of the same
    file just made (as the tool page does: "Lưu" only after "Kiểm tra thử")."""
    if not dry_run and fingerprint is CHECKED:
        checked = client.post(f"{url}?dry_run=true", headers=headers, files={"file": (filename, content, mime)})
        fingerprint = checked.json().get("fingerprint") if checked.status_code == 200 else None
    data = {"fingerprint": fingerprint} if not dry_run and fingerprint else None
    separator = "&" if "?" in url else "?"
    return client.post(f"{url}{separator}dry_run={'true' if dry_run else 'false'}", headers=headers,
                       files={"file": (filename, content, mime)}, data=data)


def upload(client, headers, class_id, filename, content, dry_run=True, fmt=None, mime=XLSX, fingerprint=CHECKED):
    url = f"/api/classes/{class_id}/roster" + (f"?format={fmt}" if fmt else "")
    return _post(client, url, headers, filename, content, mime, dry_run, fingerprint)


def upload_sheet(client, headers, class_id, content, dry_run=False, filename="diem-danh.xlsx", fingerprint=CHECKED):
    """A sign-in sheet: by default saved after its dry run (``dry_run=True``: the check alone)."""
    return _post(client, f"/api/classes/{class_id}/attendance-sheet", headers, filename, content, XLSX, dry_run,
                 fingerprint)
