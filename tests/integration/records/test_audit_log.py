"""The audit log is append-only: the admin refuses every change, and so does the database itself."""

import pytest
from factories import IS_POSTGRES, make_person, province_id, run


def latest_audit_row() -> dict:
    from training.records.tables import AuditLog

    return run(AuditLog.select().order_by(AuditLog.id, ascending=False).first().run())


def audit_row(row_id: int) -> dict | None:
    from training.records.tables import AuditLog

    return run(AuditLog.select().where(AuditLog.id == row_id).first().run())


def test_the_admin_refuses_to_add_edit_or_delete_audit_entries(as_coordinator):
    from training.records.tables import AuditLog

    make_person(full_name="Nguyễn Thị Nhật Ký")
    row = latest_audit_row()
    count = run(AuditLog.count().run())
    path = f"/tables/audit_log/{row['id']}/"
    attempts = [
        as_coordinator.patch(path, {"action": "hidden"}),
        as_coordinator.put(path, {**{k: v for k, v in row.items() if k != "id"}, "action": "hidden",
                                  "created_at": row["created_at"].isoformat()}),
        as_coordinator.delete(path),
        as_coordinator.post("/tables/audit_log/", {"created_at": "2026-01-01T00:00:00+00:00", "username": "x",
                                                   "action": "create", "table_name": "person"}),
    ]
    for response in attempts:
        assert response.status_code == 405, response.text
        error = response.json()["error"]
        assert error["code"] == "append_only"
        assert error["message"].startswith("Nhật ký thay đổi chỉ được ghi thêm")
    assert audit_row(row["id"]) == row
    assert run(AuditLog.count().run()) == count
    # reading it stays possible
    assert as_coordinator.get(path).status_code == 200


def test_the_api_path_refuses_audit_changes_too():
    from training.auth.access import SYSTEM
    from training.core.errors import DomainError
    from training.records.rows import delete_row, update_row
    from training.records.tables import AuditLog

    make_person(full_name="Lê Văn Sổ")
    row = latest_audit_row()
    for attempt in (update_row(AuditLog, row["id"], {"action": "hidden"}, SYSTEM),
                    delete_row(AuditLog, row["id"], SYSTEM)):
        with pytest.raises(DomainError) as caught:
            run(attempt)
        assert caught.value.code == "append_only" and caught.value.status == 405
    assert audit_row(row["id"]) == row


@pytest.mark.parametrize("sql", [
    "UPDATE audit_log SET action = 'hidden' WHERE id = {}",
    "UPDATE audit_log SET username = 'someone else' WHERE id = {}",
    'UPDATE audit_log SET "user" = NULL, action = \'hidden\' WHERE id = {}',
    "DELETE FROM audit_log WHERE id = {}",
])
def test_the_database_refuses_raw_updates_and_deletes(sql):
    from training.records.tables import AuditLog

    make_person(full_name="Phạm Thị Trigger")
    row = latest_audit_row()
    with pytest.raises(Exception, match="append-only"):
        run(AuditLog.raw(sql, row["id"]).run())
    assert audit_row(row["id"]) == row


@pytest.mark.skipif(not IS_POSTGRES, reason="TRUNCATE is PostgreSQL's (SQLite has none)")
def test_postgres_refuses_truncate():
    from training.records.tables import AuditLog

    make_person(full_name="Đỗ Văn Truncate")
    count = run(AuditLog.count().run())
    with pytest.raises(Exception, match="append-only"):
        run(AuditLog.raw("TRUNCATE audit_log").run())
    assert run(AuditLog.count().run()) == count


def test_deleting_a_user_keeps_their_audit_entries_with_their_name():
    """ON DELETE SET NULL of audit_log.user is the one change the triggers let through."""
    from piccolo.apps.user.tables import BaseUser

    from training.auth.access import actor_for_user
    from training.auth.accounts import create_account
    from training.people.tables import Person
    from training.records.rows import create_row
    from training.records.tables import AuditLog

    run(create_account("coord.leaving", "coordinator", "Test@12345"))
    user = run(BaseUser.select().where(BaseUser.username == "coord.leaving").first().run())
    actor = run(actor_for_user(user))
    person = run(create_row(Person, {"full_name": "Hoàng Văn Rời Đi", "sex": "male",
                                     "staff_category": "collaborator", "province": province_id("56")}, actor))
    entries = run(AuditLog.select().where(AuditLog.user == user["id"]).run())
    assert entries and entries[0]["row_id"] == person["id"]
    run(BaseUser.delete().where(BaseUser.id == user["id"]).run())
    for entry in entries:
        kept = audit_row(entry["id"])
        assert kept["user"] is None
        assert {**kept, "user": entry["user"]} == entry
        assert kept["username"] == "coord.leaving"
