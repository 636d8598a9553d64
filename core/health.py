"""The health checks behind /healthz (for a load balancer or a monitor) and the 运行状况 page:
the database, the task queue's storage (the SQLite file or Redis) and, when one is configured,
the MQTT broker. Each check gives up after HEALTH_TIMEOUT_SECONDS and says how long it took."""

import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass

import paho.mqtt.client as paho
import redis
from django.conf import settings
from django.db import connections
from paho.mqtt.enums import CallbackAPIVersion


@dataclass
class Result:
    key: str  # the machine key: database, queue, broker
    label: str
    ok: bool
    ms: float
    detail: str  # what was reached, or why not (Chinese)

    def as_dict(self) -> dict:
        return {"ok": self.ok, "label": self.label, "ms": round(self.ms, 1), "detail": self.detail}


class Failed(Exception):
    """A check's failure, its Chinese reason."""


# Database checks still running past their time (a host that does not answer): at most this
# many; beyond, the check fails at once instead of starting another thread.
MAX_HANGING = 4
_hanging = threading.BoundedSemaphore(MAX_HANGING)


def check_database(timeout: float) -> str:
    """SELECT 1 on a connection of its own, in a thread, waited for `timeout` seconds: a
    database host that does not answer cannot hold the health check up."""
    if not _hanging.acquire(blocking=False):
        raise Failed("数据库无响应（多次检查仍未返回）")
    outcome: dict = {}

    def run():
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
            outcome["vendor"] = connections["default"].vendor
        except Exception as error:  # any failure is the answer
            outcome["error"] = error
        finally:
            connections.close_all()  # this thread's connection only
            _hanging.release()

    thread = threading.Thread(target=run, name="anjian-healthz-db", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise Failed("数据库连接超时")
    if "error" in outcome:
        raise Failed(f"数据库不可用：{type(outcome['error']).__name__}")
    return outcome["vendor"]


def check_queue(timeout: float) -> str:
    config = settings.HUEY
    if config.get("immediate"):
        return "即时执行（无队列）"
    if "url" in config:
        client = redis.Redis.from_url(
            str(config["url"]), socket_connect_timeout=timeout, socket_timeout=timeout
        )
        try:
            client.ping()
        except redis.RedisError as error:
            raise Failed(f"Redis 不可用：{type(error).__name__}") from None
        finally:
            client.close()
        return "redis"
    filename = config["filename"]
    try:
        # mode=rw: a missing file is a failure, not a new empty queue.
        db = sqlite3.connect(f"file:{filename}?mode=rw", uri=True, timeout=timeout)
        try:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            db.close()
    except sqlite3.Error as error:
        raise Failed(f"任务队列文件不可用：{error}") from None
    return "sqlite"


def check_broker(timeout: float) -> str:
    """An MQTT CONNECT with the configured credentials, answered by a CONNACK within `timeout`."""
    client = paho.Client(
        CallbackAPIVersion.VERSION2,
        client_id=f"anjian-healthz-{uuid.uuid4().hex[:12]}",
        protocol=paho.MQTTv311,
        clean_session=True,
    )
    client.connect_timeout = timeout
    client.username_pw_set(settings.MQTT_USERNAME or None, settings.MQTT_PASSWORD or None)
    answer: dict = {}
    client.on_connect = lambda c, userdata, flags, reason, properties: answer.update(reason=reason)
    deadline = time.monotonic() + timeout
    try:
        client.connect(settings.MQTT_HOST, settings.MQTT_PORT, keepalive=5)
        while "reason" not in answer and time.monotonic() < deadline:
            client.loop(timeout=min(0.05, max(0.0, deadline - time.monotonic())))
    except OSError as error:
        raise Failed(f"MQTT 消息服务器无法连接：{type(error).__name__}") from None
    finally:
        if "reason" in answer:
            client.disconnect()
            client.loop(timeout=0.01)
        sock = client.socket()
        if sock is not None:
            sock.close()
    if "reason" not in answer:
        raise Failed("MQTT 消息服务器应答超时")
    if answer["reason"].is_failure:
        raise Failed(f"MQTT 消息服务器拒绝连接：{answer['reason']}")
    return f"{settings.MQTT_HOST}:{settings.MQTT_PORT}"


CHECKS = {
    "database": ("数据库", check_database),
    "queue": ("任务队列", check_queue),
    "broker": ("MQTT 消息服务器", check_broker),
}


def enabled() -> list[str]:
    return [key for key in CHECKS if key != "broker" or settings.HEALTH_CHECK_BROKER]


def run(keys: list[str] | None = None) -> list[Result]:
    timeout = settings.HEALTH_TIMEOUT_SECONDS
    results = []
    for key in keys or enabled():
        label, check = CHECKS[key]
        start = time.perf_counter()
        try:
            detail, ok = check(timeout), True
        except Failed as error:
            detail, ok = str(error), False
        except Exception as error:  # a check never fails the health answer
            detail, ok = f"检查出错：{type(error).__name__}", False
        results.append(Result(key, label, ok, (time.perf_counter() - start) * 1000, detail))
    return results
