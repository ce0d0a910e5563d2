"""Numbers as people in Vietnam type them: a decimal comma ("8,5") or a decimal point ("8.5").

In core because any adapter or domain rule may read a typed number; the rules on the value (range,
decimals) belong to the domain (e.g. ``training.classes.policy.score_problem``).
"""

from __future__ import annotations

import re
from decimal import Decimal

_DECIMAL = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def parse_decimal(text: str) -> Decimal | None:
    """The number in ``text`` (spaces around it ignored), with a decimal comma or point, as an exact
    ``Decimal``; ``None`` when the text is not one plain number. No thousands separators: "1.500" would
    mean 1 500 to a Vietnamese reader and 1.5 to a spreadsheet, so the reader of a score or a share (never
    above 1 000) takes the one separator as the decimal one."""
    value = text.strip()
    if not _DECIMAL.match(value):
        return None
    return Decimal(value.replace(",", "."))
