"""The verification code printed on each certificate next to its number ("Mã tra cứu: 7KQ4-M2XD").

The number alone tells the public only whether a certificate exists and its status; the holder's
name and the details need the signed QR token or this code, so the sequential numbers are no
directory of holders. The code is 8 characters of Crockford's base32 alphabet (digits and capital
letters without I, L, O, U), drawn from the operating system's CSPRNG (``secrets``): 32^8 = 2^40
≈ 1.1 × 10^12 possible codes per certificate. It is shown grouped as ``XXXX-XXXX`` and compared
case-insensitively, ignoring spaces and dashes, with I/L read as 1 and O as 0 (Crockford's rule for
what people mistype), in constant time.

It is stored in plain text (``certificate.verification_code``), not hashed: the learner, the
coordinators and the learner's department must be able to read it again (the register, the
learner's page, a PDF rendered again), and it guards only what the paper certificate itself shows.
"""

from __future__ import annotations

import hmac
import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
LENGTH = 8
# The same set as a regular expression (the database checks it too: see the migration).
PATTERN = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")
_MISTYPED = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_.]+")


def new_code() -> str:
    """A fresh code (8 characters, CSPRNG), as stored: no dash."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize(text: str | None) -> str:
    """What someone typed, as stored: upper case, separators removed, I/L → 1, O → 0.

    Anything that cannot be a code becomes "" (never matches)."""
    if not text:
        return ""
    clean = _SEPARATORS.sub("", str(text)[:40]).upper().translate(_MISTYPED)
    return clean if PATTERN.fullmatch(clean) else ""


def display(code: str | None) -> str:
    """``XXXX-XXXX`` for reading aloud and typing; "" for no code."""
    if not code:
        return ""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def matches(stored: str | None, given: str | None) -> bool:
    """Does the typed code match the stored one? Constant time; an empty code never matches."""
    typed = normalize(given)
    if not stored or not typed:
        return False
    return hmac.compare_digest(stored.encode("ascii"), typed.encode("ascii"))
