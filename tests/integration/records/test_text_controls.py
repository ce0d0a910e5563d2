"""Control characters and invisible format characters never reach a stored text field, whatever
the path (issue 10, item 6): a name read backwards by a right-to-left override, a terminal escape
in a note, a bell or a NUL pasted from another system."""

import csv
import io

from factories import AdminSession, make_class, make_person, province_id, run
from factories.roster import upload

from training.auth.access import SYSTEM
from training.classes.tables import Trainer
from training.people.tables import Person
from training.records.rows import create_row

# ESC [31m (terminal colour), BEL, DEL, a C1 control, RIGHT-TO-LEFT OVERRIDE, zero-width space, BOM.
DIRTY = "Nguy\x1b[31mễn\x07 Thị\x7f\x85 \u202eHoa\u200b\ufeff"
CLEAN = "Nguy[31mễn Thị Hoa"


def test_the_domain_core_strips_control_characters_from_every_text_column():
    person = make_person(full_name=DIRTY)
    assert person["full_name"] == CLEAN
    assert make_class(venue="Hội\x00 trường\x1b A")["venue"] == "Hội trường A"
    trainer = run(create_row(Trainer, {"person": person["id"], "qualifications": "Thạc sĩ\x07\nCTXH\x00\u202e"},
                             SYSTEM))
    assert trainer["qualifications"] == "Thạc sĩ\nCTXH"


def test_the_admin_stores_names_without_control_characters(client):
    admin = AdminSession(client, "coord")
    created = admin.post("/tables/person/", {"full_name": DIRTY, "sex": "female", "staff_category": "collaborator",
                                             "province": province_id("56")})
    assert created.status_code == 201, created.text
    row = run(Person.select(Person.full_name).where(Person.id == created.json()[0]["id"]).first().run())
    assert row["full_name"] == CLEAN


def test_a_roster_file_with_control_characters_is_imported_clean(client, coord):
    klass = make_class(status="open")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Họ và tên", "Giới tính", "Ngày sinh", "Loại cán bộ", "Tỉnh/Thành phố"])
    writer.writerow(["Lê\x1b Văn\u202e\x08 Tám", "Nam", "02/03/1990", "Cộng tác viên", "Khánh Hòa"])
    response = upload(client, coord, klass["id"], "danh-sach.csv", buffer.getvalue().encode("utf-8"), dry_run=False,
                      mime="text/csv")
    assert response.status_code in (200, 201), response.text
    names = {r["full_name"] for r in run(Person.select(Person.full_name).run())}
    assert "Lê Văn Tám" in names
    assert not any("\x1b" in n or "\u202e" in n or "\x08" in n for n in names)
