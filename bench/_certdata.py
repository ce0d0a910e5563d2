"""Synthetic data for the certificate benchmarks: an issuing institution with its issuer profile,
a course, closed classes of learners who completed, and certificate rows, inserted in bulk.

Import ``_scratch`` before this module (it points the app at the scratch database).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from roster_import import FAMILY, GIVEN_F, GIVEN_M, MIDDLE_F, MIDDLE_M

CLASSIFICATIONS = ["Xuất sắc", "Giỏi", "Giỏi", "Khá", "Khá", "Khá", "Trung bình"]
STAFF = ["cadre", "civil_servant", "public_employee", "worker", "collaborator"]
CHUNK = 250


async def _insert(table, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), CHUNK):
        await table.insert(*[table(**r) for r in rows[i:i + CHUNK]]).run()


async def _province(code: str) -> int:
    from training.reference.tables import Province

    return (await Province.select(Province.id).where(Province.code == code).first().run())["id"]


async def make_issuer(prefix: str = "CTXHKH") -> int:
    """The institution (Khánh Hòa's social work centre) and its issuer profile; its id."""
    from certificates.tables import IssuerProfile
    from training.people.tables import Organisation

    province = await _province("56")
    [org] = await Organisation.insert(Organisation(
        name="Trung tâm Công tác xã hội tỉnh Khánh Hòa", kind="social_work_centre", province=province,
    )).returning(Organisation.id).run()
    await IssuerProfile.insert(IssuerProfile(
        organisation=org["id"], governing_body="SỞ Y TẾ TỈNH KHÁNH HÒA",
        issuer_name="TRUNG TÂM CÔNG TÁC XÃ HỘI TỈNH KHÁNH HÒA", signer_title="GIÁM ĐỐC",
        signer_name="Trần Thị Phương Thảo", place="Nha Trang", number_prefix=prefix,
    )).run()
    return org["id"]


async def make_course(code: str = "CTXH-BD-2026") -> int:
    from training.classes.tables import Course

    [row] = await Course.insert(Course(
        code=code, level="refresher", hours=120, certificate_kind="certificate", validity_months=60,
        name_vi=("Bồi dưỡng kiến thức, kỹ năng nghề công tác xã hội cho cán bộ, công chức, viên chức và "
                 "cộng tác viên làm công tác xã hội ở cấp xã năm 2026"),
        name_en="Refresher training in social work for commune-level staff and collaborators, 2026",
    )).returning(Course.id).run()
    return row["id"]


def person_name(rng: random.Random) -> tuple[str, str]:
    female = rng.random() < 0.6
    name = " ".join([rng.choice(FAMILY), rng.choice(MIDDLE_F if female else MIDDLE_M),
                     rng.choice(GIVEN_F if female else GIVEN_M)])
    return name, "female" if female else "male"


async def make_closed_class(rng: random.Random, code: str, course: int, institution: int, learners: int) -> int:
    """A closed class whose ``learners`` all completed with a classification; its id."""
    from training.classes.tables import Enrolment, TrainingClass
    from training.people.tables import Person

    province = await _province("56")
    [cls] = await TrainingClass.insert(TrainingClass(
        course=course, code=code, institution=institution, host_province=province, venue="Nha Trang",
        start_date=dt.date(2026, 3, 2), end_date=dt.date(2026, 6, 26), capacity=learners, status="closed",
    )).returning(TrainingClass.id).run()
    marker = f"bench-{code}-"
    people = []
    for i in range(learners):
        name, sex = person_name(rng)
        people.append({"full_name": name, "sex": sex, "date_of_birth": dt.date(1965, 1, 1)
                       + dt.timedelta(days=rng.randrange(365 * 38)), "staff_category": rng.choice(STAFF),
                       "province": province, "email": f"{marker}{i}@example.vn"})
    await _insert(Person, people)
    ids = [r["id"] for r in await Person.select(Person.id).where(Person.email.like(f"{marker}%")).order_by(
        Person.id).run()]
    now = dt.datetime.now(dt.UTC)
    await _insert(Enrolment, [{"training_class": cls["id"], "person": pid, "status": "completed",
                               "score": round(rng.uniform(5, 10), 1), "classification": rng.choice(CLASSIFICATIONS),
                               "enrolled_at": now} for pid in ids])
    return cls["id"]


async def bulk_certificates(class_id: int, issued_on: dt.date, revoked_every: int = 0) -> list[dict[str, Any]]:
    """Certificate rows for every completed enrolment of a class, as ``issue_for_class`` would make
    them (same snapshot, numbering and signed token) but inserted in bulk and without PDFs.
    Returns [{number, token}]."""
    from certificates import issuing, numbering, verification
    from certificates.signing import signing_keyring
    from certificates.tables import Certificate
    from training.classes.tables import Course, TrainingClass

    cls = await TrainingClass.select().where(TrainingClass.id == class_id).first().run()
    course = await Course.select().where(Course.id == cls["course"]).first().run()
    profile = await issuing.issuer_profile(cls["institution"], cls["code"])
    completed = await issuing.completed_enrolments(class_id)
    first = await numbering.next_register_number(cls["institution"], issued_on.year)
    ring = await signing_keyring()
    now = dt.datetime.now(dt.UTC)
    expires = issuing.add_months(issued_on, course["validity_months"]) if course["validity_months"] else None
    prefix = numbering.number_prefix(profile)
    rows = []
    for offset, enrolment in enumerate(completed):
        register = first + offset
        row = {**issuing.certificate_snapshot(enrolment, course, cls, profile), "enrolment": enrolment["id"],
               "issuer": cls["institution"], "number": numbering.certificate_number(prefix, issued_on.year, register),
               "register_year": issued_on.year, "register_number": register, "issued_on": issued_on,
               "expires_on": expires, "status": "valid", "created_at": now}
        if revoked_every and offset % revoked_every == revoked_every - 1:
            row.update(status="revoked", revoked_reason="Cấp nhầm người (benchmark)", revoked_at=now)
        row["token"], row["key_id"] = ring.sign(verification.token_fields(row))
        rows.append(row)
    await _insert(Certificate, rows)
    return [{"number": r["number"], "token": r["token"]} for r in rows]
