"""Certificate records and the per-issuer settings printed on them.

Issuing and verifying certificates builds on these tables; a certificate row is never edited
after issue: a correction is a re-issue (new number, old row ``replaced``), a withdrawal a
revocation with a reason.
"""

from __future__ import annotations

from piccolo.columns import Boolean, Bytea, Date, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.readable import Readable
from piccolo.table import Table

from certificates.codes import new_code
from training.classes.tables import Enrolment
from training.core.enums import CertificateStatus
from training.people.tables import Organisation


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
    # What the certificate says, frozen at issue: a later change to the person, course or issuer
    # never changes an issued certificate (the signed token and the PDF hash cover these).
    holder_name = Varchar(length=150, default="")
    holder_birth_date = Date(null=True, default=None)
    holder_sex = Varchar(length=10, default="")
    course_code = Varchar(length=30, default="")
    course_name_vi = Varchar(length=255, default="")
    course_name_en = Varchar(length=255, default="")
    level = Varchar(length=30, default="")
    kind = Varchar(length=20, default="")
    hours = Integer(default=0)
    start_date = Date(null=True, default=None)
    end_date = Date(null=True, default=None)
    classification = Varchar(length=30, default="")
    class_code = Varchar(length=40, default="")
    issuer_snapshot = Text(default="")  # JSON of the issuer profile printed on it
    key_id = Varchar(length=20, default="")
    token = Text(default="")  # the signed token in the QR code
    pdf_en_sha256 = Varchar(length=64, null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    # Printed next to the number; with the number it shows the holder and details to the public
    # (certificates.codes). A fresh CSPRNG code for every row; the database checks its format.
    verification_code = Varchar(length=8, default=new_code)

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.number])


class SigningKey(Table):
    """An Ed25519 key that signs certificate tokens (``certificates.signing``): the public key in the clear,
    the private key sealed with AES-GCM under a key derived from TRAINING_SECRET_KEY, so a dump of the
    database alone cannot sign. One key is current (a partial unique index); older keys stay and keep
    verifying what they signed."""

    kid = Varchar(length=20, unique=True)
    public_key = Varchar(length=64)  # base64url of the 32 raw bytes
    private_key = Text()  # "v1." + base64url(nonce + AES-GCM(raw private key)), see certificates.signing
    created_at = Timestamptz()
    is_current = Boolean(default=False)


class CertificatePdf(Table):
    """A certificate's stored PDF, one row per language (``certificates.storage``): in the database, so
    every server of one database can serve it."""

    certificate = ForeignKey(references=Certificate, on_delete=OnDelete.cascade)
    language = Varchar(length=2, default="vi")  # vi | en
    sha256 = Varchar(length=64)
    data = Bytea()
