"""Two ``training serve`` on one PostgreSQL, each with its own data folder, behind nginx (issue 14, item 1;
ADR 0040): a certificate issued on A verifies (its QR link) and downloads (one PDF, the class ZIP) through
the balancer and on B; after a key rotation on B, A signs with the new key and verifies old and new."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest
from factories import IS_POSTGRES, ROOT, free_port, token_for
from factories.certificates import certificates_of, closed_class

pytestmark = pytest.mark.skipif(
    not IS_POSTGRES, reason="needs PostgreSQL: several servers share one PostgreSQL, while a SQLite database is one "
                            "machine's file (this test runs in CI's PostgreSQL pass)")

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _wait_ready(base: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(log.read_text())
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"not ready: {base}\n{log.read_text()}")


def _nginx_conf(folder: Path, port: int, upstreams: list[int]) -> Path:
    servers = "\n".join(f"    server 127.0.0.1:{p};" for p in upstreams)
    temp = " ".join(f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                       "scgi"))
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = folder / "nginx.conf"
    conf.write_text(f"""{user}daemon off;
worker_processes 1;
pid {folder / 'nginx.pid'};
error_log {folder / 'error.log'};
events {{ worker_connections 64; }}
http {{
  access_log {folder / 'access.log'};
  {temp}
  upstream training {{
{servers}
  }}
  server {{
    listen 127.0.0.1:{port};
    client_max_body_size 20m;
    location / {{
      proxy_pass http://training;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      add_header X-Upstream $upstream_addr always;
    }}
  }}
}}
""")
    return conf


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """{"a": url, "b": url, "lb": url, "env_b": env of server B}: A and B started together."""
    folder = tmp_path_factory.mktemp("two-servers")
    ports = {"a": free_port(), "b": free_port(), "lb": free_port()}
    lb = f"http://127.0.0.1:{ports['lb']}"
    procs, logs, envs = {}, {}, {}
    for name in ("a", "b"):
        envs[name] = {**os.environ, "TRAINING_DATA_DIR": str(folder / f"data-{name}"), "TRAINING_BASE_URL": lb,
                      "TRAINING_TRUSTED_PROXIES": "127.0.0.1"}
        logs[name] = folder / f"serve-{name}.log"
        procs[name] = subprocess.Popen(
            [sys.executable, "-m", "training.cli.main", "serve", "--host", "127.0.0.1", "--port", str(ports[name])],
            cwd=ROOT, env=envs[name], stdout=logs[name].open("w"), stderr=subprocess.STDOUT)
    conf = _nginx_conf(folder, ports["lb"], [ports["a"], ports["b"]])
    nginx = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(folder)], stdout=subprocess.DEVNULL,
                             stderr=(folder / "nginx.out").open("w"))
    try:
        for name in ("a", "b"):
            _wait_ready(f"http://127.0.0.1:{ports[name]}", procs[name], logs[name])
        _wait_ready(lb, nginx, folder / "nginx.out")
        yield {"a": f"http://127.0.0.1:{ports['a']}", "b": f"http://127.0.0.1:{ports['b']}", "lb": lb,
               "env_b": envs["b"], "ports": ports}
    finally:
        for proc in (nginx, *procs.values()):
            proc.terminate()
        for proc in (nginx, *procs.values()):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
    assert not list(folder.glob("data-*/keys/*.pem")), "no server kept a signing key on its disk"


def _issue_on(base: str, cls: dict) -> list[dict]:
    response = httpx.post(f"{base}/api/classes/{cls['id']}/certificates", json={}, headers=token_for("coord"),
                          timeout=180)
    assert response.status_code == 200, response.text
    return certificates_of(cls)


def _verified(base: str, row: dict) -> bool:
    """The QR's signed link, as a phone opens it (the page) and as the API answers it."""
    page = httpx.get(f"{base}/verify/{row['number']}", params={"t": row["token"]}, timeout=30)
    assert page.status_code == 200, page.text
    assert row["holder_name"] in page.text
    body = httpx.get(f"{base}/api/verify/{row['number']}", params={"t": row["token"]}, timeout=30).json()
    return body["signature_checked"] is True and body["number"] == row["number"]


def test_issue_on_a_verify_and_download_anywhere_rotate_on_b_verify_on_a(cluster):
    coord = token_for("coord")
    cls = closed_class(["Trần Thị Hai Máy", "Lê Văn Hai Máy"])
    old = _issue_on(cluster["a"], cls)
    assert len(old) == 2 and all(r["pdf_sha256"] for r in old)

    # Through the balancer (both servers answer in turn) and on B directly.
    upstreams = set()
    for _round in range(2):
        for row in old:
            assert _verified(cluster["lb"], row)
        upstreams.add(httpx.get(f"{cluster['lb']}/api/verify/{old[0]['number']}", timeout=30).headers["x-upstream"])
    assert upstreams == {f"127.0.0.1:{cluster['ports']['a']}", f"127.0.0.1:{cluster['ports']['b']}"}, upstreams
    assert all(_verified(cluster["b"], row) for row in old)

    for base in (cluster["lb"], cluster["lb"], cluster["b"]):
        response = httpx.get(f"{base}/api/classes/{cls['id']}/certificates/export", params={"format": "zip"},
                             headers=coord, timeout=120)
        assert response.status_code == 200, response.text
        archive = zipfile.ZipFile(io.BytesIO(response.content))
        assert sorted(archive.namelist()) == sorted(f"{r['number']}.pdf" for r in old)
        for r in old:
            assert hashlib.sha256(archive.read(f"{r['number']}.pdf")).hexdigest() == r["pdf_sha256"]
    single = httpx.get(f"{cluster['b']}/api/certificates/{old[0]['id']}/pdf", headers=coord, timeout=60)
    assert single.status_code == 200 and hashlib.sha256(single.content).hexdigest() == old[0]["pdf_sha256"]

    # Rotate on B (the command, with B's environment and data folder).
    rotated = subprocess.run([sys.executable, "-m", "training.cli.main", "certificates", "rotate-key"], cwd=ROOT,
                             env=cluster["env_b"], capture_output=True, text=True, timeout=180)
    assert rotated.returncode == 0, rotated.stderr
    [new_a] = _issue_on(cluster["a"], closed_class(["Phạm Thị Sau Xoay"]))
    [new_b] = _issue_on(cluster["b"], closed_class(["Phạm Văn Sau Xoay"]))
    assert new_a["key_id"] == new_b["key_id"] != old[0]["key_id"]
    assert new_a["key_id"] in rotated.stdout
    for row in (*old, new_a, new_b):
        assert _verified(cluster["a"], row), row["number"]
        assert _verified(cluster["lb"], row), row["number"]
    keys = httpx.get(f"{cluster['a']}/.well-known/certificate-keys", timeout=30).json()["keys"]
    assert {old[0]["key_id"], new_a["key_id"]} <= {k["kid"] for k in keys}
    assert [k["kid"] for k in keys if k["current"]] == [new_a["key_id"]]
