"""Sorting Vietnamese text: the one collation of the service.

Vietnamese dictionary order (the convention of the Vietnamese dictionaries, e.g. Hoàng Phê's *Từ điển
tiếng Việt*, and of CLDR's ``vi`` collation):

- letters first, in the Vietnamese alphabet: a < ă < â < b < c < d < đ < e < ê < g < h < i < k < l < m
  < n < o < ô < ơ < p < q < r < s < t < u < ư < v < x < y (f, j, w, z in their Latin places);
  upper and lower case sort alike; a space sorts before any letter, digits before letters;
- tones only break ties between texts with the same letters, in the order ngang (no mark) < huyền (à)
  < hỏi (ả) < ngã (ã) < sắc (á) < nặng (ạ), compared from the first syllable on.

PyICU's ``vi`` collator would give the same order, but it has no wheel for these machines (it needs a
compiler and the ICU headers), so this is a pure-Python key, tested in ``tests/unit/test_one_place.py``.
"""

from __future__ import annotations

import unicodedata

_ALPHABET = {ch: i for i, ch in enumerate("aăâbcdđeêfghijklmnoôơpqrstuưvwxyz", start=20)}
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter (ă â ê ô ơ ư)
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # huyền, hỏi, ngã, sắc, nặng


def _rank(ch: str) -> int:
    if ch in _ALPHABET:
        return _ALPHABET[ch]
    if ch.isspace():
        return 0
    if "0" <= ch <= "9":
        return 1 + int(ch)  # 1–10: digits before letters
    return 100 + ord(ch)  # anything else after the alphabet, in code point order


def vi_sort_key(text: str | None) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Sort key for Vietnamese text in dictionary order (see the module's docstring)."""
    letters: list[int] = []
    tones: list[int] = []
    for ch in unicodedata.normalize("NFC", (text or "").lower()):
        base, *marks = unicodedata.normalize("NFD", ch)
        letter_marks = "".join(m for m in marks if m in _LETTER_MARKS)
        letter = unicodedata.normalize("NFC", base + letter_marks) if letter_marks else base
        letters.append(_rank(letter))
        tones.append(max((_TONES[m] for m in marks if m in _TONES), default=0))
    return tuple(letters), tuple(tones)


def vi_name_key(full_name: str | None) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Sort key for Vietnamese full names, the way class lists are ordered: by given name (the last
    word), then family and middle names, in dictionary order (``vi_sort_key``)."""
    words = " ".join((full_name or "").split()).split(" ")
    return vi_sort_key(" ".join([words[-1], *words[:-1]]))
