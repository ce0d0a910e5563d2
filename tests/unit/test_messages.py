"""The words of every message (ADR 0043): each kind has its own, in Vietnamese and English, with every
placeholder filled, dates dd/mm/yyyy and times HH:mm in the service's time zone, and an SMS that fits."""

from __future__ import annotations

import pytest

from training.core.enums import NotificationKind
from training.notifications.messages import SMS_LIMIT, WORDS, render, sms_text

LONG = "Trung tâm Công tác xã hội tỉnh Khánh Hòa, số 12 đường Lê Thánh Tôn, phường Nha Trang, tầng 3 phòng 301"
PARAMS = {
    "class_code": "KHA-2026-BD-001", "course_name": "Công tác xã hội với trẻ em có hoàn cảnh đặc biệt khó khăn " * 3,
    "course_name_en": "Social work with children in especially difficult circumstances",
    "start_date": "2026-12-07", "end_date": "2026-12-11", "venue": LONG,
    "session_date": "2026-12-08", "start_time": "08:00:00", "end_time": "11:30:00",
    "old_session_date": "2026-12-07", "old_start_time": "13:30:00", "old_end_time": "17:00:00", "old_venue": LONG,
    "topic": "Đánh giá nhu cầu", "number": "KHA-2026-000017", "issued_on": "2026-12-01", "expires_on": "2027-01-20",
    "verify_url": "http://127.0.0.1:8000/verify/KHA-2026-000017?t=" + "x" * 120,
    "secret_code": "483920", "expires_at": "2026-12-04T03:00:00+00:00",
}


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("kind", list(NotificationKind))
def test_every_kind_has_its_words_filled_and_an_sms_that_fits(kind, language):
    message = render(kind, language, PARAMS)
    for part in (message.subject, message.text, message.sms):
        assert part.strip() and "{" not in part and "}" not in part, part
    assert len(message.sms) <= SMS_LIMIT
    assert message.sms.isascii(), message.sms  # GSM-7 friendly: no diacritics
    assert message.subject != message.text
    assert ("Kính gửi" in message.text) == (language == "vi")


def test_no_generic_fallback():
    assert set(WORDS) == set(NotificationKind)
    with pytest.raises(ValueError):
        render("something_else", "vi", {})


def test_dates_times_and_links_read_as_a_vietnamese_reader_expects(monkeypatch):
    monkeypatch.setenv("TRAINING_BASE_URL", "https://daotao.example.vn/")
    monkeypatch.setenv("TRAINING_TIME_ZONE", "Asia/Ho_Chi_Minh")
    moved = render("session_changed", "vi", PARAMS)
    assert "07/12/2026, 13:30–17:00" in moved.text and "08/12/2026, 08:00–11:30" in moved.text
    assert "Trung tâm Công tác xã hội tỉnh Khánh Hòa" in moved.text  # the email keeps the diacritics
    issued = render("certificate_issued", "en", PARAMS)
    assert "KHA-2026-000017" in issued.subject and "https://daotao.example.vn/me" in issued.text
    assert PARAMS["verify_url"] in issued.text and "01/12/2026" in issued.text
    assert "Social work with children" in issued.text  # the English course name
    expiring = render("certificate_expiring", "vi", PARAMS)
    assert "20/01/2027" in expiring.subject and "20/01/2027" in expiring.sms
    invitation = render("account_invitation", "vi", PARAMS)
    # 03:00 UTC is 10:00 in Vietnam
    assert "483920" in invitation.text and "10:00 ngày 04/12/2026" in invitation.text
    assert "https://daotao.example.vn/activate" in invitation.text and "483920" in invitation.sms
    reset = render("password_reset", "en", {"secret_code": "112233", "valid_minutes": 30})
    assert "https://daotao.example.vn/login/reset" in reset.text and "valid for 30 minutes" in reset.text
    waitlisted = render("enrolment_waitlisted", "vi", {**PARAMS, "venue": ""})
    assert "sẽ thông báo sau" in waitlisted.text


def test_the_sms_drops_diacritics_only():
    assert sms_text("Đào tạo bồi dưỡng – “Công tác xã hội”") == 'Dao tao boi duong - "Cong tac xa hoi"'
    assert render("session_cancelled", "vi", PARAMS).sms.startswith("Lop KHA-2026-BD-001: buoi hoc 08/12/2026")
