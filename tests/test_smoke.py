from fastapi.testclient import TestClient


def test_health_reports_backend(app_client: TestClient, database_url: str) -> None:
    body = app_client.get("/api/v1/health").json()
    assert body["status"] == "ok"
    assert body["database"] == ("sqlite" if database_url.startswith("sqlite") else "postgresql")


def test_unknown_route_uses_error_shape(app_client: TestClient) -> None:
    r = app_client.get("/api/v1/nope")
    assert r.status_code == 404
    assert set(r.json()["error"]) == {"code", "message", "message_zh", "findings"}
