"""Certificate records and the per-issuer settings printed on them.

Issuing and verifying certificates builds on these tables; a certificate row is never edited
after issue: a correction is a re-issue (new number, old row ``replaced``), a withdrawal a
revocation with a reason.
"""

from __future__ import annotations

from piccolo.columns import Date, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.readable import Readable
from piccolo.table import Table

from training.enums import CertificateStatus
from training.tables import Enrolment, Organisation


class IssuerProfile(Table):
    """What an issuing organisation prints on its certificates: data, editable in the admin."""

    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.cascade, unique=True)
    governing_body = Varchar(length=255, default="")  # e.g. "SỞ Y TẾ TỈNH KHÁNH HÒA"
    issuer_name = Varchar(length=255)  # e.g. "TRUNG TÂM CÔNG TÁC XÃ HỘI"
    signer_title = Varchar(length=255, default="GIÁM ĐỐC")
    signer_name = Varchar(length=150, default="")
    place = Varchar(length=100, default="")  # the place in "Nha Trang, ngày 05 tháng 02 năm 2026"
    number_prefix = Varchar(length=20, default="")
    wording = Text(default="")
    logo_path = Varchar(length=255, default="")

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.issuer_name])


class Certificate(Table):
    enrolment = ForeignKey(references=Enrolment, on_delete=OnDelete.restrict, index=True)
    issuer = ForeignKey(references=Organisation, on_delete=OnDelete.restrict)
    number = Varchar(length=40, unique=True, index=True)  # Số hiệu, unique nationally
    register_year = Integer()
    register_number = Integer()  # Số vào sổ, sequential per issuer and year
    issued_on = Date()
    expires_on = Date(null=True, default=None)
    status = Varchar(length=20, choices=CertificateStatus, default=CertificateStatus.valid)
    replaced_by = ForeignKey(references="self", null=True, on_delete=OnDelete.restrict)
    revoked_reason = Varchar(length=255, null=True, default=None)
    pdf_sha256 = Varchar(length=64, null=True, default=None)
    created_at = Timestamptz()

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.number])
