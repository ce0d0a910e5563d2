"""Admin forms for certificates: thin wrappers over certificates.issuing, verification and exports.

Issuing a big class from here works but shows no progress; the sidebar's certificate page shows a
progress bar for the same action.
"""

from __future__ import annotations

import io
from typing import Literal

from piccolo_admin.endpoints import FileResponse, FormConfig
from pydantic import BaseModel, Field
from starlette.requests import Request

from admin.forms import form_actor, form_call, form_class_id, picker
from certificates import exports, issuing, verification
from training.core.filenames import safe_filename
from training.core.i18n import N_, _

CERTIFICATION_GROUP = N_("Certification")


def build_certificate_forms() -> list[FormConfig]:
    class IssueForm(BaseModel):
        class_code: str = Field(title=_("Class"), json_schema_extra=picker("classes_closed"))

    class ChangeForm(BaseModel):
        number: str = Field(title=_("Serial number (Số hiệu)"))
        reason: str = Field(title=_("Reason"))

    class ExportForm(BaseModel):
        class_code: str = Field(title=_("Class"), json_schema_extra=picker("classes_closed"))
        format: Literal["zip", "pdf"] = Field("zip", title=_("Format (zip: one file per learner; pdf: one file "
                                                              "for printing)"))

    async def issue(request: Request, data: IssueForm) -> str:
        actor = await form_actor(request)
        result = await form_call(issuing.issue_for_class(await form_class_id(data.class_code, actor), actor))
        return result.message()

    async def revoke(request: Request, data: ChangeForm) -> str:
        actor = await form_actor(request)
        row = await form_call(verification.find_by_number(data.number, actor))
        row = await form_call(issuing.revoke(row["id"], data.reason, actor))
        return _("Certificate {number} is revoked.", number=row["number"])

    async def reissue(request: Request, data: ChangeForm) -> str:
        actor = await form_actor(request)
        old = await form_call(verification.find_by_number(data.number, actor))
        new = await form_call(issuing.reissue(old["id"], data.reason, actor))
        return _("Certificate {old} is replaced by {new}.", old=old["number"], new=new["number"])

    async def export(request: Request, data: ExportForm) -> FileResponse:
        actor = await form_actor(request)
        class_id = await form_class_id(data.class_code, actor)
        if data.format == "pdf":
            code, content = await form_call(exports.class_pdf(class_id, actor))
            media = "application/pdf"
        else:
            code, content = await form_call(exports.class_zip(class_id, actor))
            media = "application/zip"
        return FileResponse(contents=io.BytesIO(content), file_name=f"chung-chi-{safe_filename(code)}.{data.format}",
                            media_type=media)

    group = _(CERTIFICATION_GROUP)
    return [
        FormConfig(name=_("Issue certificates for a class"), pydantic_model=IssueForm, endpoint=issue,
                   description=_("For every learner who completed the closed class; nobody gets a second one. "
                                 "The Issue certificates page in the sidebar shows progress for big classes."),
                   form_group=group),
        FormConfig(name=_("Revoke a certificate"), pydantic_model=ChangeForm, endpoint=revoke,
                   description=_("The certificate stays in the register and verifies as revoked, with the reason."),
                   form_group=group),
        FormConfig(name=_("Re-issue a corrected certificate"), pydantic_model=ChangeForm, endpoint=reissue,
                   description=_("Correct the person, course or issuer first: the new certificate takes today's "
                                 "data and a new number; the old one is marked replaced."), form_group=group),
        FormConfig(name=_("Download a class's certificates"), pydantic_model=ExportForm, endpoint=export,
                   form_group=group),
    ]
