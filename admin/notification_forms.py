"""The admin's form on the outbox (ADR 0037): a coordinator sends a failed message again. A thin wrapper
over ``training.notifications.sender.retry_failed`` (coordinators only; audited)."""

from __future__ import annotations

from piccolo_admin.endpoints import FormConfig
from pydantic import BaseModel, Field
from starlette.requests import Request

from admin.forms import form_actor, form_call
from training.core.i18n import N_, _
from training.notifications.channels import configured_channels, setting_of
from training.notifications.sender import retry_failed

SYSTEM_GROUP = N_("System")  # the menu group of the outbox table (admin/site.py)
RETRY_FORM = N_("Send a failed message again")


def channels_note() -> str:
    """Which channels wait for their settings (shown under the form's title)."""
    missing = [setting_of(channel) for channel in ("email", "sms") if channel not in configured_channels()]
    if not missing:
        return ""
    return " " + _("Not configured yet, so their messages wait: {settings}.", settings=", ".join(missing))


def build_notification_forms() -> list[FormConfig]:
    class RetryForm(BaseModel):
        notification_id: int = Field(title=_("Message ID (column ID of the outbox)"), ge=1, le=2**31 - 1)

    async def retry(request: Request, data: RetryForm) -> str:
        actor = await form_actor(request)
        await form_call(retry_failed(data.notification_id, actor))
        return _("Message {id} will be sent again at the sender's next pass; the change is in the audit log.",
                 id=data.notification_id)

    return [FormConfig(
        name=_(RETRY_FORM), pydantic_model=RetryForm, endpoint=retry, form_group=_(SYSTEM_GROUP),
        description=_("A message that could not be sent (status \"Could not be sent\", reason in "
                      "\"Last error\") goes back to the outbox with its tries counted afresh.") + channels_note())]
