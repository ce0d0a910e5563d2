"""The admin reads numbers the Vietnamese way (issue 12, item 6): "8,5" is 8.5, and a word is refused in
Vietnamese; the texts the admin's page relabels are served in both languages."""

import pytest
from factories import make_class, make_course, make_enrolment, make_person, run


def _score(enrolment_id):
    from training.classes.tables import Enrolment

    return run(Enrolment.select(Enrolment.score).where(Enrolment.id == enrolment_id).first().run())["score"]


def test_a_score_typed_with_a_decimal_comma_is_stored_as_a_number(as_coordinator):
    cls = make_class("56", status="open")
    enrolment = make_enrolment(cls["id"], make_person("56")["id"])
    response = as_coordinator.patch(f"/tables/enrolment/{enrolment['id']}/", {"score": "8,5"})
    assert response.status_code == 200, response.text
    assert _score(enrolment["id"]) == 8.5
    assert as_coordinator.patch(f"/tables/enrolment/{enrolment['id']}/", {"score": "7.25"}).status_code == 200
    assert _score(enrolment["id"]) == 7.25


def test_a_share_typed_with_a_decimal_comma_is_stored_on_create_and_update(as_coordinator):
    from training.classes.tables import Course

    course = make_course()
    response = as_coordinator.patch(f"/tables/course/{course['id']}/", {"min_attendance_share": "0,8"})
    assert response.status_code == 200, response.text
    stored = run(Course.select(Course.min_attendance_share).where(Course.id == course["id"]).first().run())
    assert stored["min_attendance_share"] == pytest.approx(0.8)


def test_a_word_in_a_number_field_is_refused_in_vietnamese_and_nothing_changes(as_coordinator):
    cls = make_class("56", status="open")
    enrolment = make_enrolment(cls["id"], make_person("56")["id"], score=6.0)
    for text in ("tám", "8,5,1", "8;5"):
        response = as_coordinator.patch(f"/tables/enrolment/{enrolment['id']}/", {"score": text})
        assert response.status_code == 422, text
        error = response.json()["error"]
        assert error["field"] == "score" and error["errors"][0]["field_label"] == "Điểm"
        assert "phải là số" in response.json()["custom_form_error"] and "8,5" in response.json()["custom_form_error"]
    assert _score(enrolment["id"]) == 6.0


def test_the_admin_page_gets_its_phrases_and_time_zone_in_both_languages(client):
    labels = client.get("/admin-labels.json").json()
    vi, en = labels["phrases"]["vi"], labels["phrases"]["en"]
    assert vi["Successfully added row"] == "Đã thêm"
    assert vi["The form has errors."].startswith("Biểu mẫu có lỗi")
    assert vi["Load more"] == "Tải thêm" and vi["Columns"] == "Cột"
    assert en["Load more"] == "Load more" and en["True"] == "Yes"
    assert vi["True"] == "Có" and vi["False"] == "Không"
    untranslated = sorted(k for k, v in vi.items() if v == k)
    assert untranslated == []
    assert labels["time_zone"] == "Asia/Ho_Chi_Minh"
    assert labels["patterns"]["vi"]["select_row"] == "Chọn một dòng trong bảng {table}"
