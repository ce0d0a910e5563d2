"""Certificate endpoints: coordinators issue, revoke, re-issue and export; learners download their own;
anyone verifies. Thin over ``certificates.issuing``, ``verification`` and ``exports``."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.datastructures import CacheControlHeader, UploadFile
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody
from litestar.response import Response, Stream
from msgspec import Meta, Struct

from certificates import exports, issuing, verification
from certificates.signing import keyring
from training.auth.access import Actor
from training.core.errors import DomainError
from training.core.filenames import safe_filename
from training.core.i18n import N_
from training.web.auth import provide_actor

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_LIMIT = verification.MAX_UPLOAD_BYTES + 1024 * 1024


# --- models ----------------------------------------------------------------------------------------

class CertificateOut(Struct):
    id: int
    number: str
    register: str
    holder_name: str
    course: str
    course_code: str
    level: str
    level_label: str
    hours: int
    class_code: str
    classification: str
    issued_on: str
    expires_on: str | None
    status: str
    status_label: str
    reason: str | None
    verification_code: str | None  # XXXX-XXXX; null where the reader may not see it


class VerificationOut(Struct, omit_defaults=True):
    """``details`` false: only the number and its status (the other fields are absent). True (the
    QR token or the verification code was given): everything printed but the birth date."""

    number: str
    status: str
    status_label: str
    details: bool
    signature_checked: bool
    holder_name: str | None = None
    course: str | None = None
    course_en: str | None = None
    course_code: str | None = None
    level: str | None = None
    level_label: str | None = None
    hours: int | None = None
    start_date: str | None = None
    end_date: str | None = None
    issued_on: str | None = None
    expires_on: str | None = None
    classification: str | None = None
    register: str | None = None
    issuer: str | None = None
    issuer_parent: str | None = None
    revoked_reason: str | None = None
    replaced_by: str | None = None


class PdfCheckOut(Struct):
    genuine: bool
    sha256: str
    message: str
    certificate: VerificationOut | None


class PublicKeyOut(Struct):
    kid: str
    alg: str
    public_key: str
    public_key_pem: str
    created: str
    current: bool


class KeySetOut(Struct):
    keys: list[PublicKeyOut]
    token_format: str


class IssueIn(Struct):
    enrolment: int | None = None
    issued_on: dt.date | None = None


class IssueOut(Struct):
    class_code: str
    issued: int
    already_issued: int
    completed: int
    numbers: list[str]
    completed_pdfs: int  # PDFs of an earlier, interrupted run completed by this one
    message: str


class ReasonIn(Struct):
    reason: Annotated[str, Meta(max_length=1000)] = ""


class FileIn(Struct):
    file: UploadFile | None = None


def _file_response(content: bytes, name: str, media_type: str) -> Response:
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "private, no-store"})


# --- public verification ---------------------------------------------------------------------------

TOKEN_FORMAT = ("base64url(payload) '.' base64url(Ed25519 signature over payload); payload is compact JSON with "
                "sorted keys: n number, h holder name (NFC), c course code, hr hours, s/e start/end date, "
                "i issue date, x expiry date, kid signing key")


@get("/api/verify/{number:str}", tags=["Verification"], summary="Is this certificate genuine and valid? (public)",
     cache_control=CacheControlHeader(no_store=True))
async def verify_json(number: FromPath[str], t: FromQuery[str | None] = None,
                      code: FromQuery[str | None] = None) -> VerificationOut:
    """The number alone: whether the certificate exists and its status (valid, revoked, replaced,
    expired), nothing else. With ``t`` (the token from the QR code: its signature is checked and
    must match the certificate) or ``code`` (the verification code printed next to the number,
    ``XXXX-XXXX``, any case, dashes and spaces ignored): also the holder, course, dates,
    classification, issuer, revocation reason or replacement. A wrong code answers exactly as no
    code. Never returns the citizen ID or the date of birth."""
    return VerificationOut(**await verification.verification(number, t, code))


@post("/api/verify/pdf", tags=["Verification"], status_code=200, request_max_body_size=UPLOAD_LIMIT,
      summary="Is this PDF an unmodified copy of a certificate we issued? (public)")
async def verify_pdf(data: Annotated[FileIn, Body(media_type=RequestEncodingType.MULTI_PART)]) -> PdfCheckOut:
    content = await upload_bytes(data)
    result = await verification.check_pdf(content)
    cert = result.pop("certificate")
    return PdfCheckOut(**result, certificate=VerificationOut(**cert) if cert else None)


async def upload_bytes(data: FileIn) -> bytes:
    """The uploaded file's bytes; no file is a 400 in the one error shape (field ``file``)."""
    if data.file is None:
        raise DomainError.single("file_missing", N_("Choose a file to upload (form field \"file\")."),
                                 "file", http_status=400)
    return await data.file.read()


@get("/.well-known/certificate-keys", tags=["Verification"], summary="Public keys that sign certificate tokens")
async def public_keys() -> KeySetOut:
    return KeySetOut(keys=[PublicKeyOut(**k) for k in await keyring().public_keys()], token_format=TOKEN_FORMAT)


# --- signed-in users -------------------------------------------------------------------------------

class CertificateController(Controller):
    path = "/api"
    tags = ["Certificates"]
    dependencies = {"actor": Provide(provide_actor)}

    @get("/me/certificates", summary="The signed-in learner's own certificates")
    async def mine(self, actor: NamedDependency[Actor]) -> list[CertificateOut]:
        return [CertificateOut(**r) for r in await verification.my_certificates(actor)]

    @get("/certificates/{cert_id:int}/pdf", summary="A certificate's PDF (learners: only their own)",
         media_type=PDF)
    async def pdf(self, cert_id: FromPath[int], actor: NamedDependency[Actor],
                  lang: FromQuery[str] = "vi") -> Response:
        row, content = await exports.pdf_bytes(cert_id, actor, lang)
        return _file_response(content, exports.download_name(row, lang), PDF)

    @get("/classes/{class_id:int}/certificates", summary="The certificates of a class")
    async def of_class(self, class_id: FromPath[int], actor: NamedDependency[Actor]) -> list[CertificateOut]:
        return [CertificateOut(**r) for r in await verification.class_summaries(class_id, actor)]

    @post("/classes/{class_id:int}/certificates", status_code=200,
          summary="Issue certificates to everyone who completed the class (or to one enrolment)")
    async def issue(self, request: Request, class_id: FromPath[int], actor: NamedDependency[Actor],
                    data: JSONBody[IssueIn | None] = None) -> Response:
        """Idempotent: learners who already have a certificate get no second one. With
        ``Accept: application/x-ndjson`` the answer streams progress lines
        ``{"stage", "done", "total"}`` and ends with the result line."""
        body = data or IssueIn()

        def run(progress=None):
            return issuing.issue_for_class(class_id, actor, enrolment_id=body.enrolment, issued_on=body.issued_on,
                                           progress=progress)

        if "application/x-ndjson" not in request.headers.get("accept", ""):
            result = await run()
            return Response(IssueOut(**result.as_dict()))
        return await _stream_issue(run)

    @get("/classes/{class_id:int}/certificates/export", summary="A class's certificates as ZIP or one PDF",
         media_type="application/octet-stream")
    async def export(self, class_id: FromPath[int], actor: NamedDependency[Actor],
                     format: FromQuery[str] = "zip", lang: FromQuery[str] = "vi") -> Response:
        if format == "pdf":
            code, content = await exports.class_pdf(class_id, actor, lang)
            return _file_response(content, f"chung-chi-{safe_filename(code)}.pdf", PDF)
        if format != "zip":
            raise DomainError.single("bad_format", N_("The format must be zip or pdf."), "format")
        code, content = await exports.class_zip(class_id, actor)
        return _file_response(content, f"chung-chi-{safe_filename(code)}.zip", "application/zip")

    @get("/certificates/register", summary="The register book (sổ cấp chứng chỉ) of an issuer and year, XLSX",
         media_type=XLSX)
    async def register(self, actor: NamedDependency[Actor], organisation: FromQuery[int],
                       year: FromQuery[int]) -> Response:
        name, content = await exports.register_xlsx(organisation, year, actor)
        return _file_response(content, name, XLSX)

    @post("/certificates/{cert_id:int}/revoke", status_code=200, summary="Revoke a certificate, with a reason")
    async def revoke(self, cert_id: FromPath[int], actor: NamedDependency[Actor],
                     data: JSONBody[ReasonIn]) -> CertificateOut:
        return CertificateOut(**verification.summary(await issuing.revoke(cert_id, data.reason, actor)))

    @post("/certificates/{cert_id:int}/reissue", status_code=201,
          summary="Re-issue a corrected certificate: new number, the old one marked replaced")
    async def reissue(self, cert_id: FromPath[int], actor: NamedDependency[Actor],
                      data: JSONBody[ReasonIn]) -> CertificateOut:
        return CertificateOut(**verification.summary(await issuing.reissue(cert_id, data.reason, actor)))


async def _stream_issue(run) -> Response:
    """Start issuing; errors found before the first progress line answer with their own status."""
    queue: asyncio.Queue = asyncio.Queue()
    task = asyncio.create_task(run(lambda stage, done, total: queue.put_nowait(
        {"stage": stage, "done": done, "total": total})))
    first = asyncio.create_task(queue.get())
    await asyncio.wait({task, first}, return_when=asyncio.FIRST_COMPLETED)
    if task.done() and task.exception() is not None:
        first.cancel()
        raise task.exception()  # type: ignore[misc]

    async def lines() -> AsyncIterator[bytes]:
        pending = first
        while True:
            await asyncio.wait({task, pending}, return_when=asyncio.FIRST_COMPLETED)
            if pending.done():
                yield (json.dumps(pending.result()) + "\n").encode()
                pending = asyncio.create_task(queue.get())
                continue
            pending.cancel()
            while not queue.empty():
                yield (json.dumps(queue.get_nowait()) + "\n").encode()
            try:
                result = task.result()
                yield (json.dumps({"result": result.as_dict()}, ensure_ascii=False) + "\n").encode()
            except DomainError as exc:
                yield (json.dumps(exc.payload(), ensure_ascii=False) + "\n").encode()
            return

    return Stream(lines(), media_type="application/x-ndjson")
