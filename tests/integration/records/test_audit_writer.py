"""The one audit writer (issue 11, item 3), on the database: it masks personal data and names the system."""


from factories import run


def test_the_audit_writer_masks_personal_data_and_names_the_system(database):
    from training.auth.access import SYSTEM
    from training.people.tables import Person
    from training.records.audit import audit, audit_rows
    from training.records.tables import AuditLog

    run(audit_rows(SYSTEM, "create", Person, [
        {"id": -901, "full_name": "Nguyễn Thị Một", "citizen_id": "056190001234", "password": "x"},
        {"id": -902, "full_name": "Trần Văn Hai", "citizen_id": None}]))
    run(audit(None, "rerender", "certificate", -903, {"pdf_sha256": "a"}, {"pdf_sha256": "b"}))
    rows = run(AuditLog.select().where(AuditLog.row_id.is_in([-901, -902, -903])).order_by(AuditLog.row_id).run())
    assert [(r["row_id"], r["action"], r["table_name"], r["username"]) for r in rows] == [
        (-903, "rerender", "certificate", "system"), (-902, "create", "person", SYSTEM.username),
        (-901, "create", "person", SYSTEM.username)]
    assert "056190001234" not in rows[2]["after"] and "password" not in rows[2]["after"]
    assert "Nguyễn Thị Một" in rows[2]["after"] and rows[2]["before"] is None
    assert (rows[0]["before"], rows[0]["after"]) == ('{"pdf_sha256": "a"}', '{"pdf_sha256": "b"}')
