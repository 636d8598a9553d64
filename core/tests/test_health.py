"""/healthz: the database, the task queue's storage and (when configured) the MQTT broker, each
with its result and time; 200 when all pass, 503 naming what failed (a machine key and Chinese),
each check bounded by HEALTH_TIMEOUT_SECONDS; no log-in, no redirect, no rate limit."""

import socket
import threading
import time

import pytest
from django.db import connection, connections
from django.test import Client

from core import health
from core.models import OpsCount, OpsEntry
from monitoring.tests.test_mqtt import Broker, free_port


@pytest.fixture
def quick(settings):
    settings.HEALTH_TIMEOUT_SECONDS = 0.5


def get(path="/healthz"):
    return Client().get(path)


def test_all_pass_with_each_check_and_its_time(db, quick):
    response = get()
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "queue"}  # no broker configured in the tests
    assert body["checks"]["database"]["ok"] and body["checks"]["database"]["label"] == "数据库"
    assert body["checks"]["database"]["detail"] == connection.vendor
    assert all(isinstance(check["ms"], float) for check in body["checks"].values())
    assert "failed" not in body


def test_a_database_that_refuses_is_named(db, quick, monkeypatch, tmp_path):
    # The check's own connection (in its thread) reads the alias' settings anew.
    broken = dict(connections.settings["default"])
    if connection.vendor == "sqlite":
        broken["NAME"] = str(tmp_path / "no-such-dir" / "x.sqlite3")
    else:
        broken.update(HOST="127.0.0.1", PORT=str(free_port()))
    monkeypatch.setitem(connections.settings, "default", broken)
    response = get()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail" and body["failed"] == ["database"]
    assert body["checks"]["database"]["ok"] is False
    assert body["detail"].startswith("数据库：数据库不可用")
    assert body["checks"]["queue"]["ok"] is True


@pytest.fixture
def silent_server():
    """A TCP port that accepts and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def test_a_database_that_does_not_answer_times_out(db, quick, monkeypatch, silent_server):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite 是本地文件，没有无响应的服务器可模拟（PostgreSQL 上运行此项）")
    broken = {**connections.settings["default"], "HOST": "127.0.0.1", "PORT": str(silent_server)}
    monkeypatch.setitem(connections.settings, "default", broken)
    start = time.monotonic()
    response = get()
    assert time.monotonic() - start < 2
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["detail"] == "数据库连接超时"


def test_a_redis_queue_that_is_down_is_named(db, quick, settings):
    settings.HUEY = {**settings.HUEY, "url": f"redis://127.0.0.1:{free_port()}/0"}
    response = get()
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["queue"]
    assert body["checks"]["queue"]["label"] == "任务队列"
    assert "Redis 不可用" in body["detail"]


def test_a_redis_queue_that_answers_passes(db, quick, settings):
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        pytest.skip("本机 6379 端口没有 Redis：未检查 Redis 队列的正常应答")
    settings.HUEY = {**settings.HUEY, "url": "redis://127.0.0.1:6379/0"}
    response = get()
    assert response.status_code == 200
    assert response.json()["checks"]["queue"]["detail"] == "redis"


def test_a_missing_sqlite_queue_file_is_named(db, quick, settings, tmp_path):
    settings.HUEY = {
        key: value for key, value in settings.HUEY.items() if key not in ("url", "huey_class")
    } | {"filename": str(tmp_path / "gone" / "tasks.sqlite3")}
    response = get()
    assert response.status_code == 503
    assert response.json()["failed"] == ["queue"]
    assert not (tmp_path / "gone").exists()  # the check made no new queue


@pytest.fixture
def broker_at(settings):
    def point(port):
        settings.HEALTH_CHECK_BROKER = True
        settings.MQTT_HOST, settings.MQTT_PORT = "127.0.0.1", port

    return point


def test_a_broker_that_refuses_the_connection_is_named(db, quick, broker_at):
    broker_at(free_port())
    response = get()
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["broker"]
    assert body["checks"]["broker"]["label"] == "MQTT 消息服务器"
    assert "无法连接" in body["detail"]


def test_a_broker_that_does_not_answer_times_out(db, quick, broker_at, silent_server):
    broker_at(silent_server)
    start = time.monotonic()
    response = get()
    assert time.monotonic() - start < 2
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["detail"] == "MQTT 消息服务器应答超时"


@pytest.fixture(scope="module")
def mosquitto(tmp_path_factory):
    started = Broker(tmp_path_factory.mktemp("healthz-mosquitto"))
    started.start()
    yield started
    started.kill()


def test_a_running_broker_passes(db, quick, broker_at, mosquitto):
    broker_at(mosquitto.port)
    response = get()
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["broker"] == {
        "ok": True,
        "label": "MQTT 消息服务器",
        "ms": response.json()["checks"]["broker"]["ms"],
        "detail": f"127.0.0.1:{mosquitto.port}",
    }


def test_the_broker_is_left_out_unless_configured(settings):
    settings.HEALTH_CHECK_BROKER = False
    assert health.enabled() == ["database", "queue"]
    settings.HEALTH_CHECK_BROKER = True
    assert health.enabled() == ["database", "queue", "broker"]


def test_a_load_balancer_may_ask_some_checks_only(db, quick, broker_at):
    broker_at(free_port())  # down, but not asked
    response = get("/healthz?check=database")
    assert response.status_code == 200
    assert list(response.json()["checks"]) == ["database"]
    response = get("/healthz?check=nothing")
    assert response.status_code == 400
    assert response.json()["detail"] == "未知的检查项：nothing"


def test_no_login_no_rate_limit_and_nothing_written(db, quick, broker_at):
    for _ in range(20):
        assert get().status_code == 200
    broker_at(free_port())
    for _ in range(3):
        assert get().status_code == 503
    # The probe's 503s are its answer, not server errors to count.
    assert not OpsCount.objects.exists() and not OpsEntry.objects.exists()
