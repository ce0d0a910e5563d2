"""The channels a message leaves by (ADR 0037): email over SMTP, and SMS/Zalo through the province's HTTP
gateway. Each delivery answers with a ``Delivery``: sent, or not sent with the reason and whether trying
again may help. Nothing here reads or writes the outbox; ``training.notifications.sender`` does.

The gateway receives one POST per message, ``Content-Type: application/json``::

    {"id": 1234, "to": "0912345678", "text": "…", "kind": "certificate_issued", "language": "vi",
     "attempt": 1}

with ``Authorization: Bearer <TRAINING_SMS_WEBHOOK_TOKEN>`` when a token is set, the header
``Idempotency-Key: notification-1234`` and ``User-Agent: training-notifications/<sender's process id>``.
``id`` is the same on every try of one message: a gateway that remembers the ids it sent can drop a
duplicate. Any 2xx answer means sent; 408, 429, 5xx, a timeout or
no connection mean "try again later"; any other answer (400 a bad number, 401 a wrong token, ...) means
this message cannot be sent as it is.
"""

from __future__ import annotations

import asyncio
import json
import os
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import parse_qs, unquote, urlparse

from training.core.config import notify_timeout, sms_webhook_token, sms_webhook_url, smtp_from, smtp_url
from training.core.enums import NotificationChannel

REASON_LENGTH = 500  # characters of a server's answer kept as the reason


@dataclass(frozen=True)
class Delivery:
    """The outcome of one try: ``sent``, or the ``reason`` it was not and whether it is ``permanent``
    (trying the same message again cannot help)."""

    sent: bool
    reason: str = ""
    permanent: bool = False


SENT = Delivery(sent=True)


@dataclass(frozen=True)
class Outgoing:
    """One message ready to leave: its outbox id, address, words and try number."""

    id: int
    channel: str
    address: str
    kind: str
    language: str
    subject: str
    text: str
    sms: str
    attempt: int


def configured_channels() -> frozenset[NotificationChannel]:
    """The channels whose settings are present: messages of the others wait in the outbox."""
    found = set()
    if smtp_url():
        found.add(NotificationChannel.email)
    if sms_webhook_url():
        found.add(NotificationChannel.sms)
    return frozenset(found)


def setting_of(channel: NotificationChannel | str) -> str:
    """The environment variable a channel needs."""
    return "TRAINING_SMTP_URL" if NotificationChannel(channel) == NotificationChannel.email \
        else "TRAINING_SMS_WEBHOOK_URL"


async def deliver(message: Outgoing) -> Delivery:
    """Send one message by its channel, in a thread (smtplib and urllib block), within the timeout."""
    if NotificationChannel(message.channel) == NotificationChannel.email:
        return await asyncio.to_thread(send_email, message)
    return await asyncio.to_thread(post_sms, message)


# --- email ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    ssl: bool
    starttls: bool
    username: str
    password: str
    cafile: str | None


def smtp_server(url: str) -> SmtpServer:
    """``smtp://user:pass@host:587?starttls=1`` or ``smtps://user:pass@host:465`` (``cafile=`` to trust
    a private authority) as its parts."""
    parsed = urlparse(url)
    if parsed.scheme not in ("smtp", "smtps") or not parsed.hostname:
        raise ValueError("TRAINING_SMTP_URL must look like smtp://user:pass@host:587?starttls=1 or smtps://host:465")
    query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
    secure = parsed.scheme == "smtps"
    return SmtpServer(host=parsed.hostname, port=parsed.port or (465 if secure else 25), ssl=secure,
                      starttls=not secure and query.get("starttls", "0").lower() in ("1", "true", "yes"),
                      username=unquote(parsed.username or ""), password=unquote(parsed.password or ""),
                      cafile=query.get("cafile") or None)


def email_of(message: Outgoing, sender: str, domain: str) -> EmailMessage:
    """The email: UTF-8 text, the subject encoded for any mail client (RFC 2047), a Message-ID naming the
    outbox row (the same on every try, so a mailbox can spot a duplicate)."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.address
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = f"<notification-{message.id}@{domain}>"
    email.set_content(message.text, charset="utf-8")
    return email


def send_email(message: Outgoing) -> Delivery:
    """One email through TRAINING_SMTP_URL. A 5xx refusal of the recipient or of the message is
    permanent; anything else (no connection, a timeout, a 4xx, a refused sign-in) is tried again."""
    server = smtp_server(smtp_url())
    sender = smtp_from()
    context = ssl.create_default_context(cafile=server.cafile)
    timeout = notify_timeout()
    try:
        if server.ssl:
            client: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=timeout)
        with client:
            if server.starttls:
                client.starttls(context=context)
            if server.username:
                client.login(server.username, server.password)
            client.send_message(email_of(message, sender, sender.rpartition("@")[2] or "localhost"))
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        return Delivery(False, smtp_reason(code, text), permanent=code >= 500)
    except smtplib.SMTPAuthenticationError as exc:
        return Delivery(False, smtp_reason(exc.smtp_code, exc.smtp_error, "sign-in refused"))
    except smtplib.SMTPResponseException as exc:
        return Delivery(False, smtp_reason(exc.smtp_code, exc.smtp_error), permanent=exc.smtp_code >= 500)
    except (OSError, smtplib.SMTPException) as exc:  # no connection, timeout, TLS, disconnected
        return Delivery(False, f"SMTP {server.host}:{server.port}: {type(exc).__name__}: {exc}"[:REASON_LENGTH])
    return SENT


def smtp_reason(code: int, text: bytes | str, what: str = "") -> str:
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"SMTP {code}{' ' + what if what else ''}: {text}"[:REASON_LENGTH]


# --- SMS / Zalo gateway ---------------------------------------------------------------------------

def sms_body(message: Outgoing) -> dict:
    """The JSON the gateway receives (documented in this module's docstring and ADR 0037)."""
    return {"id": message.id, "to": message.address, "text": message.sms, "kind": message.kind,
            "language": message.language, "attempt": message.attempt}


def post_sms(message: Outgoing) -> Delivery:
    """One POST to TRAINING_SMS_WEBHOOK_URL: 2xx sent; 408, 429, 5xx, a timeout or no connection tried
    again; any other answer permanent."""
    headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json",
               "Idempotency-Key": f"notification-{message.id}", "User-Agent": f"training-notifications/{os.getpid()}"}
    if sms_webhook_token():
        headers["Authorization"] = f"Bearer {sms_webhook_token()}"
    request = urllib.request.Request(sms_webhook_url(), method="POST", headers=headers,
                                     data=json.dumps(sms_body(message), ensure_ascii=False).encode("utf-8"))
    try:
        with urllib.request.urlopen(request, timeout=notify_timeout()) as answer:  # noqa: S310 (a configured URL)
            answer.read(4096)
            return SENT
    except urllib.error.HTTPError as exc:
        body = exc.read(REASON_LENGTH).decode("utf-8", "replace")
        temporary = exc.code in (408, 429) or exc.code >= 500
        return Delivery(False, f"HTTP {exc.code}: {body}"[:REASON_LENGTH], permanent=not temporary)
    except (OSError, ValueError) as exc:  # timeout, refused connection, bad URL
        reason = getattr(exc, "reason", exc)
        return Delivery(False, f"{type(reason).__name__}: {reason}"[:REASON_LENGTH] if str(reason)
                        else type(reason).__name__)
