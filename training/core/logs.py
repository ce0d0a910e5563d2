"""No personal data in the application log.

The audit log masks personal fields itself (``validation.mask_personal``); this module covers the
rest: a message or a traceback that happens to carry a citizen ID, a phone number or an email (a
database error naming the duplicate key, a value echoed in an exception). ``install`` wraps the
log-record factory, so every record of every logger (ours, Litestar's, uvicorn's, piccolo's) is
masked when it is created, before any handler formats or ships it.
"""

from __future__ import annotations

import logging
import re
import traceback

from training.core.masking import mask_cccd

# A 12-digit citizen ID or 9-digit old ID card number, a Vietnamese phone number (0… or +84…, with
# optional spaces, dots or dashes), an email address.
_ID = re.compile(r"(?<!\d)(\d{12}|\d{9})(?!\d)")
_PHONE = re.compile(r"(?<![\d+])(?:\+84|0)(?:[ .\-]?\d){8,10}(?!\d)")
_EMAIL = re.compile(r"([A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]*@([A-Za-z0-9.\-]+\.[A-Za-z]{2,})")


def mask_text(text: str) -> str:
    """``text`` with citizen IDs and phone numbers cut to their last three digits and emails to their
    first character and domain."""
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    text = _ID.sub(lambda m: mask_cccd(m.group(1)), text)
    return _PHONE.sub(lambda m: mask_cccd(re.sub(r"\D", "", m.group(0))), text)


_installed = False


def install() -> None:
    """Mask every log record from now on (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    make_record = logging.getLogRecordFactory()

    def masked_record(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        # Mask the template and each argument, keeping their shape: some formatters (uvicorn's access
        # log) read ``record.args`` as a tuple.
        if isinstance(record.msg, str):
            record.msg = mask_text(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(mask_text(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: mask_text(v) if isinstance(v, str) else v for k, v in record.args.items()}
        if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
            record.exc_text = mask_text("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        return record

    logging.setLogRecordFactory(masked_record)
