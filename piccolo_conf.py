"""Piccolo configuration: the engine comes from DATABASE_URL (see training/core/config.py)."""

from piccolo.conf.apps import AppRegistry

from training.core.db import make_engine

DB = make_engine()

APP_REGISTRY = AppRegistry(
    apps=[
        "piccolo.apps.user.piccolo_app",
        "piccolo_api.session_auth.piccolo_app",
        "training.piccolo_app",
        "certificates.piccolo_app",
    ]
)
