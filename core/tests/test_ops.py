"""Request ids, structured logs and the operations counts (core/ops.py, core/logs.py): the proxy's
id kept or one made, on the answer and every log record of the request; JSON lines with the
fields a collector reads; slow statements and server errors counted per hour by one upsert, only
when something happened, with the last entries (no parameters); the task workers alike; rows
kept bounded; the 运行状况 page for the county administrator and the platform superuser."""

import io
import json
import logging
import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import path
from django.utils import timezone
from huey.contrib.djhuey import db_task
from pythonjsonlogger.json import JsonFormatter

from accounts.roles import Role
from anjian.wsgi import application
from conftest import client_for
from core import logs, ops
from core.models import OpsCount, OpsEntry
from monitoring.conftest import at, gateway_a, points_a  # noqa: F401  (fixtures)
from monitoring.conftest import now as now
from monitoring.tests.test_gateway_http import _environ, same_connection  # noqa: F401

HEX32 = re.compile(r"^[0-9a-f]{32}$")


# --- a view that fails, for the error counts --------------------------------------------------


def boom(request):
    return 1 / 0


def away(request):
    return HttpResponse("数据库暂时不可用", status=503)


urlpatterns = [path("boom/", boom), path("away/", away), path("", boom)]
failing = pytest.mark.urls(__name__)


def anonymous():
    return Client(raise_request_exception=False)


# --- request ids -----------------------------------------------------------------------------


def test_a_request_gets_an_id_or_keeps_the_proxys(db):
    made = Client().get("/accounts/login/")
    assert HEX32.match(made["X-Request-ID"])
    kept = Client().get("/accounts/login/", HTTP_X_REQUEST_ID="nginx-7f3a.1:2")
    assert kept["X-Request-ID"] == "nginx-7f3a.1:2"
    for bad in ("a" * 65, "两个字", "a b", "x;rm", ""):
        answered = Client().get("/accounts/login/", HTTP_X_REQUEST_ID=bad)["X-Request-ID"]
        assert HEX32.match(answered), bad


@pytest.mark.django_db
def test_the_lean_telemetry_path_carries_the_id_too(
    same_connection,  # noqa: F811
    gateway_a,  # noqa: F811
    points_a,  # noqa: F811
    now,
):
    body = json.dumps({"readings": [{"point": "dp1", "ts": at(now), "value": 900}]}).encode()
    environ = _environ("/api/v1/telemetry", body, token=gateway_a.token)
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer.update(status=int(status.split()[0]), headers=dict(headers))

    result = application(environ | {"HTTP_X_REQUEST_ID": "gw-1"}, start_response)
    b"".join(result)
    result.close()  # as a WSGI server does: the request's log context ends here
    assert answer["status"] == 200 and answer["headers"]["X-Request-ID"] == "gw-1"
    assert logs.context.get() is None


# --- structured logs -------------------------------------------------------------------------


@pytest.fixture
def json_lines():
    """The console handler as LOG_FORMAT=json configures it, writing to a buffer, with the
    request log on."""
    config = dict(django_settings.LOGGING["formatters"]["json"])
    factory = config.pop("()")
    assert factory == "pythonjsonlogger.json.JsonFormatter"
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter(**config))
    handler.addFilter(logs.RequestContextFilter())
    root, requests_log = logging.getLogger(), logging.getLogger("anjian.requests")
    root.addHandler(handler)
    # A test elsewhere that drove the WSGI application without closing its answer (as a server
    # always does) leaves its request's context behind on this thread.
    logs.context.set(None)
    level = requests_log.level
    requests_log.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    root.removeHandler(handler)
    requests_log.setLevel(level)


def test_every_record_of_a_request_carries_its_id_user_and_path(users, json_lines):
    client = client_for(Client(), users[Role.SUPERVISOR])
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-42")
    assert response.status_code == 404
    lines = json_lines()
    # Django's own warning and the request line, both of this request.
    assert {line["logger"] for line in lines} >= {"django.request", "anjian.requests"}
    for line in lines:
        assert line["request_id"] == "req-42"
        assert line["path"] == "/no-such-page/"
        assert line["user_id"] == users[Role.SUPERVISOR].pk
        assert {"time", "level", "logger", "message"} <= set(line)
    [request_line] = [line for line in lines if line["logger"] == "anjian.requests"]
    assert request_line["status"] == 404 and request_line["level"] == "INFO"
    assert isinstance(request_line["duration_ms"], int)
    assert request_line["message"].startswith("GET /no-such-page/ 404")


def test_a_record_outside_a_request_has_empty_request_fields(json_lines):
    logging.getLogger("anjian.test").warning("安监 %s", "测试")
    [line] = json_lines()
    assert line["message"] == "安监 测试"
    assert line["request_id"] is None and line["user_id"] is None and line["path"] is None


def test_log_format_json_writes_json_lines_and_text_stays_plain(tmp_path):
    script = (
        "import os, django, logging; os.environ['DJANGO_SETTINGS_MODULE'] = 'anjian.settings'; "
        "django.setup(); logging.getLogger('anjian.test').warning('隐患 %d 条', 3)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("LOG_FORMAT", "LOG_LEVEL")}
    env.update(ANJIAN_VAR_DIR=str(tmp_path))
    for log_format in ("json", "text"):
        result = subprocess.run(  # noqa: S603  (our own interpreter)
            [sys.executable, "-c", script],
            cwd=django_settings.BASE_DIR,
            env={**env, "LOG_FORMAT": log_format},
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        if log_format == "json":
            line = json.loads(result.stderr.strip())
            assert line["message"] == "隐患 3 条" and line["level"] == "WARNING"
            assert line["logger"] == "anjian.test" and "time" in line
        else:
            assert result.stderr.strip() == "隐患 3 条"
    bad = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        cwd=django_settings.BASE_DIR,
        env={**env, "LOG_FORMAT": "xml"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode != 0 and "LOG_FORMAT must be text or json" in bad.stderr


# --- counts ----------------------------------------------------------------------------------


def test_a_normal_request_writes_nothing(users, settings):
    settings.SLOW_QUERY_MS = 60_000
    client = client_for(Client(), users[Role.SUPERVISOR])
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/hazards/").status_code == 200
    assert not [q for q in queries if "core_ops" in q["sql"]]
    assert not OpsCount.objects.exists() and not OpsEntry.objects.exists()


def test_slow_statements_are_counted_and_kept_without_parameters(users, settings):
    settings.SLOW_QUERY_MS = 0  # every statement is slow
    client = client_for(Client(), users[Role.SUPERVISOR])
    response = client.get("/hazards/?q=机密的搜索词")
    assert response.status_code == 200
    [count] = OpsCount.objects.all()
    assert count.slow_queries >= 1 and count.errors == 0
    entries = list(OpsEntry.objects.filter(kind=OpsEntry.Kind.SLOW))
    assert 1 <= len(entries) <= ops.SLOW_PER_REQUEST
    for entry in entries:
        assert entry.sql and entry.path == "/hazards/" and entry.method == "GET"
        assert entry.request_id == response["X-Request-ID"] and entry.status == 200
        assert "机密的搜索词" not in entry.sql and "supervisor" not in entry.sql
    # A second request adds to the hour's row: one row per hour.
    client.get("/hazards/")
    assert OpsCount.objects.count() == 1
    assert OpsCount.objects.get().slow_queries > count.slow_queries


@failing
def test_a_server_error_is_counted_with_its_class_and_request_id(db):
    client = anonymous()
    first = client.get("/boom/", HTTP_X_REQUEST_ID="err-1")
    second = client.get("/boom/")
    assert first.status_code == second.status_code == 500
    assert first["X-Request-ID"] == "err-1"
    [count] = OpsCount.objects.all()
    assert count.errors == 2
    entry = OpsEntry.objects.filter(kind=OpsEntry.Kind.ERROR).order_by("at", "id").first()
    assert entry.exception == "builtins.ZeroDivisionError"
    assert (entry.path, entry.status, entry.request_id) == ("/boom/", 500, "err-1")


@failing
def test_the_database_away_answer_is_not_written(db):
    # Its write would wait for the database too: the log and /healthz say it.
    assert anonymous().get("/away/").status_code == 503
    assert not OpsCount.objects.exists() and not OpsEntry.objects.exists()


@failing
def test_a_failure_to_record_never_fails_the_request(db, monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(OpsEntry.objects, "bulk_create", refuse)
    assert anonymous().get("/boom/").status_code == 500
    assert not OpsCount.objects.exists()  # the upsert rolled back with it
    assert "运行计数未能写入" in caplog.text


@db_task()
def _failing_task():
    raise ValueError("boom")


@db_task()
def _querying_task():
    return OpsCount.objects.count()


def test_task_workers_count_their_errors_and_slow_statements(db, immediate_tasks, settings):
    _failing_task()
    entry = OpsEntry.objects.get(kind=OpsEntry.Kind.ERROR)
    assert entry.exception == "builtins.ValueError"
    assert entry.path.startswith("task:") and entry.path.endswith("_failing_task")
    settings.SLOW_QUERY_MS = 0
    _querying_task()
    assert OpsEntry.objects.filter(kind=OpsEntry.Kind.SLOW, path__endswith="_querying_task")
    assert set(OpsEntry.objects.values_list("source", flat=True)) == {"task"}
    assert OpsCount.objects.get().errors == 1
    # Nothing is left wrapping the connection after the task.
    assert not [w for w in connection.execute_wrappers if isinstance(w, ops.SlowStatements)]


def test_pruning_keeps_the_last_entries_and_thirty_days(db):
    moment = timezone.now()
    for kind in OpsEntry.Kind:
        OpsEntry.objects.bulk_create(
            OpsEntry(kind=kind, at=moment - timedelta(minutes=i), path=f"/{i}/") for i in range(60)
        )
    OpsCount.objects.create(hour=moment - timedelta(days=31), errors=1)
    recent = OpsCount.objects.create(hour=moment - timedelta(days=29), errors=1)
    assert ops.prune(moment) == 1 + 2 * 10
    assert list(OpsCount.objects.all()) == [recent]
    for kind in OpsEntry.Kind:
        kept = OpsEntry.objects.filter(kind=kind)
        assert kept.count() == ops.KEEP_ENTRIES
        assert kept.filter(path="/0/").exists() and not kept.filter(path="/59/").exists()


# --- the page --------------------------------------------------------------------------------


def test_the_page_shows_the_counts_entries_and_checks(users, settings):
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    OpsCount.objects.create(hour=hour, slow_queries=3, errors=1)
    OpsCount.objects.create(hour=hour - timedelta(days=3), slow_queries=4, errors=2)
    OpsCount.objects.create(hour=hour - timedelta(days=9), slow_queries=100, errors=100)
    OpsEntry.objects.create(
        kind=OpsEntry.Kind.ERROR, path="/hazards/1/", exception="builtins.KeyError", status=500
    )
    OpsEntry.objects.create(kind=OpsEntry.Kind.SLOW, sql="SELECT 1 FROM hazards_hazard")
    settings.SLOW_QUERY_MS = 60_000
    client = client_for(Client(), users[Role.COUNTY_ADMIN])
    html = client.get("/ops/").content.decode()
    assert "运行状况" in html
    assert re.search(r'id="ops-day-slow">3<', html) and re.search(r'id="ops-day-errors">1<', html)
    assert re.search(r'id="ops-week-slow">7<', html) and re.search(r'id="ops-week-errors">3<', html)
    assert "builtins.KeyError" in html and "SELECT 1 FROM hazards_hazard" in html
    assert "数据库" in html and "任务队列" in html
    # The menu links to it for the county administrator only.
    assert 'href="/ops/"' in html
    other = client_for(Client(), users[Role.SUPERVISOR])
    assert 'href="/ops/"' not in other.get("/hazards/").content.decode()


def test_the_page_is_the_county_administrators_and_the_superusers(users, platform_admin):
    for role, user in users.items():
        expected = 200 if role == Role.COUNTY_ADMIN else 403
        assert client_for(Client(), user).get("/ops/").status_code == expected, role
    assert client_for(Client(), platform_admin).get("/ops/").status_code == 200
    assert Client().get("/ops/").status_code == 302


def test_the_admin_links_to_the_page(users, platform_admin):
    html = client_for(Client(), platform_admin).get("/admin/").content.decode()
    assert 'href="/ops/"' in html and "运行状况" in html
