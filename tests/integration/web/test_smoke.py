"""``training serve`` as a real process: health, the admin page, the OpenAPI schema."""

import httpx


def test_serve_answers_health_admin_and_schema(live_server):
    health = httpx.get(f"{live_server}/health")
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    assert httpx.get(f"{live_server}/health/ready").json() == {"status": "ok", "database": "ok"}
    redirect = httpx.get(f"{live_server}/admin")
    assert redirect.status_code in (301, 307, 308) and redirect.headers["location"].endswith("/admin/")
    admin = httpx.get(f"{live_server}/admin/")
    assert admin.status_code == 200 and '<html lang="vi">' in admin.text
    schema = httpx.get(f"{live_server}/schema/openapi.json").json()
    assert "/health" in schema["paths"] and "/api/provinces" in schema["paths"]
