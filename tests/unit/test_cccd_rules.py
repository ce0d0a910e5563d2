"""Validation rules without the database: the CCCD checked against the date of birth and sex, and text cleaning."""

import datetime as dt

import pytest

from training.records.validation import cccd_errors, cccd_for


def codes(cccd, dob=None, sex=None):
    return [e.code for e in cccd_errors(cccd, dob, sex)]


def test_valid_cccd_matches_date_of_birth_and_sex():
    # 0 + legacy Khánh Hòa 56, digit 4 = 1 (1900s, female), 85 = 1985.
    assert codes("056185000123", dt.date(1985, 4, 1), "female") == []
    assert codes("019203001234", dt.date(2003, 1, 9), "male") == []
    assert cccd_for(dt.date(2001, 5, 5), "female", "06", 42) == "006301000042"


@pytest.mark.parametrize("cccd, code", [
    ("05618500012", "cccd_length"),      # 11 digits
    ("0561850001234", "cccd_length"),    # 13 digits
    ("05618500O123", "cccd_not_digits"),  # a letter O instead of zero
    ("999185000123", "cccd_province"),   # 999 is no province
])
def test_malformed_cccd(cccd, code):
    assert code in codes(cccd, dt.date(1985, 4, 1), "female")


def test_cccd_disagreeing_with_date_of_birth_or_sex():
    assert "cccd_birth_year" in codes("056185000123", dt.date(1986, 4, 1), "female")
    assert "cccd_century" in codes("056185000123", dt.date(2085, 4, 1), "female")
    assert "cccd_century" in codes("056385000123", dt.date(1985, 4, 1), "female")  # 3 = 2000s
    assert codes("056185000123", dt.date(1985, 4, 1), "male") == ["cccd_sex"]


def test_zero_width_characters_and_non_breaking_spaces_are_removed():
    from training.core.text import clean_text

    assert clean_text("Lưu\u200b Quang\u00a0\u00a0Vũ\ufeff") == "Lưu Quang Vũ"
