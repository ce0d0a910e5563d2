"""Certificates for the tests: an issuing organisation, a closed class whose learners completed, issuing, and
reading back the certificates and their PDF files."""

from __future__ import annotations

import datetime as dt
import unicodedata

from factories import make_course, make_person, province_id, run, unique

NAMES = ["Nguyễn Thị Ngọc Ánh", "Đặng Thị Thu Hường", "Lưu Quang Vũ"]


def make_issuer(province_code: str = "56", prefix: str | None = None) -> int:
    from certificates.tables import IssuerProfile
    from training.people.tables import Organisation

    org = run(Organisation.insert(Organisation(name=unique("Trung tâm CTXH "), kind="social_work_centre",
                                               province=province_id(province_code))).returning(Organisation.id).run())
    org_id = org[0]["id"]
    run(IssuerProfile.insert(IssuerProfile(
        organisation=org_id, governing_body="SỞ Y TẾ TỈNH KHÁNH HÒA", issuer_name="TRUNG TÂM CÔNG TÁC XÃ HỘI",
        signer_title="GIÁM ĐỐC", signer_name="Lê Thị Kim Oanh", place="Nha Trang",
        number_prefix=prefix or unique("KH"))).run())
    return org_id


def closed_class(names=NAMES, province_code="56", issuer=None, course=None, completed=True, **person_values):
    """A closed class whose learners completed (results as close_class leaves them)."""
    from training.classes.tables import Enrolment, TrainingClass

    course = course or make_course(level="refresher", certificate_kind="attestation", hours=40)["id"]
    issuer = issuer or make_issuer(province_code)
    cls = run(TrainingClass.insert(TrainingClass(
        course=course, code=unique("CC-"), institution=issuer, host_province=province_id(province_code),
        start_date=dt.date(2026, 1, 12), end_date=dt.date(2026, 1, 16), capacity=2000,
        status="closed")).returning(TrainingClass.id, TrainingClass.code).run())[0]
    people = []
    for name in names:
        female = " Thị " in unicodedata.normalize("NFC", name)
        person = make_person(province_code, full_name=name, sex="female" if female else "male",
                             **person_values)
        people.append(person)
        run(Enrolment.insert(Enrolment(training_class=cls["id"], person=person["id"],
                                       status="completed" if completed else "failed", score=8.5,
                                       classification="Giỏi" if completed else None,
                                       enrolled_at=dt.datetime.now(dt.UTC))).run())
    return {**cls, "issuer": issuer, "course": course, "people": people}


def issue(cls, **kw):
    from certificates.issuing import issue_for_class
    from training.auth.access import SYSTEM

    return run(issue_for_class(cls["id"], SYSTEM, **kw))


def certificates_of(cls):
    from certificates.tables import Certificate

    return run(Certificate.select().where(Certificate.enrolment.training_class == cls["id"]).order_by(
        Certificate.register_number).run())


def stored_pdf(row, language: str = "vi") -> bytes | None:
    """The certificate's PDF as stored in the database, or None."""
    from certificates.storage import stored_pdfs

    return run(stored_pdfs([row["id"]], language)).get(row["id"])


def drop_pdf(row) -> None:
    """Remove a certificate's stored PDF (as if lost)."""
    from certificates.tables import CertificatePdf

    run(CertificatePdf.delete().where(CertificatePdf.certificate == row["id"]).run())
