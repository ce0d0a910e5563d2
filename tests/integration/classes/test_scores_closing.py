"""Issue 12 item 4: the scores of a class saved at once (decimal comma, 0–10, all or nothing, refused once
closed, scoped by province), and closing that first shows what it will decide (who completes, who fails and
why, warnings about unmarked sessions, sessions to come and missing scores), then closes exactly as shown:
the same decision function, and a preview that no longer holds is refused with nothing changed."""

import datetime as dt

from factories import admin_login, make_class, make_course, make_enrolment, make_person, run

from training.auth.access import SYSTEM
from training.classes.attendance import Mark, mark_session
from training.classes.scheduling import SessionSpec, add_sessions
from training.classes.tables import Enrolment, TrainingClass
from training.records.rows import update_row
from training.records.tables import AuditLog

TODAY = dt.date.today()


def a_class(names, pass_mark=5.0, minimum=0.6, province="56", offsets=(-3, -2, -1, 0, 2)):
    """A running class of the course (pass mark, minimum share) with sessions ``offsets`` days from today and
    one confirmed learner per name (and one waitlisted)."""
    course = make_course(pass_mark=pass_mark, min_attendance_share=minimum)
    cls = make_class(province, course=course["id"], status="running", capacity=len(names),
                     start_date=TODAY - dt.timedelta(days=10), end_date=TODAY + dt.timedelta(days=10))
    sessions = run(add_sessions(cls["id"], [SessionSpec(TODAY + dt.timedelta(days=d), dt.time(8), dt.time(11))
                                            for d in offsets], SYSTEM))
    enrolments = {n: make_enrolment(cls["id"], make_person(province, full_name=n)["id"])["id"] for n in names}
    waiting = make_enrolment(cls["id"], make_person(province, full_name="Người Chờ Chỗ")["id"], status="waitlisted")
    return {"class": cls, "sessions": [s["id"] for s in sessions], "e": enrolments, "waiting": waiting["id"]}


def scores_of(ids):
    rows = run(Enrolment.select(Enrolment.id, Enrolment.score).where(Enrolment.id.is_in(list(ids))).run())
    return {r["id"]: r["score"] for r in rows}


def states_of(class_id):
    rows = run(Enrolment.select(Enrolment.id, Enrolment.status, Enrolment.classification).where(
        Enrolment.training_class == class_id).run())
    return {r["id"]: (r["status"], r["classification"]) for r in rows}


def test_scores_typed_the_vietnamese_way_are_saved_in_one_go(client, coord):
    data = a_class(["Lê Văn An", "Trần Thị Bình", "Phạm Văn Cường", "Đỗ Thị Dung"])
    e = data["e"]
    path = f"/api/classes/{data['class']['id']}/scores"
    saved = client.put(path, headers=coord, json={"scores": [
        {"enrolment": e["Lê Văn An"], "score": "8,5"}, {"enrolment": e["Trần Thị Bình"], "score": " 7.25 "},
        {"enrolment": e["Phạm Văn Cường"], "score": 10}, {"enrolment": e["Đỗ Thị Dung"], "score": ""}]})
    assert saved.status_code == 200, saved.text
    assert saved.json() == {"training_class": data["class"]["id"], "saved": 4, "changed": 3}
    assert scores_of(e.values()) == {e["Lê Văn An"]: 8.5, e["Trần Thị Bình"]: 7.25, e["Phạm Văn Cường"]: 10.0,
                                     e["Đỗ Thị Dung"]: None}
    entry = run(AuditLog.select().where((AuditLog.table_name == "training_class") & (AuditLog.action == "scores")
                                        & (AuditLog.row_id == data["class"]["id"])).first().run())
    assert entry["username"] == "coord" and '"8.5"' not in entry["after"] and "8.5" in entry["after"]
    # one wrong row refuses the whole save, naming each wrong line and learner; nothing changes
    refused = client.put(path, headers=coord, json={"scores": [
        {"enrolment": e["Lê Văn An"], "score": "9"}, {"enrolment": e["Trần Thị Bình"], "score": "11"},
        {"enrolment": e["Phạm Văn Cường"], "score": "tám"}, {"enrolment": e["Đỗ Thị Dung"], "score": "7,125"},
        {"enrolment": data["waiting"], "score": "5"}, {"enrolment": e["Lê Văn An"], "score": "-1"}]})
    assert refused.status_code == 422, refused.text
    messages = [err["message"] for err in refused.json()["error"]["errors"]]
    assert len(messages) == 5, messages
    assert messages[0].startswith("dòng 2, Trần Thị Bình") and "ngoài 0–10" in messages[0]
    assert messages[1].startswith("dòng 3, Phạm Văn Cường") and "“tám”" in messages[1] and "8,5" in messages[1]
    assert messages[2].startswith("dòng 4, Đỗ Thị Dung") and "2 chữ số thập phân" in messages[2]
    assert messages[3].startswith("dòng 5, Người Chờ Chỗ")
    assert messages[4].startswith("dòng 6, Lê Văn An") and "hai lần" in messages[4]
    assert scores_of(e.values())[e["Lê Văn An"]] == 8.5  # line 1 was valid, yet not saved


def test_scores_of_a_closed_class_and_of_another_province_are_refused(client, coord, khanhhoa):
    from factories import token_for

    data = a_class(["Nguyễn Văn Em"], pass_mark=None, offsets=(-1,))
    eid, class_id = data["e"]["Nguyễn Văn Em"], data["class"]["id"]
    body = {"scores": [{"enrolment": eid, "score": "6,5"}]}
    thainguyen = token_for("dept.thainguyen")
    for method, path, json in [("PUT", f"/api/classes/{class_id}/scores", body),
                               ("GET", f"/api/classes/{class_id}/close-preview", None),
                               ("POST", f"/api/classes/{class_id}/close", {})]:
        other = client.request(method, path, headers=thainguyen, json=json)
        assert other.status_code == 404 and other.json()["error"]["code"] == "not_found", (path, other.text)
    assert states_of(class_id)[eid] == ("confirmed", None) and scores_of([eid]) == {eid: None}
    assert client.put(f"/api/classes/{class_id}/scores", headers=khanhhoa, json=body).status_code == 200
    assert client.post(f"/api/classes/{class_id}/close", headers=coord).status_code == 200
    closed = client.put(f"/api/classes/{class_id}/scores", headers=coord,
                        json={"scores": [{"enrolment": eid, "score": "9"}]})
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "class_closed"
    assert scores_of([eid]) == {eid: 6.5}


def test_the_preview_says_who_fails_and_why_and_warns(client, coord):
    data = a_class(["Lê Văn An", "Trần Thị Bình", "Phạm Văn Cường", "Đỗ Thị Dung"])
    e, s = data["e"], data["sessions"]
    run(mark_session(s[0], [], SYSTEM, default="present"))
    run(mark_session(s[1], [Mark(e[n], "present") for n in ("Lê Văn An", "Trần Thị Bình", "Phạm Văn Cường")],
                     SYSTEM))  # Đỗ Thị Dung left unmarked while the others were marked
    run(mark_session(s[2], [], SYSTEM, default="present"))
    # s[3] is today and has no marks at all; s[4] is in two days
    for name, score in [("Lê Văn An", 8.5), ("Trần Thị Bình", 4), ("Đỗ Thị Dung", 9)]:
        run(update_row(Enrolment, e[name], {"score": score}, SYSTEM))
    preview = client.get(f"/api/classes/{data['class']['id']}/close-preview", headers=coord)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert (body["sessions_total"], body["sessions_held"], body["sessions_future"]) == (5, 4, 1)
    learners = {r["name"]: r for r in body["learners"]}
    assert set(learners) == {"Lê Văn An", "Trần Thị Bình", "Phạm Văn Cường", "Đỗ Thị Dung"}  # not the waitlisted
    an = learners["Lê Văn An"]
    assert (an["result"], an["classification"], an["share"], an["reasons"]) == ("completed", "Giỏi", 0.6, [])
    assert [n["code"] for n in an["notes"]] == ["unmarked_counted_absent"]  # today's unmarked session
    assert [r["code"] for r in learners["Trần Thị Bình"]["reasons"]] == ["score_below"]
    assert "4 thấp hơn điểm đạt 5" in learners["Trần Thị Bình"]["reasons"][0]["text"]
    assert [r["code"] for r in learners["Phạm Văn Cường"]["reasons"]] == ["score_missing"]
    dung = learners["Đỗ Thị Dung"]
    assert [r["code"] for r in dung["reasons"]] == ["attendance_below"] and dung["unmarked"] == 2
    assert "2/5" in dung["reasons"][0]["text"] or "2 trên 5" in dung["reasons"][0]["text"]
    assert "40%" in dung["reasons"][0]["text"] and "60%" in dung["reasons"][0]["text"]
    assert "tính là vắng" in dung["notes"][0]["text"]
    warnings = {w["code"]: w["text"] for w in body["warnings"]}
    assert set(warnings) == {"sessions_unmarked", "learners_unmarked", "sessions_future", "scores_missing"}
    assert TODAY.strftime("%d/%m/%Y") in warnings["sessions_unmarked"]
    assert "Đỗ Thị Dung" in warnings["learners_unmarked"]
    assert (TODAY + dt.timedelta(days=2)).strftime("%d/%m/%Y") in warnings["sessions_future"]
    assert "Phạm Văn Cường" in warnings["scores_missing"]
    assert (body["completed"], body["failed"]) == (1, 3)
    # closing decides exactly what the preview showed
    closed = client.post(f"/api/classes/{data['class']['id']}/close", headers=coord,
                         json={"fingerprint": body["fingerprint"]})
    assert closed.status_code == 200, closed.text
    assert closed.json() == {"training_class": data["class"]["id"], "completed": 1, "failed": 3}
    after = states_of(data["class"]["id"])
    for name, row in learners.items():
        assert after[e[name]] == (row["result"], row["classification"])
    assert after[data["waiting"]] == ("waitlisted", None)
    entry = run(AuditLog.select().where((AuditLog.table_name == "training_class") & (AuditLog.action == "close")
                                        & (AuditLog.row_id == data["class"]["id"])).first().run())
    assert body["fingerprint"] in entry["after"] and '"reviewed": true' in entry["after"]
    done = client.get(f"/api/classes/{data['class']['id']}/close-preview", headers=coord).json()
    assert (done["status"], done["learners"], done["warnings"]) == ("closed", [], [])  # nothing left to decide


def test_a_class_with_a_pass_mark_and_no_scores_warns_before_everyone_fails(client, coord):
    data = a_class(["Vũ Thị Giang", "Hồ Văn Hải"], pass_mark=5.0, offsets=(-2, -1))
    for session in data["sessions"]:
        run(mark_session(session, [], SYSTEM, default="present"))
    body = client.get(f"/api/classes/{data['class']['id']}/close-preview", headers=coord).json()
    assert [w["code"] for w in body["warnings"]] == ["scores_missing"]
    assert "2 học viên chưa có điểm" in body["warnings"][0]["text"], body["warnings"][0]["text"]
    assert all([r["code"] for r in row["reasons"]] == ["score_missing"] for row in body["learners"])
    assert (body["completed"], body["failed"]) == (0, 2)


def test_a_decision_that_changed_since_the_preview_is_refused_and_nothing_changes(client, coord):
    data = a_class(["Ngô Văn Khánh", "Bùi Thị Lan"], pass_mark=5.0, offsets=(-2, -1))
    e, class_id = data["e"], data["class"]["id"]
    for session in data["sessions"]:
        run(mark_session(session, [], SYSTEM, default="present"))
    client.put(f"/api/classes/{class_id}/scores", headers=coord, json={"scores": [
        {"enrolment": e["Ngô Văn Khánh"], "score": "7"}, {"enrolment": e["Bùi Thị Lan"], "score": "6,5"}]})
    seen = client.get(f"/api/classes/{class_id}/close-preview", headers=coord).json()
    assert (seen["completed"], seen["failed"]) == (2, 0)
    # meanwhile someone lowers a score (or marks an absence): the confirmed preview no longer holds
    client.put(f"/api/classes/{class_id}/scores", headers=coord, json={"scores": [
        {"enrolment": e["Bùi Thị Lan"], "score": "4,5"}]})
    before = states_of(class_id)
    stale = client.post(f"/api/classes/{class_id}/close", headers=coord, json={"fingerprint": seen["fingerprint"]})
    assert stale.status_code == 409, stale.text
    assert stale.json()["error"]["code"] == "preview_changed" and "xem lại" in stale.json()["error"]["message"]
    assert states_of(class_id) == before
    assert run(TrainingClass.select(TrainingClass.status).where(TrainingClass.id == class_id).first().run()) == {
        "status": "running"}
    fresh = client.get(f"/api/classes/{class_id}/close-preview", headers=coord).json()
    assert fresh["fingerprint"] != seen["fingerprint"] and fresh["failed"] == 1
    assert client.post(f"/api/classes/{class_id}/close", headers=coord,
                       json={"fingerprint": fresh["fingerprint"]}).status_code == 200
    assert states_of(class_id)[e["Bùi Thị Lan"]] == ("failed", None)


def test_a_browser_session_must_confirm_a_preview_an_api_token_need_not(client, coord):
    data = a_class(["Đặng Văn Minh"], pass_mark=None, offsets=(-1,))
    class_id = data["class"]["id"]
    assert admin_login(client, "coord").status_code == 200
    csrf = {"X-CSRFToken": client.cookies.get("csrftoken")}
    blind = client.post(f"/api/classes/{class_id}/close", headers=csrf, json={})
    assert blind.status_code == 428 and blind.json()["error"]["code"] == "preview_required", blind.text
    assert run(TrainingClass.select(TrainingClass.status).where(TrainingClass.id == class_id).first().run())[
        "status"] == "running"
    client.cookies.clear()
    assert client.post(f"/api/classes/{class_id}/close", headers=coord).status_code == 200  # as scripts did


def test_every_path_that_stores_a_score_follows_the_same_rules(as_coordinator):
    data = a_class(["Phan Thị Ngọc"], pass_mark=None, offsets=(-1,))
    eid = data["e"]["Phan Thị Ngọc"]
    for value, code in [(10.5, "score_out_of_range"), (8.125, "score_decimals"), ("tám", "score_not_number")]:
        refused = as_coordinator.patch(f"/tables/enrolment/{eid}/", {"score": value})
        assert refused.status_code == 422, refused.text
        assert code in refused.text or "phải" in refused.text or "tối đa" in refused.text, refused.text
    assert scores_of([eid]) == {eid: None}
    run(update_row(Enrolment, eid, {"score": "8,5"}, SYSTEM))  # typed with a comma on another path
    assert scores_of([eid]) == {eid: 8.5}
    run(TrainingClass.update({TrainingClass.status: "closed"}).where(
        TrainingClass.id == data["class"]["id"]).run())
    closed = as_coordinator.patch(f"/tables/enrolment/{eid}/", {"score": 9})
    assert closed.status_code == 422 and "đã kết thúc" in closed.text, closed.text
    assert scores_of([eid]) == {eid: 8.5}



def test_the_pages_follow_the_class_scope(client, no_failures):
    data = a_class(["Hà Văn Phúc"], pass_mark=None, offsets=(-1,))
    class_id = data["class"]["id"]
    pages = [f"/classes/{class_id}/scores", f"/classes/{class_id}/close"]
    for path in pages:  # not signed in: to the sign-in
        assert client.get(path, follow_redirects=False).status_code in (302, 303)
    assert admin_login(client, "dept.khanhhoa").status_code == 200
    for path in pages:
        page = client.get(path)
        assert page.status_code == 200 and "Hà Văn Phúc" in page.text and f'href="/classes/{class_id}"' in page.text
    assert 'inputmode="decimal"' in client.get(pages[0]).text
    client.cookies.clear()
    assert admin_login(client, "dept.thainguyen").status_code == 200
    for path in pages:  # another province's class: 404, as the API
        refused = client.get(path)
        assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"


def test_a_score_saved_while_the_class_closes_never_slips_past_the_confirmed_preview(live_server):
    """Close (with the preview's fingerprint) and a score change fired at once on eight classes: the class
    lock makes exactly one of the two win on each; a closed class never carries a decision other than the
    one confirmed, and a refused request changed nothing."""
    import asyncio
    import time

    import httpx

    from training.auth.tokens import create_token
    from training.classes.closing import decide

    token = run(create_token("coord"))
    classes = []
    for _ in range(8):
        data = a_class(["Lý Văn Quý", "Mai Thị Sen"], pass_mark=5.0, offsets=(-1,))
        run(mark_session(data["sessions"][0], [], SYSTEM, default="present"))
        for eid in data["e"].values():
            run(Enrolment.update({Enrolment.score: 7.0}).where(Enrolment.id == eid).run())
        classes.append({**data, "fingerprint": run(decide(data["class"]["id"]))["fingerprint"]})

    async def timed(client, method, path, json):
        start = time.monotonic()
        response = await client.request(method, path, json=json)
        return response, start, time.monotonic()

    async def fire():
        async with httpx.AsyncClient(base_url=live_server, headers={"Authorization": f"Bearer {token}"},
                                     timeout=60) as client:
            calls = []
            for data in classes:
                class_id = data["class"]["id"]
                calls.append(timed(client, "POST", f"/api/classes/{class_id}/close",
                                   {"fingerprint": data["fingerprint"]}))
                calls.append(timed(client, "PUT", f"/api/classes/{class_id}/scores",
                                   {"scores": [{"enrolment": data["e"]["Mai Thị Sen"], "score": "3"}]}))
            return await asyncio.gather(*calls)

    answers = asyncio.run(fire())
    overlapped = 0
    for i, data in enumerate(classes):
        (close, c0, c1), (save, s0, s1) = answers[2 * i], answers[2 * i + 1]
        overlapped += c0 < s1 and s0 < c1
        assert sorted([close.status_code, save.status_code]) == [200, 409], (close.text, save.text)
        sen = data["e"]["Mai Thị Sen"]
        status = run(TrainingClass.select(TrainingClass.status).where(
            TrainingClass.id == data["class"]["id"]).first().run())["status"]
        if close.status_code == 200:  # closed as confirmed: the later score change was refused
            assert save.json()["error"]["code"] == "class_closed"
            assert status == "closed" and scores_of([sen]) == {sen: 7.0}
            assert states_of(data["class"]["id"])[sen] == ("completed", "Khá")
        else:  # the score changed first: the confirmed preview no longer held, nothing closed
            assert close.json()["error"]["code"] == "preview_changed"
            assert status == "running" and scores_of([sen]) == {sen: 3.0}
            assert states_of(data["class"]["id"])[sen] == ("confirmed", None)
    assert overlapped == len(classes)  # every pair was in flight at the same time
