"""The command line: migrate, create-user, clear Vietnamese errors with a non-zero exit."""

import os
import subprocess
import sys

from factories import ROOT, run


def training(*args):
    return subprocess.run([sys.executable, "-m", "training.cli.main", *args], cwd=ROOT, env=os.environ.copy(),
                          capture_output=True, text=True, timeout=120)


def test_migrate_reports_the_provinces():
    result = training("migrate")
    assert result.returncode == 0, result.stderr
    assert "34 tỉnh, thành phố (2025), 63 tỉnh, thành phố trước 2025" in result.stdout


def test_create_department_user_prints_a_generated_password():
    from piccolo.apps.user.tables import BaseUser

    from training.auth.tables import Account

    result = training("create-user", "so.quangninh", "--role", "department", "--province", "22")
    assert result.returncode == 0, result.stderr
    password = result.stdout.strip().splitlines()[-1].split(": ", 1)[1]
    user = run(BaseUser.select().where(BaseUser.username == "so.quangninh").first().run())
    assert user["admin"] and not user["superuser"]
    assert run(BaseUser.login(username="so.quangninh", password=password)) == user["id"]
    account = run(Account.select(Account.role, Account.province.code).where(Account.user == user["id"])
                  .first().run())
    assert account == {"role": "department", "province.code": "22"}


def test_create_user_errors_are_clear_and_save_nothing():
    from piccolo.apps.user.tables import BaseUser

    before = run(BaseUser.count().run())
    result = training("create-user", "so.x", "--role", "department", "--province", "99")
    assert result.returncode == 2
    assert "Không có tỉnh, thành phố nào mang mã 99" in result.stderr
    result = training("create-user", "so.y", "--role", "department")
    assert result.returncode == 2 and "phải gắn với một tỉnh" in result.stderr
    result = training("create-user", "coord", "--role", "coordinator", "--password", "Another@123")
    assert result.returncode == 2 and "coord" in result.stderr
    assert run(BaseUser.count().run()) == before
