"""ASGI entry point: ``uvicorn training.web.asgi:app``."""

from training.web.app import create_app

app = create_app(run_migrations=True, use_pool=True, run_sender=True)
