"""API tokens: they expire, record their last use, are listed and revoked from the command line, and
their hash never reaches the admin (issue 10, item 7)."""

import datetime as dt
import importlib
import os
import subprocess
import sys

from factories import ROOT, AdminSession, make_class, run

from training.auth.tables import ApiToken
from training.auth.tokens import create_token, hash_token, list_tokens
from training.records.tables import AuditLog


def training(*args, **env):
    return subprocess.run([sys.executable, "-m", "training.cli.main", *args], cwd=ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=120)


def _row(token: str) -> dict:
    return run(ApiToken.select().where(ApiToken.token_hash == hash_token(token)).first().run())


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _call(client, token: str, class_id: int):
    return client.get(f"/api/classes/{class_id}/attendance", headers={"Authorization": f"Bearer {token}"})


def test_a_new_token_works_for_90_days_by_default_and_the_setting_changes_it(monkeypatch):
    token = run(create_token("coord"))
    expires = _aware(_row(token)["expires_at"])
    left = expires - dt.datetime.now(dt.UTC)
    assert dt.timedelta(days=89, hours=23) < left <= dt.timedelta(days=90)

    monkeypatch.setenv("TRAINING_TOKEN_DAYS", "7")
    short = run(create_token("coord"))
    left = _aware(_row(short)["expires_at"]) - dt.datetime.now(dt.UTC)
    assert dt.timedelta(days=6, hours=23) < left <= dt.timedelta(days=7)


def test_an_expired_token_is_refused_and_a_used_token_records_when(client):
    klass = make_class()
    token = run(create_token("coord"))
    assert _row(token)["last_used_at"] is None
    assert _call(client, token, klass["id"]).status_code == 200
    used = _row(token)["last_used_at"]
    assert used is not None and dt.datetime.now(dt.UTC) - _aware(used) < dt.timedelta(minutes=1)

    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    run(ApiToken.update({ApiToken.expires_at: past}).where(ApiToken.token_hash == hash_token(token)).run())
    refused = _call(client, token, klass["id"])
    assert refused.status_code == 401
    assert "đăng nhập" in refused.json()["error"]["message"].lower()


def test_tokens_are_listed_without_their_secret_and_revoked_from_the_command_line(client):
    klass = make_class()
    token = run(create_token("dept.khanhhoa", label="báo cáo tỉnh"))
    token_id = _row(token)["id"]

    listed = training("tokens", "list", "--user", "dept.khanhhoa")
    assert listed.returncode == 0, listed.stderr
    line = next(line for line in listed.stdout.splitlines() if line.startswith(f"{token_id} |"))
    assert "báo cáo tỉnh" in line and "đang dùng" in line
    assert token not in listed.stdout and hash_token(token) not in listed.stdout

    revoked = training("tokens", "revoke", str(token_id))
    assert revoked.returncode == 0, revoked.stderr
    assert _call(client, token, klass["id"]).status_code == 401
    assert "đã thu hồi" in training("tokens", "list", "--user", "dept.khanhhoa").stdout

    missing = training("tokens", "revoke", "999999")
    assert missing.returncode == 2 and "Không có khóa API" in missing.stderr


def test_revoking_every_token_of_a_user():
    tokens = [run(create_token("dept.thainguyen")) for _ in range(2)]
    result = training("tokens", "revoke", "--user", "dept.thainguyen")
    assert result.returncode == 0, result.stderr
    assert all(_row(t)["revoked"] for t in tokens)
    states = {t.state() for t in run(list_tokens("dept.thainguyen"))}
    assert states == {"revoked"}


def test_the_admin_never_shows_the_token_hash_and_cannot_forge_or_revive_a_token(client):
    token = run(create_token("coord", label="cho admin"))
    row = _row(token)
    admin = AdminSession(client, "coord")

    listing = admin.get("/tables/api_token/?__page_size=100")
    assert listing.status_code == 200
    assert hash_token(token) not in listing.text and "token_hash" not in listing.text
    single = admin.get(f"/tables/api_token/{row['id']}/")
    assert single.status_code == 200 and single.json()["label"] == "cho admin"
    assert hash_token(token) not in single.text
    asked = admin.get("/tables/api_token/?__visible_fields=id,token_hash")
    assert hash_token(token) not in asked.text
    for probe in (f"token_hash={hash_token(token)}", "__order=token_hash"):  # no oracle by filter or order
        refused = admin.get(f"/tables/api_token/?{probe}")
        assert refused.status_code == 400 and "token_hash" in refused.json()["error"]["message"], probe

    forged = admin.post("/tables/api_token/", {"user": row["user"], "token_hash": "0" * 64, "label": "x",
                                               "created_at": "2026-11-30T00:00:00+00:00", "revoked": False})
    assert forged.status_code == 405 and "training tokens create" in forged.json()["error"]["message"]
    assert not run(ApiToken.exists().where(ApiToken.token_hash == "0" * 64).run())

    changed = admin.patch(f"/tables/api_token/{row['id']}/", {"token_hash": "1" * 64})
    assert changed.status_code == 422 and _row(token)["id"] == row["id"]

    assert admin.patch(f"/tables/api_token/{row['id']}/", {"revoked": True}).status_code == 200
    assert _row(token)["revoked"]
    entries = run(AuditLog.select(AuditLog.before, AuditLog.after).where(
        (AuditLog.table_name == "api_token") & (AuditLog.row_id == row["id"])).run())
    assert entries and all(hash_token(token) not in (e["before"] or "") + (e["after"] or "") for e in entries)
    revived = admin.patch(f"/tables/api_token/{row['id']}/", {"revoked": False})
    assert revived.status_code == 422 and _row(token)["revoked"]


def test_tokens_made_before_expiry_existed_get_the_default_lifetime():
    token = run(create_token("coord"))
    created = _aware(_row(token)["created_at"])
    run(ApiToken.update({ApiToken.expires_at: None}).where(ApiToken.token_hash == hash_token(token)).run())
    migration = importlib.import_module("training.piccolo_migrations.training_2026_11_30t14_51_00_000000")
    manager = run(migration.forwards())
    for step in manager.raw:
        run(step())
    assert _aware(_row(token)["expires_at"]) == created + dt.timedelta(days=90)
