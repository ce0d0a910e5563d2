"""ASGI entry point: ``uvicorn training.asgi:app``."""

from training.app import create_app

app = create_app(run_migrations=True, use_pool=True)
