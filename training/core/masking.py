"""How a citizen ID is shown where it may not be read in full (public pages, messages, logs).

In core because the log masking (``training.core.logs``) needs it; the audit log's field masking
(``training.records.validation.mask_personal``) builds on it.
"""

from __future__ import annotations


def mask_cccd(cccd: str | None) -> str:
    """For public pages and logs: keep the last three digits only."""
    if not cccd:
        return ""
    return "*" * (len(cccd) - 3) + cccd[-3:]
