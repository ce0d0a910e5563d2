"""The deployment files of ``deploy/`` work (issue 14, item 6; docs/deploy.md, ADR 0045): the systemd units
pass ``systemd-analyze verify`` and its offline security check; ``training.service``'s ExecStart runs for real
with the unit's environment and the example environment file (paths, ports and test-only values substituted);
Debian's nginx runs the shipped site in front of it with a certificate made here, and a user and an operator
get what they need through it: HTTP sends to HTTPS, a real certificate's verification page answers over
HTTPS, the service sees the real client's address and not one the client forged, ``/metrics`` is not on the
public site, uploads up to the service's limit pass and bigger ones get 413 with the service's message, the
health routes answer, the static files carry the service's own headers; ``training-backup.service``'s
commands make an archive and prune old ones. On the suite's database (SQLite or PostgreSQL)."""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import ssl
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import httpx
import pytest
from factories import ROOT, free_port, make_class, token_for
from factories.certificates import certificates_of, closed_class
from factories.tls import self_signed

DEPLOY = ROOT / "deploy"
UNITS = DEPLOY / "systemd"
SITE = DEPLOY / "nginx" / "training.conf"
ENV_EXAMPLE = DEPLOY / "training.env.example"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
VENV_BIN = Path(sys.executable).parent
RATE_LIMIT = 30
# What systemd gives a service besides its own settings.
BASE_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}


# --- reading the shipped files as systemd and nginx do ------------------------------------------------

def unit_service(path: Path) -> dict[str, list[str]]:
    """The [Service] section of a unit file: each key's values in order (``%%`` read as ``%``)."""
    section, values = None, {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line
            continue
        key, _, value = line.partition("=")
        if section == "[Service]":
            values.setdefault(key.strip(), []).append(value.strip().replace("%%", "%"))
    return values


def env_file(text: str) -> dict[str, str]:
    """KEY=value lines of an EnvironmentFile (comments and blank lines skipped, quotes removed)."""
    env = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        key, sep, value = line.partition("=")
        assert sep and re.fullmatch(r"[A-Z][A-Z0-9_]*", key), f"not KEY=value: {raw!r}"
        env[key] = value.strip().strip('"')
    return env


def substituted(text: str, replacements: dict[str, str]) -> str:
    """The shipped text with each place-specific value replaced; every one must be in the text (a test that
    silently substituted nothing would test the wrong file)."""
    for old, new in replacements.items():
        assert old in text, f"{old!r} is no longer in the shipped file: update the test's substitutions"
        text = text.replace(old, new)
    return text


# --- the deployment, started the way the files say ---------------------------------------------------

def _places(folder: Path, app_port: int) -> dict[str, str]:
    """Where the shipped files point on a real machine → where they point here (longest first)."""
    return {"/opt/training/.venv/bin": str(VENV_BIN), "/etc/training/training.env": str(folder / "training.env"),
            "/var/lib/training": str(folder / "data"), "/var/backups/training": str(folder / "backups"),
            "--port 8000": f"--port {app_port}"}


def _service_env(unit: dict[str, list[str]], places: dict[str, str]) -> dict[str, str]:
    """The environment systemd gives the unit: Environment=, then EnvironmentFile= (which wins)."""
    env = dict(BASE_ENV)
    for item in unit.get("Environment", []):
        key, _, value = substituted(item, {k: v for k, v in places.items() if k in item}).partition("=")
        env[key] = value
    for item in unit["EnvironmentFile"]:
        env.update(env_file(Path(places.get(item, item)).read_text()))
    return env


def _command(unit: dict[str, list[str]], key: str, places: dict[str, str]) -> list[str]:
    [line] = unit[key]
    return shlex.split(substituted(line, {k: v for k, v in places.items() if k in line}))


def _nginx_conf(folder: Path, site: Path) -> Path:
    temp = " ".join(f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                       "scgi"))
    conf = folder / "nginx.conf"
    conf.write_text(f"""{"user root;" if os.geteuid() == 0 else ""}
daemon off;
worker_processes 1;
pid {folder / 'nginx.pid'};
error_log {folder / 'error.log'} info;
events {{ worker_connections 128; }}
http {{
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  {temp}
  include {site};
}}
""")
    return conf


def _wait(url: str, proc: subprocess.Popen, log: Path, **kw) -> None:
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(log.read_text())
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1, **kw).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"not ready: {url}\n{log.read_text()}")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("deploy")
    for name in ("data", "backups", "logs", "acme"):
        (folder / name).mkdir()
    ports = {"app": free_port(), "http": free_port(), "https": free_port()}
    places = _places(folder, ports["app"])
    https = f"https://127.0.0.1:{ports['https']}"
    # The example environment file, with this test's database, secret and public address; the sender off
    # as in every test server (tests/conftest.py), and a public limit this test can reach.
    overrides = {"DATABASE_URL": os.environ["DATABASE_URL"], "TRAINING_SECRET_KEY": os.environ["TRAINING_SECRET_KEY"],
                 "TRAINING_BASE_URL": https, "TRAINING_NOTIFY_SENDER": "0",
                 "TRAINING_PUBLIC_RATE_LIMIT": str(RATE_LIMIT)}
    example = ENV_EXAMPLE.read_text()
    shipped = env_file(example)
    assert set(overrides) <= set(shipped), "the example lists every setting the test sets"
    lines = [f"{k}={overrides[k]}" if (k := line.partition("=")[0]) in overrides else line
             for line in example.splitlines()]
    (folder / "training.env").write_text("\n".join(lines) + "\n")

    unit = unit_service(UNITS / "training.service")
    env = _service_env(unit, places)
    log = folder / "logs" / "service.log"
    service = subprocess.Popen(_command(unit, "ExecStart", places), cwd=places[unit["WorkingDirectory"][0]],
                               env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)

    cert, key = self_signed(folder)
    site = folder / "training.conf"
    site.write_text(substituted(SITE.read_text(), {
        "listen 80;": f"listen 127.0.0.1:{ports['http']};", "listen [::]:80;": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{ports['https']} ssl http2;", "listen [::]:443 ssl http2;": "",
        "/etc/letsencrypt/live/daotao.example.gov.vn/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/daotao.example.gov.vn/privkey.pem": str(key),
        "/var/log/nginx/": f"{folder / 'logs'}/", "/var/www/letsencrypt": str(folder / "acme"),
        "server 127.0.0.1:8000": f"server 127.0.0.1:{ports['app']}", "/opt/training/": f"{ROOT}/"}))
    conf = _nginx_conf(folder, site)
    checked = subprocess.run([NGINX, "-t", "-c", str(conf), "-p", str(folder)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    nginx = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(folder)], stdout=subprocess.DEVNULL,
                             stderr=(folder / "logs" / "nginx.out").open("w"))
    try:
        _wait(f"http://127.0.0.1:{ports['app']}/health", service, log)
        _wait(f"{https}/health", nginx, folder / "logs" / "nginx.out", verify=ssl.create_default_context(cafile=cert))
        yield {"https": https, "http": f"http://127.0.0.1:{ports['http']}", "app": f"http://127.0.0.1:{ports['app']}",
               "cert": str(cert), "folder": folder, "places": places, "env": env, "log": log}
    finally:
        _stop(nginx)
        _stop(service)


def client(deployed, address: str = "127.0.0.1") -> httpx.Client:
    """A client of the public site connecting from ``address`` (any 127.x.y.z is this machine)."""
    transport = httpx.HTTPTransport(local_address=address, verify=ssl.create_default_context(cafile=deployed["cert"]))
    return httpx.Client(base_url=deployed["https"], transport=transport, timeout=120)


# --- the tests ---------------------------------------------------------------------------------------

@pytest.mark.skipif(not SYSTEMD_ANALYZE, reason="systemd-analyze: apt-get install systemd (.ci/run does)")
def test_units_pass_systemd_verify_and_its_security_check(tmp_path):
    replacements = {"/opt/training/.venv/bin": str(VENV_BIN)}
    units = sorted(UNITS.glob("training*.*"))
    assert {u.name for u in units} >= {"training.service", "training-backup.service", "training-backup.timer"}
    for unit in units:
        text = unit.read_text()
        (tmp_path / unit.name).write_text(substituted(text, replacements) if "/opt/training/.venv/bin" in text
                                          else text)
    checked = subprocess.run([SYSTEMD_ANALYZE, "verify", *(str(tmp_path / u.name) for u in units)],
                             capture_output=True, text=True, timeout=60)
    complaints = [line for line in (checked.stdout + checked.stderr).splitlines()
                  if any(u.name in line for u in units)]
    assert checked.returncode == 0 and not complaints, checked.stdout + checked.stderr
    for unit in units:
        if unit.suffix == ".service":
            security = subprocess.run([SYSTEMD_ANALYZE, "security", "--offline=true", "--threshold=20", "--no-pager",
                                       str(tmp_path / unit.name)], capture_output=True, text=True, timeout=60)
            assert security.returncode == 0, security.stdout[-600:] + security.stderr
            assert "exposure level" in security.stdout


def test_environment_example_names_only_real_settings():
    """A misspelt variable (TRAINING_DATABASE_URL) would be silently ignored by the service."""
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", readme, flags=re.M))
    named = set(env_file(ENV_EXAMPLE.read_text())) | set(
        re.findall(r"^# ([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE.read_text(), flags=re.M))
    assert named - documented == set()
    assert {"TRAINING_SECRET_KEY", "DATABASE_URL", "TRAINING_BASE_URL", "TRAINING_TRUSTED_PROXIES",
            "TRAINING_METRICS_ALLOW", "TRAINING_DB_POOL_SIZE", "TRAINING_LOG_FORMAT", "TRAINING_SMTP_URL",
            "TRAINING_SMS_WEBHOOK_URL"} <= named


def test_http_sends_to_https_keeping_the_path(deployed):
    response = httpx.get(f"{deployed['http']}/verify/KH-2026-000001?t=abc", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == "https://127.0.0.1/verify/KH-2026-000001?t=abc"


def test_issued_certificate_verifies_over_https(deployed):
    cls = closed_class(["Trần Thị Triển Khai"])
    with client(deployed) as web:
        issued = web.post(f"/api/classes/{cls['id']}/certificates", json={}, headers=token_for("coord"))
        assert issued.status_code == 200, issued.text
        [row] = certificates_of(cls)
        page = web.get(f"/verify/{row['number']}", params={"t": row["token"]})
        assert page.status_code == 200, page.text
        assert "Trần Thị Triển Khai" in page.text and row["number"] in page.text
        assert page.headers["strict-transport-security"].startswith("max-age=")
        api = web.get(f"/api/verify/{row['number']}", params={"t": row["token"]}).json()
        assert api["signature_checked"] is True
    # nginx's access log names the page but not the token (it carries the holder's name).
    logged = (deployed["folder"] / "logs" / "training.access.log").read_text()
    assert f"GET /verify/{row['number']} " in logged and row["token"] not in logged and "?t=" not in logged


def _fresh_window() -> None:
    """The public limit counts per wall-clock minute: start with at least 8 s of it left."""
    left = 60 - time.time() % 60
    if left < 8:
        time.sleep(left + 0.5)


def test_service_sees_the_real_client_address_not_a_forged_one(deployed):
    path = "/api/verify/KH-0000-000000"
    with client(deployed, "127.0.0.2") as first, client(deployed, "127.0.0.3") as second:
        _fresh_window()
        a = first.get(path)
        assert a.status_code == 404, a.text
        # The same visitor claiming to be someone else: still counted as herself.
        b = first.get(path, headers={"X-Forwarded-For": "203.0.113.7"})
        assert int(b.headers["ratelimit-remaining"]) == int(a.headers["ratelimit-remaining"]) - 1
        # Another visitor (claiming to be the first): a count of her own, not the proxy's or the first one's.
        c = second.get(path, headers={"X-Forwarded-For": "127.0.0.2"})
        assert int(c.headers["ratelimit-remaining"]) == RATE_LIMIT - 1
        # Changing the forged address at every request does not escape the limit.
        answers = [first.get(path, headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
                   for i in range(int(b.headers["ratelimit-remaining"]) + 1)]
        assert answers[-1] == 429 and set(answers[:-1]) == {404}, answers
        assert second.get(path).status_code == 404


def test_metrics_are_not_on_the_public_site(deployed):
    # The operator's scrape, on the service's own port from this machine: allowed.
    direct = httpx.get(f"{deployed['app']}/metrics")
    assert direct.status_code == 200 and "training_http_requests_total" in direct.text
    # Through the site, even from this machine (which the service would allow): refused by nginx.
    with client(deployed) as web:
        for path in ("/metrics", "/metrics/", "//metrics", "/%6Detrics", "/metrics?format=text"):
            response = web.get(httpx.URL(deployed["https"]).copy_with(raw_path=path.encode()))
            assert response.status_code == 404, path
            assert "training_http_requests_total" not in response.text, path


def _upload(web: httpx.Client, url: str, size: int) -> httpx.Response:
    return web.post(url, files={"file": ("roster.xlsx", b"\0" * size)}, headers=token_for("coord"))


def test_uploads_up_to_the_service_limit_pass_bigger_ones_get_413_with_its_message(deployed):
    url = f"/api/classes/{make_class(status='open')['id']}/roster?dry_run=true"
    error_log = deployed["folder"] / "error.log"
    with client(deployed) as web:
        # Just under nginx's 12 MB: the service answers (its own refusal of a file over 10 MB).
        under = _upload(web, url, 12 * 1024 * 1024 - 64 * 1024)
        assert under.status_code == 413 and "x-request-id" in under.headers, under.text
        assert under.json()["error"]["code"] == "file_too_large"
        assert "too large body" not in error_log.read_text()
        # Over it: nginx refuses before the service sees it, with the service's own words for it.
        over = _upload(web, url, 12 * 1024 * 1024 + 64 * 1024)
    assert over.status_code == 413 and "x-request-id" not in over.headers, over.text
    assert "client intended to send too large body" in error_log.read_text()
    own = _upload(httpx.Client(base_url=deployed["app"], timeout=120), url, 12 * 1024 * 1024 + 64 * 1024)
    assert own.status_code == 413
    assert over.json() == own.json() and own.json()["error"]["code"] == "file_too_large"


def test_health_routes_answer_through_the_site(deployed):
    with client(deployed) as web:
        assert web.get("/health").json() == {"status": "ok"}
        ready = [web.get("/health/ready") for _ in range(40)]
    assert {(r.status_code, r.text) for r in ready} == {(200, '{"status":"ok","database":"ok"}')}
    # nginx's request id reaches the service, which keeps it (one id in both logs) — for every request, also
    # when the id happens to hold a run of digits that looks like a citizen ID or phone number.
    access_log = deployed["folder"] / "logs" / "training.access.log"
    ids = [r.headers["x-request-id"] for r in ready]
    deadline = time.time() + 5
    while any(i not in access_log.read_text() for i in ids) and time.time() < deadline:
        time.sleep(0.1)
    lines = {i: [x for x in access_log.read_text().splitlines() if i in x] for i in ids}
    assert {i for i, found in lines.items() if len(found) != 1 or '"GET /health/ready HTTP/1.1" 200' not in found[0]
            } == set()


def test_static_files_come_with_the_services_own_headers(deployed):
    own = httpx.get(f"{deployed['app']}/static/site.css")
    with client(deployed) as web:
        served = web.get("/static/site.css")
    assert served.status_code == own.status_code == 200
    assert served.content == (ROOT / "training/web/static/site.css").read_bytes() == own.content
    assert served.headers["content-type"].startswith("text/css")
    for header in ("content-security-policy", "x-frame-options", "referrer-policy", "x-content-type-options",
                   "strict-transport-security"):
        assert served.headers.get(header) == own.headers.get(header), header


def test_backup_unit_makes_an_archive_and_prunes_old_ones(deployed):
    unit = unit_service(UNITS / "training-backup.service")
    places = deployed["places"]
    env = _service_env(unit, places)
    backups = Path(places["/var/backups/training"])
    old = backups / "training-2020-01-01T0230.tar.gz"
    old.write_bytes(b"old")
    os.utime(old, (time.time() - 20 * 86400,) * 2)
    for key in ("ExecStart", "ExecStartPost"):
        done = subprocess.run(_command(unit, key, places), cwd=places[unit["WorkingDirectory"][0]], env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
    [archive] = list(backups.glob("training-*.tar.gz"))
    assert re.fullmatch(r"training-\d{4}-\d\d-\d\dT\d{4}\.tar\.gz", archive.name)
    with tarfile.open(archive) as tar:
        assert "manifest.json" in tar.getnames()
