"""Certificate records you can trust (issue 9, items 1–3): safe number prefixes and file paths, one
valid certificate per enrolment under concurrent requests, and issuance that survives kill -9 and a
full disk. Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from factories import ROOT, free_port, province_id, run, unique
from factories.certificates import certificates_of, closed_class, drop_pdf, issue, make_issuer, stored_pdf

# --- item 1: prefixes, paths, ZIP entries ----------------------------------------------------------


def _profile_values(org_id: int, prefix: str) -> dict:
    return {"organisation": org_id, "governing_body": "SỞ Y TẾ TỈNH KHÁNH HÒA",
            "issuer_name": "TRUNG TÂM CÔNG TÁC XÃ HỘI", "signer_title": "GIÁM ĐỐC", "signer_name": "Lê Thị Oanh",
            "place": "Nha Trang", "number_prefix": prefix}


def _organisation() -> int:
    from training.people.tables import Organisation

    return run(Organisation.insert(Organisation(name=unique("Trung tâm "), kind="social_work_centre",
                                                province=province_id("56"))).returning(Organisation.id).run())[0]["id"]


@pytest.mark.parametrize("prefix", ["../../../x", "/tmp/evil", "KH/CTXH", "A", "QUÁ-DÀI-MƯỜI-HAI", "KH CTXH"])
def test_a_number_prefix_that_is_not_plain_is_refused_in_the_admin(as_khanhhoa, prefix):
    from certificates.tables import IssuerProfile

    org = _organisation()
    response = as_khanhhoa.post("/tables/issuer_profile/", json=_profile_values(org, prefix))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["errors"][0]["field"] == "number_prefix"
    assert "2 đến 12" in error["message"], error["message"]  # says what is allowed, in Vietnamese
    assert not run(IssuerProfile.exists().where(IssuerProfile.organisation == org).run())


def test_prefixes_are_upper_cased_and_unique_among_issuers(as_coordinator):
    from certificates.tables import IssuerProfile

    prefix = unique("kh-").lower()
    first = as_coordinator.post("/tables/issuer_profile/", json=_profile_values(_organisation(), prefix))
    assert first.status_code == 201, first.text
    stored = run(IssuerProfile.select(IssuerProfile.number_prefix).where(
        IssuerProfile.id == first.json()[0]["id"]).first().run())
    assert stored["number_prefix"] == prefix.upper()
    second = as_coordinator.post("/tables/issuer_profile/", json=_profile_values(_organisation(), prefix.upper()))
    assert second.status_code == 422, second.text
    assert second.json()["error"]["code"] == "number_prefix_taken"
    assert "TRUNG TÂM CÔNG TÁC XÃ HỘI" in second.json()["error"]["message"]
    # the database holds it too, whatever path writes the row
    with pytest.raises(Exception) as raised:
        run(IssuerProfile.insert(IssuerProfile(**_profile_values(_organisation(), prefix.upper()))).run())
    assert "unique" in str(raised.value).lower()


def test_an_unsafe_prefix_already_in_the_database_never_becomes_a_file_path():
    """A prefix written before the rule existed (or by hand) is refused at issue: no file anywhere."""
    from certificates.tables import IssuerProfile
    from training.core.config import get_settings
    from training.core.errors import DomainError

    issuer = make_issuer()
    cls = closed_class(["Nguyễn Văn Thoát"], issuer=issuer)
    # from <data>/certificates/<year>/ this would have written <data>/UP-<year>-000001.pdf
    run(IssuerProfile.raw("UPDATE issuer_profile SET number_prefix = {} WHERE organisation = {}",
                          "../../UP", issuer).run())

    with pytest.raises(DomainError) as raised:
        issue(cls)
    assert raised.value.code == "number_prefix_format"
    assert certificates_of(cls) == []
    assert not list(get_settings().data_dir.glob("UP-*.pdf"))


def test_every_pdf_path_stays_in_the_data_folder_and_zip_entries_are_plain_names(client, coord):
    """Even a number that looks like a path (legacy data) is stored inside the data folder and
    named plainly in the class ZIP."""
    from certificates.storage import pdf_path
    from certificates.tables import Certificate
    from training.core.config import get_settings

    storage = (get_settings().data_dir / "certificates").resolve()
    for number in ("../../../etc/passwd", "/tmp/x", "..", "A/../../B", "KH\x00X"):
        assert pdf_path(number, 2026).is_relative_to(storage)
        assert pdf_path(number, 2026, "en").parent == storage / "2026"
    cls = closed_class(["Trần Thị Lối", "Lê Văn Mòn"])

    issue(cls)
    rows = certificates_of(cls)
    evil = "../../../" + rows[0]["number"]
    run(Certificate.raw("UPDATE certificate SET number = {} WHERE id = {}", evil, rows[0]["id"]).run())
    response = client.get(f"/api/classes/{cls['id']}/certificates/export?format=zip", headers=coord)
    assert response.status_code == 200, response.text
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert len(names) == 2
    assert all("/" not in n and "\\" not in n and ".." not in n for n in names), names
    assert not list(storage.parent.glob("*.pdf")) and not list(storage.glob("*.pdf"))


# --- item 2: one valid certificate per enrolment, decided inside the lock ------------------------

class Timeline:
    """Start and end times of concurrent calls, to prove that they overlapped."""

    def __init__(self):
        self.spans: list[tuple[float, float]] = []

    async def timed(self, coro):
        start = time.monotonic()
        try:
            return await coro
        finally:
            self.spans.append((start, time.monotonic()))

    def overlapped(self) -> bool:
        (a0, a1), (b0, b1) = sorted(self.spans)[:2]
        return b0 < a1


def _tracebacks(results) -> str:
    import traceback

    return "\n".join("".join(traceback.format_exception(r)) for r in results if isinstance(r, BaseException))


def _issue_concurrently(class_id: int, enrolment_id: int | None = None, times: int = 2):
    from certificates.issuing import issue_for_class
    from training.auth.access import SYSTEM

    timeline = Timeline()

    async def both():
        calls = [timeline.timed(issue_for_class(class_id, SYSTEM, enrolment_id=enrolment_id)) for _ in range(times)]
        return await asyncio.gather(*calls, return_exceptions=True)

    return run(both()), timeline


def test_two_simultaneous_class_issuances_give_one_certificate_each():
    cls = closed_class([f"Học Viên Đồng Thời {i}" for i in range(6)])
    results, timeline = _issue_concurrently(cls["id"], times=3)
    assert timeline.overlapped()
    assert not [r for r in results if isinstance(r, BaseException)], _tracebacks(results)
    assert sorted(len(r.issued) for r in results) == [0, 0, 6]
    rows = certificates_of(cls)
    assert len(rows) == 6 and len({r["enrolment"] for r in rows}) == 6
    assert sorted(r["register_number"] for r in rows) == list(range(1, 7))
    quiet = [r for r in results if not r.issued]
    assert all(r.already == 6 and "không cấp thêm" in r.message().lower() for r in quiet), [r.message() for r in quiet]


def test_two_simultaneous_issuances_for_one_learner_give_one_certificate_and_a_409():
    from training.core.errors import Conflict

    cls = closed_class(["Phan Thị Một Lần", "Phan Văn Khác"])
    from training.classes.tables import Enrolment

    enrolment = run(Enrolment.select(Enrolment.id).where(Enrolment.training_class == cls["id"]).first().run())["id"]
    results, timeline = _issue_concurrently(cls["id"], enrolment_id=enrolment)
    assert timeline.overlapped()
    errors = [r for r in results if isinstance(r, BaseException)]
    assert len(errors) == 1 and isinstance(errors[0], Conflict), results
    assert errors[0].status == 409 and errors[0].code == "already_issued"
    assert [r["enrolment"] for r in certificates_of(cls)] == [enrolment]


def test_the_database_refuses_a_second_valid_certificate_for_one_enrolment():
    from certificates.tables import Certificate

    cls = closed_class(["Vũ Văn Hai Bản"])

    issue(cls)
    [row] = certificates_of(cls)
    copy = {k: v for k, v in row.items() if k != "id"}
    copy.update(number=row["number"] + "X", register_number=row["register_number"] + 1000)
    with pytest.raises(Exception) as raised:
        run(Certificate.insert(Certificate(**copy)).run())
    assert "unique" in str(raised.value).lower()
    # a replaced or revoked one may sit beside the valid one (re-issue keeps history)
    copy["status"] = "replaced"
    run(Certificate.insert(Certificate(**copy)).run())


def test_reissue_keeps_exactly_one_valid_certificate(client, coord):
    cls = closed_class(["Đinh Thị Sửa Tên"])

    issue(cls)
    [row] = certificates_of(cls)
    response = client.post(f"/api/certificates/{row['id']}/reissue", json={"reason": "Sai ngày sinh"},
                           headers=coord)
    assert response.status_code == 201, response.text
    rows = certificates_of(cls)
    assert [r["status"] for r in rows] == ["replaced", "valid"]
    assert rows[0]["replaced_by"] == rows[1]["id"]


def test_certificates_only_for_a_closed_class():
    from training.classes.tables import TrainingClass
    from training.core.errors import Conflict

    cls = closed_class(["Lò Văn Chưa Đóng"])
    run(TrainingClass.update({TrainingClass.status: "running"}).where(TrainingClass.id == cls["id"]).run())

    with pytest.raises(Conflict) as raised:
        issue(cls)
    assert raised.value.code == "class_not_closed"
    assert certificates_of(cls) == []


# --- item 3: crashes and disk errors ---------------------------------------------------------------

def _cli(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "training.cli.main", *args], cwd=ROOT,
                            env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pids: set[int]) -> set[int]:
    out = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            out.add(pid)
    return out


def _wait_gone(pids: set[int], seconds: float = 15) -> set[int]:
    deadline = time.monotonic() + seconds
    while _alive(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return _alive(pids)


def _assert_complete(cls, count: int):
    """Every certificate has its file and the file's SHA-256 is the recorded one; numbers gapless."""
    from certificates.verification import check_pdf

    rows = certificates_of(cls)
    assert len(rows) == count
    assert [r["register_number"] for r in rows] == list(range(rows[0]["register_number"],
                                                               rows[0]["register_number"] + count))
    for r in rows:
        data = stored_pdf(r)
        assert r["pdf_sha256"] == hashlib.sha256(data).hexdigest(), r["number"]
    assert run(check_pdf(stored_pdf(rows[-1])))["genuine"]


@pytest.mark.parametrize("moment", ["records_committed", "some_pdfs_written"])
def test_kill_9_during_issuance_then_the_same_command_finishes_the_job(moment, client, coord):
    """kill -9 of ``training certificates issue`` right after the records are committed, or while the
    PDF workers render; no renderer survives it; the same command then completes every PDF and hash;
    a download in between is already genuine."""
    from certificates.tables import Certificate

    count = 90  # from 40 on, PDFs are rendered in worker processes; saved 25 at a time, so a kill after the
    # first batch leaves more than two batches undone
    cls = closed_class([f"Người Học Gián Đoạn {i:02d}" for i in range(count)])
    proc = _cli("certificates", "issue", cls["code"], env={"TRAINING_PDF_WORKERS": "2"})
    deadline = time.monotonic() + 120
    helpers: set[int] = set()
    while time.monotonic() < deadline:
        helpers |= _descendants(proc.pid)
        rows = certificates_of(cls)
        if moment == "records_committed" and rows:
            break
        if moment == "some_pdfs_written" and rows and any(stored_pdf(r) is not None for r in rows):
            break
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    else:
        pytest.fail("the issuance never reached the moment to kill it")
    helpers |= _descendants(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    if moment == "some_pdfs_written":
        assert helpers, "the PDF workers were running"
    assert not _wait_gone(helpers), "PDF worker processes outlived the killed command"
    rows = certificates_of(cls)
    assert len(rows) == count  # the records were committed all at once
    assert any(r["pdf_sha256"] is None for r in rows)  # the crash left work undone
    # A learner-facing download before the repair is already genuine: its hash gets recorded.
    last = rows[-1]
    response = client.get(f"/api/certificates/{last['id']}/pdf", headers=coord)
    assert response.status_code == 200
    check = client.post("/api/verify/pdf", files={"file": ("c.pdf", response.content, "application/pdf")})
    assert check.status_code == 200 and check.json()["genuine"], check.text
    # The same command again: nothing new, every missing PDF completed.
    again = _cli("certificates", "issue", cls["code"])
    out, err = again.communicate(timeout=180)
    assert again.returncode == 0, err.decode()
    _assert_complete(cls, count)
    assert run(Certificate.count().where(Certificate.enrolment.training_class == cls["id"]).run()) == count


def test_a_missing_file_is_rendered_again_for_download_zip_and_merged_pdf(client, coord):
    cls = closed_class(["Hà Thị Mất Tệp", "Hà Văn Còn Tệp"])

    issue(cls)
    rows = certificates_of(cls)
    for r in rows:
        drop_pdf(r)
    response = client.get(f"/api/classes/{cls['id']}/certificates/export?format=zip", headers=coord)
    assert response.status_code == 200, response.text
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == sorted(f"{r['number']}.pdf" for r in rows)
    for r in rows:  # the same bytes as the original: rendering is deterministic
        assert hashlib.sha256(archive.read(f"{r['number']}.pdf")).hexdigest() == r["pdf_sha256"]
    drop_pdf(rows[0])
    download = client.get(f"/api/certificates/{rows[0]['id']}/pdf", headers=coord)
    assert download.status_code == 200 and hashlib.sha256(download.content).hexdigest() == rows[0]["pdf_sha256"]
    drop_pdf(rows[1])
    merged = client.get(f"/api/classes/{cls['id']}/certificates/export?format=pdf", headers=coord)
    assert merged.status_code == 200 and merged.content.startswith(b"%PDF-")


def test_pdf_workers_end_with_the_service_on_sigterm(database, tmp_path):
    """``training serve`` renders a big class in worker processes; SIGTERM ends them all."""
    import httpx

    from training.auth.tokens import create_token

    cls = closed_class([f"Dừng Dịch Vụ {i:02d}" for i in range(42)])
    port = free_port()
    log = open(tmp_path / "serve.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "training.cli.main", "serve", "--host", "127.0.0.1", "--port",
                             str(port)], cwd=ROOT, env={**os.environ, "TRAINING_PDF_WORKERS": "2"},
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        token = run(create_token("coord"))
        response = httpx.post(f"{base}/api/classes/{cls['id']}/certificates", json={},
                              headers={"Authorization": f"Bearer {token}"}, timeout=180)
        assert response.status_code == 200, response.text
        workers = _descendants(proc.pid)
        assert len(workers) >= 2, "the PDFs were rendered in worker processes"
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        assert not _wait_gone(workers), "PDF worker processes outlived the service"
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()



def test_a_class_whose_results_are_certified_cannot_be_reopened(client, coord):
    """Certificates only for closed classes, also afterwards: re-opening would turn completed learners
    back into confirmed ones while their certificates stayed valid."""

    from training.classes.tables import Enrolment, TrainingClass

    cls = closed_class(["Cao Thị Chứng Nhận", "Cao Văn Thu Hồi"])
    issue(cls)
    refused = client.post(f"/api/classes/{cls['id']}/reopen", headers=coord)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "class_has_certificates"
    assert "2" in refused.json()["error"]["message"]
    assert run(TrainingClass.select(TrainingClass.status).where(TrainingClass.id == cls["id"]).first().run()) == {
        "status": "closed"}
    assert {r["status"] for r in run(Enrolment.select(Enrolment.status).where(
        Enrolment.training_class == cls["id"]).run())} == {"completed"}
    for row in certificates_of(cls):
        revoked = client.post(f"/api/certificates/{row['id']}/revoke", json={"reason": "Kết quả phải xét lại"},
                              headers=coord)
        assert revoked.status_code == 200, revoked.text
    reopened = client.post(f"/api/classes/{cls['id']}/reopen", headers=coord)
    assert reopened.status_code == 200, reopened.text
