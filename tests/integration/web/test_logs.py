"""No citizen ID, phone or email reaches the application log, whoever logs it (issue 10: personal
data out of logs). The masking is installed by the app and the command line; the suite's ``app``
fixture builds the app, so it is on here as in production."""

import logging

from uvicorn.logging import AccessFormatter

CCCD, PHONE, EMAIL = "079188001234", "0912 345 678", "nguyen.thi.an@soldtbxh.gov.vn"


def test_a_database_error_naming_a_citizen_id_is_logged_masked(app, caplog):
    caplog.set_level(logging.INFO)
    try:
        raise ValueError(f'duplicate key value violates unique constraint: Key (citizen_id)=({CCCD}) exists')
    except ValueError:
        logging.getLogger("training").exception("Unhandled error on POST /api/people for %s", EMAIL)
    logging.getLogger("piccolo").warning("phone %s, email %s", PHONE, EMAIL)
    text = caplog.text
    assert CCCD not in text and "*********234" in text
    assert EMAIL not in text and "n***@soldtbxh.gov.vn" in text
    assert PHONE not in text and "0912345678" not in text and "*******678" in text
    assert "duplicate key value" in text  # the rest of the message and the traceback stay readable


def test_uvicorn_access_lines_keep_working_and_are_masked(app):
    record = logging.getLogger("uvicorn.access").makeRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/api/people?citizen_id={CCCD}", "1.1", 200), None)
    line = AccessFormatter(fmt="%(message)s", use_colors=False).format(record)
    assert CCCD not in line and "citizen_id=*********234" in line and "200" in line
