"""No personal data in the application log.

The audit log masks personal fields itself (``validation.mask_personal``); this module covers the
rest: a message or a traceback that happens to carry a citizen ID, a phone number or an email (a
database error naming the duplicate key, a value echoed in an exception). ``install`` wraps the
log-record factory, so every record of every logger (ours, Litestar's, uvicorn's, piccolo's) is
masked when it is created, before any handler formats or ships it.

With ``TRAINING_LOG_FORMAT=json`` every line is one JSON object (``JsonFormatter``) carrying the id
of the request it belongs to (``request_id``, set by ``training.web.observability`` from a sane
``X-Request-ID`` or generated); ``server_log_config`` is the logging set-up ``training serve`` hands
to its HTTP server (in every worker).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import traceback
import uuid

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
    for name in ONE_LINE_LOGGERS:
        logging.getLogger(name).addFilter(one_line)


# Loggers whose warnings carry a traceback that says nothing new: asyncpg's pool retries its
# connections about once a second while PostgreSQL is down, each time with the same traceback.
ONE_LINE_LOGGERS = ("asyncpg.pool",)


def one_line(record: logging.LogRecord) -> bool:
    """A logging filter: the record's traceback folded into one line (its exception's type and text)."""
    if record.exc_info and record.exc_info[0] is not None:
        exc = record.exc_info[1]
        record.msg = f"{record.getMessage()}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        record.args, record.exc_info, record.exc_text = None, None, None
    return True


# --- the request id and JSON lines ---

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,99}")


def sane_request_id(sent: str | None) -> str:
    """The id a client sent in ``X-Request-ID`` when it is short, plain ASCII and carries no personal
    data (a citizen ID or phone number would then appear in every line); otherwise a new one."""
    if sent and _SANE_ID.fullmatch(sent) and mask_text(sent) == sent:
        return sent
    return uuid.uuid4().hex


# Attributes a record may carry (``log.info(..., extra={...})``) that a JSON line keeps as fields.
JSON_FIELDS = ("method", "route", "status", "duration_ms")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message (masked), request_id, the fields
    of ``JSON_FIELDS`` the record has, and the traceback (masked) if there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_text(record.getMessage()),
            "request_id": request_id.get(),
        }
        for name in JSON_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_text or mask_text(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def server_log_config(log_format: str) -> dict | None:
    """The logging set-up for the HTTP server (granian's ``log_dictconfig`` or uvicorn's ``log_config``):
    None (the server's own text lines) unless ``log_format`` is ``json``; then every logger, the
    server's and ours, writes JSON lines to stderr."""
    if log_format != "json":
        return None
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {"json": handler},
        "root": {"handlers": ["json"], "level": "INFO"},
        "loggers": {
            "uvicorn": {"handlers": ["json"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["json"], "level": "INFO", "propagate": False},
            "_granian": {"handlers": ["json"], "level": "INFO", "propagate": False},
            "granian.access": {"handlers": ["json"], "level": "INFO", "propagate": False},
        },
    }
