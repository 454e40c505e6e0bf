"""Liveness and readiness through nginx."""
import os

from conftest import ROOT


def test_health_answers_with_the_demo_shape(anon):
    response = anon.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert body["status"] == "healthy"
    assert body["data"]["status"] == "healthy"
    assert response.headers["Content-Type"] == "application/json"


def test_readiness_reports_every_migration_applied(anon):
    response = anon.get("/api/health/ready")
    assert response.status_code == 200, response.text
    files = sorted(f[:-4] for f in os.listdir(os.path.join(ROOT, "sql")) if f[:3].isdigit() and f.endswith(".sql"))
    assert len(files) >= 2
    assert response.json()["data"]["migrations"] == files


def test_nginx_passes_its_request_id_to_the_worker(api):
    response = api.get("/api/books/999999999")
    request_id = response.headers["X-Request-Id"]
    assert len(request_id) >= 16
    assert response.json()["instance"] == f"urn:stacks:request:{request_id}"
