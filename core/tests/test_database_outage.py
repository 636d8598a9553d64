"""The API while the database is away: a JSON 503 with Retry-After, never an HTML 500; and kept
connections that recover once it is back (PostgreSQL's connection health checks)."""

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import psycopg
import pytest
from django.conf import settings
from django.db import OperationalError, close_old_connections, connection
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from accounts.roles import Role
from monitoring.conftest import at, make_gateway, make_point
from monitoring.models import Gateway, Reading

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def database_down(only: str = ""):
    """Every query (or those naming `only`) fails as when the server is gone."""
    execute, executemany = CursorWrapper._execute, CursorWrapper._executemany

    def failing(real):
        def run(self, sql, *args, **kwargs):
            if only in sql:
                raise OperationalError("server closed the connection unexpectedly")
            return real(self, sql, *args, **kwargs)

        return run

    with (
        mock.patch.object(CursorWrapper, "_execute", failing(execute)),
        mock.patch.object(CursorWrapper, "_executemany", failing(executemany)),
    ):
        yield


def assert_503(response):
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "数据库暂时不可用，请稍后重试"}
    assert int(response["Retry-After"]) > 0


@pytest.mark.django_db
def test_an_api_call_during_an_outage_is_a_json_503(api):
    client = api(Role.SUPERVISOR)
    with database_down():
        assert_503(client.get("/api/v1/alarms"))
        assert_503(client.get("/api/v1/hazards"))
    assert client.get("/api/v1/alarms").status_code == 200


@pytest.mark.django_db
def test_telemetry_during_an_outage_is_a_503_and_stores_nothing(client, enterprise_a):
    gateway = make_gateway(enterprise_a, "GW-OUT")
    make_point(gateway, "dp1", "pressure_diff")
    body = json.dumps({"readings": [{"point": "dp1", "ts": at(timezone.now()), "value": 900}]})
    headers = {"Authorization": f"Bearer {gateway.token}"}
    # Down before the gateway is known, then down in the middle of the ingestion.
    for only in ("", "monitoring_point"):
        with database_down(only):
            response = client.post(
                "/api/v1/telemetry", body, content_type="application/json", headers=headers
            )
        assert_503(response)
    assert Reading.objects.count() == 0
    assert Gateway.objects.get(pk=gateway.pk).last_seen_at is None


def test_postgresql_connections_are_health_checked():
    # The settings as a deployment reads them from its environment.
    script = (
        "import json, anjian.settings as s; "
        "print(json.dumps(s.DATABASES['default'].get('CONN_HEALTH_CHECKS')))"
    )
    environment = dict(os.environ, DATABASE_URL="postgres://anjian@db.example:5432/anjian")
    result = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout) is True


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="a kept connection is PostgreSQL's (SQLite opens a file)",
)
@pytest.mark.django_db(transaction=True)
def test_a_kept_connection_recovers_after_the_server_dropped_it():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    # The server ends the connection (a restart, a failover) behind Django's back.
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    # The next request starts as Django's request_started starts it; its first query works.
    close_old_connections()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
