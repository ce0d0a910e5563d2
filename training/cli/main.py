"""The ``training`` command line."""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import shutil
import sys
import tempfile

import uvicorn
from granian import Granian
from granian.constants import Interfaces

from certificates.cli import register as register_certificates
from certificates.issuing import issue_demo_certificates
from certificates.signing import check_signing_keys
from training.auth.accounts import create_account, generate_password
from training.cli.backup import register as register_backup
from training.cli.learners import register as register_learners
from training.cli.notifications import register as register_notifications
from training.cli.people import register as register_people
from training.cli.roster import register as register_roster
from training.cli.staff import register as register_staff
from training.cli.tokens import register as register_tokens
from training.core.config import access_log, get_settings, log_format, use_metrics_multiprocess_dir
from training.core.errors import DomainError
from training.core.i18n import _
from training.core.logs import install as install_log_masking
from training.core.logs import server_log_config
from training.demo.seed import seed_demo
from training.reference.provinces import migrate_and_load_provinces
from training.reference.tables import LegacyProvince, Province


def _run(coro):
    return asyncio.run(coro)


def cmd_migrate(args: argparse.Namespace) -> int:
    _run(migrate_and_load_provinces())
    provinces = _run(Province.count().run())
    legacy = _run(LegacyProvince.count().run())
    print(_("Database is up to date: {provinces} provinces (2025), {legacy} provinces before 2025.",
            provinces=provinces, legacy=legacy))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    _run(migrate_and_load_provinces())
    _run(check_signing_keys())  # lost keys: refuse to start (DomainError → message, exit 2)
    settings = get_settings()
    print(_("Serving on http://{host}:{port}/ (admin: /admin/, API documentation: /schema)",
            host=args.host, port=args.port), flush=True)
    print(_("Database: {url}", url=_safe_url(settings.database_url)), flush=True)
    # No access log by default: request lines carry QR tokens (holder names) and cost ~15% of
    # the throughput of the public verification page. TRAINING_ACCESS_LOG=1 turns it on.
    # proxy_headers=False: uvicorn would believe X-Forwarded-For from 127.0.0.1 by default; the client
    # address is decided by training.web.security, from TRAINING_TRUSTED_PROXIES only.
    # With TRAINING_LOG_FORMAT=json every line is JSON with its request id, and the request lines (if
    # on) are written by training.web.observability, with the route template instead of the raw path.
    json_logs = log_format() == "json"
    metrics_dir = None
    if args.workers > 1:  # each worker counts into this folder; /metrics adds them up (training.core.metrics)
        metrics_dir = tempfile.mkdtemp(prefix="training-metrics-")
        use_metrics_multiprocess_dir(metrics_dir)
    try:
        if args.server == "uvicorn":
            uvicorn.run("training.web.asgi:app", host=args.host, port=args.port, log_level="info",
                        access_log=access_log() and not json_logs, proxy_headers=False,
                        log_config=server_log_config(log_format()) or uvicorn.config.LOGGING_CONFIG,
                        workers=args.workers if args.workers > 1 else None)
        else:  # granian (default): the same ASGI app, about 1.5 times the requests per second (ADR 0047)
            # Workers start as fresh interpreters (not forks of this one, which has imported the app and
            # prometheus_client before PROMETHEUS_MULTIPROC_DIR was set).
            multiprocessing.set_start_method("spawn", force=True)
            Granian("training.web.asgi:app", address=args.host, port=args.port, interface=Interfaces.ASGI,
                    workers=args.workers, websockets=False, respawn_failed_workers=True,
                    log_access=access_log() and not json_logs,
                    log_dictconfig=server_log_config(log_format())).serve()
    finally:
        if metrics_dir:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def _safe_url(url: str) -> str:
    """The database URL without its password, for printing."""
    from urllib.parse import urlparse

    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@")
    return url


def cmd_create_user(args: argparse.Namespace) -> int:
    _run(migrate_and_load_provinces())
    password = args.password or generate_password()
    result = _run(create_account(
        username=args.username, role=args.role, password=password, email=args.email,
        province_code=args.province, person_id=args.person_id, reset_password=args.reset_password,
    ))
    print(_("Account {username} ({role}) is ready.", username=result["username"], role=args.role))
    if not args.password:
        print(_("Password: {password}", password=password))
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    _run(migrate_and_load_provinces())
    summary = _run(seed_demo(password=args.password))
    for line in summary:
        print(line)
    if not args.no_certificates:
        _run(check_signing_keys())
        print(_run(issue_demo_certificates()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="training", description=_("Social work training and certification"))
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help=_("Apply pending migrations and start the web service"))
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--server", choices=["granian", "uvicorn"], default="granian",
                   help=_("The HTTP server that runs the app (default granian; uvicorn is the fallback)"))
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("migrate", help=_("Apply pending migrations and load the province reference data"))
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("create-user", help=_("Create a user account with a role"))
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=["coordinator", "department", "learner", "trainer"])
    p.add_argument("--province", help=_("2025 province code, for a department account"))
    p.add_argument("--person-id", type=int, help=_("the person a learner or trainer account belongs to"))
    p.add_argument("--email")
    p.add_argument("--password", help=_("if omitted, a password is generated and printed"))
    p.add_argument("--reset-password", action="store_true", help=_("update an existing account"))
    p.set_defaults(func=cmd_create_user)

    p = sub.add_parser("seed-demo", help=_("Load the demo data (safe to run again)"))
    p.add_argument("--no-certificates", action="store_true",
                   help=_("Do not issue certificates for the closed demo classes"))
    p.add_argument("--password", help=_("password of the demo accounts (default: printed)"))
    p.set_defaults(func=cmd_seed_demo)
    register_roster(sub)
    register_certificates(sub)
    register_staff(sub)
    register_tokens(sub)
    register_people(sub)
    register_backup(sub)
    register_notifications(sub)
    register_learners(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    install_log_masking()
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except DomainError as exc:
        print(_("Error: {message}", message=exc.text()), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
