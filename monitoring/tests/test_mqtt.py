"""MQTT ingestion: the message logic (monitoring.mqtt) on its own, then `manage.py ingest_mqtt`
as a real process against the real Mosquitto on MQTT_HOST:MQTT_PORT (127.0.0.1:1883; `.ci/run`
starts it): readings stored once, bad messages dropped without stopping the worker, no loss
when the worker is killed mid-stream, and two workers sharing one subscription.

The worker process reaches the test database: on PostgreSQL the test database itself (the
tests commit, transaction=True); on SQLite, whose test database lives in memory, a file copy
made after the test's gateways and points, which the test then reads back."""

import copy
import getpass
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import paho.mqtt.client as paho
import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from paho.mqtt.enums import CallbackAPIVersion

from monitoring import mqtt
from monitoring.alarm_rules import Evaluator
from monitoring.conftest import at, make_gateway, make_point
from monitoring.ingest import sqlite_stamp
from monitoring.management.commands.ingest_mqtt import Worker
from monitoring.models import Alarm, Condition, IngestWorker, Reading

BASE_DIR = Path(settings.BASE_DIR)


def topic_a():
    return mqtt.telemetry_topic("GW-A")


def message(token, readings, **extra):
    return json.dumps({"token": token, "readings": readings, **extra}).encode()


# --- the message logic, without a broker ---------------------------------------------------


@pytest.mark.django_db
def test_a_message_is_stored_like_a_request(gateway_a, points_a, now):
    readings = [
        {"point": "dp1", "ts": at(now, -60), "value": 900},
        {"point": "dp1", "ts": at(now), "value": 910},
        {"point": "nope", "ts": at(now), "value": 1},
    ]
    handled = mqtt.handle(topic_a(), message(gateway_a.token, readings, id="m-1"))
    assert not handled.dropped
    assert handled.response() == {
        "accepted": 2,
        "duplicate": 0,
        "rejected": 1,
        "errors": [{"index": 2, "point": "nope", "reason": "未知点位：nope"}],
        "status": 200,
        "id": "m-1",
    }
    again = mqtt.handle(topic_a(), message(gateway_a.token, readings[:2]))
    assert (again.outcome.accepted, again.outcome.duplicate) == (0, 2)
    assert Reading.objects.count() == 2


@pytest.mark.django_db
@override_settings(TELEMETRY_MAX_READINGS=2, TELEMETRY_MAX_BYTES=2000)
@pytest.mark.parametrize(
    "topic, payload, status, reason",
    [
        ("{root}/other/GW-A", "good", 400, "主题应为 {prefix}/<网关编码>"),
        ("{prefix}/GW-A/x", "good", 400, "主题应为"),
        ("{prefix}/GW-A", "big", 413, "消息超过 2000 字节"),
        ("{prefix}/GW-A", b'{"token": ', 422, "消息不是有效的 JSON"),
        ("{prefix}/GW-A", b"\xff\xfe", 422, "消息不是有效的 JSON"),
        ("{prefix}/GW-A", b"[" * 1900, 422, "消息不是有效的 JSON"),
        ("{prefix}/GW-A", b"[1, 2]", 422, "消息须为 JSON 对象"),
        ("{prefix}/GW-A", "no token", 401, "缺少网关令牌"),
        ("{prefix}/GW-A", "bad token", 401, "网关令牌无效"),
        ("{prefix}/GW-A", "token of B", 403, "令牌不属于主题中的网关"),
        ("{prefix}/GW-B", "good", 403, "令牌不属于主题中的网关"),
        ("{prefix}/GW-A", "no readings", 422, "消息须含数组 readings"),
        ("{prefix}/GW-A", "three readings", 413, "每条消息最多 2 条数据"),
    ],
)
def test_a_bad_message_is_dropped_with_its_reason(
    gateway_a, points_a, gateway_b, now, topic, payload, status, reason
):
    reading = {"point": "dp1", "ts": at(now), "value": 900}
    payloads = {
        "good": message(gateway_a.token, [reading]),
        "big": message(gateway_a.token, [reading], pad="x" * 2000),
        "no token": json.dumps({"readings": [reading]}).encode(),
        "bad token": message("gw_" + "x" * 43, [reading]),
        "token of B": message(gateway_b.token, [reading]),
        "no readings": json.dumps({"token": gateway_a.token, "readings": "dp1"}).encode(),
        "three readings": message(gateway_a.token, [reading] * 3),
    }
    prefix = settings.MQTT_TOPIC_PREFIX
    names = {"prefix": prefix, "root": prefix.split("/")[0]}
    handled = mqtt.handle(topic.format(**names), payloads.get(payload, payload))
    assert handled.dropped
    assert handled.status == status
    assert handled.error.startswith(reason.format(**names))
    assert handled.response()["error"] == handled.error
    assert Reading.objects.count() == 0


@pytest.mark.django_db
@override_settings(GATEWAY_TOKEN_GRACE_HOURS=24)
def test_a_rotated_token_stays_valid_for_the_grace_period(
    client, users, gateway_a, points_a, now, monkeypatch
):
    """What a gateway queued under its old token (at the broker, or in its own buffer for
    HTTP) still gets in for GATEWAY_TOKEN_GRACE_HOURS after a rotation; then it is refused."""
    from django.utils import timezone

    from accounts.roles import Role
    from monitoring import services

    old = gateway_a.token
    _, new = services.rotate_token(users[Role.SUPERVISOR], gateway_a.pk)

    def over_mqtt(token, second):
        reading = {"point": "dp1", "ts": at(now, second), "value": 900}
        return mqtt.handle(topic_a(), message(token, [reading]))

    def over_http(token, second):
        return client.post(
            "/api/v1/telemetry",
            data={"readings": [{"point": "dp1", "ts": at(now, second), "value": 900}]},
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    assert over_mqtt(old, -10).outcome.accepted == 1
    assert over_http(old, -9).json()["accepted"] == 1
    assert over_mqtt(new, -8).outcome.accepted == 1
    assert Reading.objects.count() == 3
    # The page says until when the old token is accepted.
    client.force_login(users[Role.SUPERVISOR])
    page = client.get(f"/monitoring/gateways/?enterprise={gateway_a.enterprise_id}").content
    until = timezone.localtime(timezone.now() + timedelta(hours=24))
    assert f"旧令牌 …{old[-4:]} 有效至 {until:%Y-%m-%d %H:}".encode() in page
    client.logout()

    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(hours=24, seconds=1))
    refused = over_mqtt(old, -7)
    assert (refused.status, refused.error) == (401, "网关令牌无效（bad token）")
    assert over_http(old, -6).status_code == 401
    assert over_mqtt(new, -5).outcome.accepted == 1
    assert Reading.objects.count() == 4


@pytest.mark.django_db
def test_a_token_remembered_by_the_worker_is_refused_once_the_gateway_is_switched_off(
    gateway_a, points_a, now
):
    from monitoring.models import Gateway

    first = mqtt.handle(
        topic_a(), message(gateway_a.token, [{"point": "dp1", "ts": at(now, -20), "value": 900}])
    )
    assert first.outcome.accepted == 1
    Gateway.objects.filter(pk=gateway_a.pk).update(active=False)
    with CaptureQueriesContext(connection) as queries:
        later = mqtt.handle(
            topic_a(),
            message(gateway_a.token, [{"point": "dp1", "ts": at(now, -10), "value": 901}]),
        )
    # Found in the worker's memory (no lookup by token), refused as it was to be stored.
    assert not any('"token_hash" IN' in q["sql"] for q in queries)
    assert (later.status, later.error) == (401, "网关令牌无效（bad token）")
    assert Reading.objects.count() == 1


@pytest.mark.django_db
def test_a_second_rotation_ends_the_first_token_at_once(users, gateway_a):
    from accounts.roles import Role
    from monitoring import services

    first = gateway_a.token
    _, second = services.rotate_token(users[Role.SUPERVISOR], gateway_a.pk)
    _, third = services.rotate_token(users[Role.SUPERVISOR], gateway_a.pk)
    assert services.gateway_for_token(first) is None
    assert services.gateway_for_token(second) == gateway_a
    assert services.gateway_for_token(third) == gateway_a


# --- the worker's acks and retries, with a stand-in for the connection ---------------------


class FakeClient:
    """Records what the worker sends; `on_ack` runs at each ack."""

    def __init__(self, on_ack=None):
        self.acks, self.published, self.on_ack = [], [], on_ack

    def ack(self, mid, qos):
        if self.on_ack:
            self.on_ack(mid)
        self.acks.append(mid)

    def publish(self, topic, payload, qos):
        self.published.append((topic, json.loads(payload)))


@pytest.fixture
def keep_connection(monkeypatch):
    """The worker recycles database connections between batches and after errors; inside a
    test's transaction that would close the test's own connection, so here it does nothing."""
    from monitoring.management.commands import ingest_mqtt

    monkeypatch.setattr(ingest_mqtt, "close_old_connections", lambda: None)
    monkeypatch.setattr(ingest_mqtt.connections, "close_all", lambda: None)


def make_worker(client):
    worker = Worker(
        client_id="test",
        group="g",
        session_expiry=60,
        inflight=10,
        batch=10,
        keepalive=30,
        results=True,
        say=lambda text: None,
    )
    worker.client = client
    worker.retry_delay = 0.01
    return worker


def incoming(mid, topic, payload):
    received = paho.MQTTMessage(mid=mid, topic=topic.encode())
    received.payload, received.qos = payload, 1
    return received


def taken(generation, received):
    """A message as the worker takes it from its queue: its envelope parsed."""
    return generation, received, mqtt.parse(received.topic, received.payload)


@pytest.mark.django_db
def test_the_worker_acks_after_storing_and_drops_bad_messages(
    gateway_a, points_a, now, keep_connection
):
    good = [{"point": "dp1", "ts": at(now), "value": 900}]
    # At the ack, the readings are there.
    client = FakeClient(on_ack=lambda mid: mid != 1 or Reading.objects.get())
    worker = make_worker(client)
    batch = [
        taken(0, incoming(1, topic_a(), message(gateway_a.token, good))),
        taken(0, incoming(2, topic_a(), b"nonsense")),
    ]
    worker._process(batch)
    assert client.acks == [1, 2]
    assert [topic for topic, _ in client.published] == [mqtt.result_topic("GW-A")] * 2
    assert client.published[0][1]["accepted"] == 1
    assert client.published[1][1]["status"] == 422
    assert (worker.stored, worker.dropped) == (1, 1)


@pytest.mark.django_db
def test_no_ack_on_a_connection_other_than_the_one_it_came_in_on(
    gateway_a, points_a, now, keep_connection
):
    client = FakeClient()
    worker = make_worker(client)
    worker.generation = 2  # reconnected since: the broker sends the message again
    good = [{"point": "dp1", "ts": at(now), "value": 900}]
    worker._process([taken(1, incoming(7, topic_a(), message(gateway_a.token, good)))])
    assert client.acks == []
    assert Reading.objects.count() == 1  # stored all the same: a duplicate when it comes again


def test_database_errors_are_retried_and_never_acked_as_dropped(monkeypatch, keep_connection):
    calls = []

    def flaky(topic, payload):
        calls.append(topic)
        if len(calls) < 3:
            raise OperationalError("connection refused")
        return mqtt.Handled(topic, "GW-A", error="whatever", status=401)

    monkeypatch.setattr(mqtt, "handle", flaky)
    worker = make_worker(FakeClient())
    assert worker._handle(incoming(1, topic_a(), b"{}")).status == 401
    assert len(calls) == 3

    # Asked to stop while the database is away: the message stays unacknowledged.
    def away(*args, **kwargs):
        worker.stop.set()
        raise OperationalError("connection refused")

    monkeypatch.setattr(mqtt, "handle_many", away)
    worker._process([taken(0, incoming(2, topic_a(), b"{}"))])
    assert worker.client.acks == []
    assert worker.client.published == []


@pytest.mark.django_db
def test_a_message_that_keeps_failing_is_given_up(monkeypatch, keep_connection):
    def broken(*args, **kwargs):
        raise KeyError("bug")

    monkeypatch.setattr(mqtt, "handle_many", broken)  # the batch, then the message alone
    monkeypatch.setattr(mqtt, "handle", broken)
    client = FakeClient()
    worker = make_worker(client)
    worker._process([taken(0, incoming(3, topic_a(), b"{}"))])
    assert client.acks == [3]
    assert client.published == [
        (
            mqtt.result_topic("GW-A"),
            {"error": "服务器处理失败，消息已丢弃（server error）", "status": 500},
        )
    ]
    from core.models import OpsEntry

    [entry] = OpsEntry.objects.all()
    assert (entry.source, entry.exception) == ("ingest", "builtins.KeyError")


# --- micro-batching: several messages in one transaction (issue 13) -------------------------


def _payloads(gateway, readings_list):
    return [message(gateway.token, readings) for readings in readings_list]


@pytest.mark.django_db
def test_a_batch_of_several_gateways_is_stored_together_then_acked(
    gateway_a, points_a, gateway_b, now, keep_connection
):
    a = [
        [
            {"point": "dp1", "ts": at(now, n - 60), "value": 900},
            {"point": "t1", "ts": at(now, n - 60), "value": 40},
        ]
        for n in range(3)
    ]
    b = [[{"point": "dpb", "ts": at(now, n - 60), "value": 800}] for n in range(2)]
    a.append(a[0])  # sent again within the batch: duplicates
    sent = [
        (topic_a(), message(gateway_a.token, a[0])),
        (mqtt.telemetry_topic("GW-B"), message(gateway_b.token, b[0])),
        (topic_a(), message(gateway_a.token, a[1])),
        (topic_a(), message("gw_wrong", a[1])),
        (mqtt.telemetry_topic("GW-B"), message(gateway_b.token, b[1])),
        (topic_a(), message(gateway_a.token, a[2])),
        (topic_a(), message(gateway_a.token, a[3])),
    ]
    seen_at_ack = []
    client = FakeClient(on_ack=lambda mid: seen_at_ack.append(Reading.objects.count()))
    worker = make_worker(client)
    batch = [taken(0, incoming(mid, topic, payload)) for mid, (topic, payload) in enumerate(sent)]
    with CaptureQueriesContext(connection) as queries:
        assert worker._process(batch)
    # Everything was stored before the first ack; then each message is acked, in order.
    assert seen_at_ack == [8] * len(sent)
    assert client.acks == list(range(len(sent)))
    answers = [answer for _, answer in client.published]
    assert [topic for topic, _ in client.published] == [
        mqtt.result_topic(code) for code in ("GW-A", "GW-B", "GW-A", "GW-A", "GW-B", "GW-A", "GW-A")
    ]
    assert [(r.get("accepted"), r.get("duplicate"), r["status"]) for r in answers] == [
        (2, 0, 200),
        (1, 0, 200),
        (2, 0, 200),
        (None, None, 401),
        (1, 0, 200),
        (2, 0, 200),
        (0, 2, 200),
    ]
    assert (worker.stored, worker.dropped) == (6, 1)
    # One transaction: the gateways' last_seen_at written once for the batch.
    updates = [q for q in queries.captured_queries if "UPDATE monitoring_gateway" in q["sql"]]
    assert len(updates) == 1
    gateway_a.refresh_from_db()
    gateway_b.refresh_from_db()
    assert gateway_a.last_seen_at and gateway_b.last_seen_at


@pytest.mark.django_db
def test_a_poison_message_is_rejected_alone_and_the_rest_of_its_batch_stored(
    gateway_a, points_a, gateway_b, now, keep_connection, monkeypatch
):
    evaluate = Evaluator.evaluate

    def poisoned(self, stored, faults=()):
        if any(value == 666 for _, _, value in stored):
            raise ZeroDivisionError("a bug that this reading brings out")
        return evaluate(self, stored, faults)

    monkeypatch.setattr(Evaluator, "evaluate", poisoned)
    sent = [
        (topic_a(), message(gateway_a.token, [{"point": "dp1", "ts": at(now, -3), "value": 900}])),
        (topic_a(), message(gateway_a.token, [{"point": "dp1", "ts": at(now, -2), "value": 666}])),
        (
            mqtt.telemetry_topic("GW-B"),
            message(gateway_b.token, [{"point": "dpb", "ts": at(now, -2), "value": 800}]),
        ),
        (topic_a(), message(gateway_a.token, [{"point": "dp1", "ts": at(now, -1), "value": 901}])),
    ]
    client = FakeClient()
    worker = make_worker(client)
    worker._process([taken(0, incoming(mid, t, p)) for mid, (t, p) in enumerate(sent)])
    assert client.acks == [0, 1, 2, 3]
    assert [answer["status"] for _, answer in client.published] == [200, 500, 200, 200]
    assert sorted(Reading.objects.values_list("value", flat=True)) == [800, 900, 901]
    assert (worker.stored, worker.dropped) == (3, 1)
    # The failed batch counts on the 运行状况 page as 采集, with its exception class.
    from core.models import OpsCount, OpsEntry

    [entry] = OpsEntry.objects.filter(kind=OpsEntry.Kind.ERROR)
    assert (entry.source, entry.exception) == ("ingest", "builtins.ZeroDivisionError")
    assert entry.path == f"mqtt:{worker.client_id}"
    assert entry.get_source_display() == "采集"
    assert OpsCount.objects.get().errors == 1


def test_an_ingest_batchs_slow_statements_count_as_ingest_and_a_quick_one_writes_nothing(
    gateway_a, points_a, now, keep_connection, settings
):
    from django.db import connection

    from core import ops
    from core.models import OpsCount, OpsEntry

    client = FakeClient()
    worker = make_worker(client)
    payload = message(gateway_a.token, [{"point": "dp1", "ts": at(now, -3), "value": 900}])
    worker._process([taken(0, incoming(1, topic_a(), payload))])
    assert not OpsEntry.objects.exists() and not OpsCount.objects.exists()
    settings.SLOW_QUERY_MS = 0
    payload = message(gateway_a.token, [{"point": "dp1", "ts": at(now, -2), "value": 901}])
    worker._process([taken(0, incoming(2, topic_a(), payload))])
    slow = OpsEntry.objects.filter(kind=OpsEntry.Kind.SLOW)
    assert slow.exists() and {entry.source for entry in slow} == {"ingest"}
    assert OpsCount.objects.get().slow_queries >= slow.count()
    assert not [w for w in connection.execute_wrappers if isinstance(w, ops.SlowStatements)]


@pytest.mark.django_db
def test_two_messages_of_a_gateway_out_of_order_in_one_batch_are_judged_by_time(
    gateway_a, points_a, now, keep_connection
):
    co = make_point(gateway_a, "co1", "co", equipment="煤气发生炉")
    leak = now - timedelta(minutes=10)
    first = [
        {"point": "co1", "ts": at(leak), "value": 50},
        {"point": "dp1", "ts": at(leak), "value": 900},
    ]
    second = [
        {"point": "co1", "ts": at(leak, 30), "value": 10},
        {"point": "dp1", "ts": at(leak, 30), "value": 905},
    ]
    client = FakeClient()
    worker = make_worker(client)
    worker._process(
        [
            taken(0, incoming(1, topic_a(), message(gateway_a.token, second))),
            taken(0, incoming(2, topic_a(), message(gateway_a.token, first))),
        ]
    )
    assert client.acks == [1, 2]
    alarm = Alarm.objects.get()
    assert (alarm.condition, alarm.peak_value) == (Condition.HIGH, 50)
    assert alarm.first_at == leak
    assert alarm.cleared_at == leak + timedelta(seconds=30)  # the later reading ended it
    co.refresh_from_db()
    assert (co.last_ts, co.last_value, co.high_since) == (leak + timedelta(seconds=30), 10, None)


@pytest.mark.django_db
def test_a_database_error_mid_batch_leaves_all_unacked_then_stores_them_once(
    gateway_a, points_a, gateway_b, now, keep_connection, monkeypatch
):
    from monitoring import ingest as ingest_module

    insert, calls = ingest_module._insert, []

    def flaky(rows, moments=None):
        calls.append(len(rows))
        if len(calls) == 1:  # the gateways locked and the readings checked: then the database goes
            raise OperationalError("server closed the connection unexpectedly")
        return insert(rows, moments)

    monkeypatch.setattr(ingest_module, "_insert", flaky)
    acked_after = []
    client = FakeClient(on_ack=lambda mid: acked_after.append(len(calls)))
    worker = make_worker(client)
    sent = [
        (topic_a(), message(gateway_a.token, [{"point": "dp1", "ts": at(now, -2), "value": 900}])),
        (
            mqtt.telemetry_topic("GW-B"),
            message(gateway_b.token, [{"point": "dpb", "ts": at(now, -2), "value": 800}]),
        ),
        (topic_a(), message(gateway_a.token, [{"point": "t1", "ts": at(now, -1), "value": 40}])),
    ]
    assert worker._process([taken(0, incoming(mid, t, p)) for mid, (t, p) in enumerate(sent)])
    assert calls == [3, 3]  # the whole batch again
    assert acked_after == [2, 2, 2]  # none acked before the retry stored them
    assert client.acks == [0, 1, 2]
    assert [(a["accepted"], a["duplicate"]) for _, a in client.published] == [(1, 0)] * 3
    assert Reading.objects.count() == 3


def test_a_batch_is_what_arrives_within_the_window_up_to_the_reading_cap(monkeypatch):
    worker = make_worker(FakeClient())
    worker.window, worker.batch_readings = 0.05, 5
    readings = [{"point": "dp1", "ts": "2026-01-01T00:00:00+08:00", "value": 1}]
    for mid, count in enumerate([2, 2, 2, 1]):
        worker.messages.put((0, incoming(mid, topic_a(), message("t", readings * count))), 1)
    first = worker._next_batch()
    assert [message.mid for _, message, _ in first] == [0, 1]  # a third would pass the cap
    second = worker._next_batch()
    assert [message.mid for _, message, _ in second] == [2, 3]
    started = time.monotonic()
    worker.messages.put((0, incoming(9, topic_a(), b"{}")), 1)
    later = threading.Timer(
        0.02, lambda: worker.messages.put((0, incoming(10, topic_a(), b"{}")), 1)
    )
    later.start()
    third = worker._next_batch()  # waited the window for the second one
    assert [message.mid for _, message, _ in third] == [9, 10]
    assert time.monotonic() - started >= 0.05
    # One message always fits, however many readings it has.
    worker.messages.put((0, incoming(11, topic_a(), message("t", readings * 9))), 1)
    assert [message.mid for _, message, _ in worker._next_batch()] == [11]


def test_a_waiting_worker_takes_a_message_as_soon_as_it_arrives():
    # The queue between paho's thread and the worker's: a put wakes the get that waits. (It
    # did not: an idle worker slept out its wait, up to 0.2 s, with a message queued.)
    worker = make_worker(FakeClient())
    later = threading.Timer(0.05, lambda: worker.messages.put((0, "message"), 1))
    started = time.monotonic()
    later.start()
    assert worker.messages.get(timeout=10) == (0, "message")
    assert time.monotonic() - started < 5


# --- the worker against the real broker ----------------------------------------------------


SHIPPED_CONFIG = BASE_DIR / "deploy" / "mosquitto.conf"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Broker:
    """A Mosquitto process of the test's own, with the configuration the project ships
    (deploy/mosquitto.conf) on a free port and with a directory of its own: the tests do not
    depend on a system broker or its stock settings."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        text = SHIPPED_CONFIG.read_text()
        text, listeners = re.subn(
            r"^listener 1883 127\.0\.0\.1$", f"listener {self.port} 127.0.0.1", text, flags=re.M
        )
        text, locations = re.subn(
            r"^persistence_location .*$", f"persistence_location {directory}/", text, flags=re.M
        )
        assert (listeners, locations) == (1, 1), "deploy/mosquitto.conf changed shape"
        # The $SYS counters every second, not every 10: a test reads them soon after a burst.
        text = re.sub(r"^sys_interval .*$", "sys_interval 1", text, flags=re.M)
        # As root, Mosquitto would switch to the user "mosquitto", who cannot write here.
        text += f"\nuser {getpass.getuser()}\n"
        self.config = directory / "mosquitto.conf"
        self.config.write_text(text)
        self.process = None

    def start(self):
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        if not Path(binary).exists():
            pytest.fail("mosquitto is not installed (make broker-deps installs it)")
        self.process = subprocess.Popen(  # noqa: S603 (a fixed command)
            [binary, "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=(self.directory / "mosquitto.log").open("ab"),
        )

        def listening():
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            except OSError:
                return False
            return True

        if not wait_until(listening, 10):
            log = (self.directory / "mosquitto.log").read_text()
            pytest.fail(f"mosquitto did not start:\n{log}")

    def stop(self):
        """A clean stop: Mosquitto writes its persistence file."""
        self.process.terminate()
        self.process.wait(10)

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture(scope="session")
def broker(tmp_path_factory):
    """This test run's broker: the port every worker and client of the tests uses."""
    started = Broker(tmp_path_factory.mktemp("mosquitto"))
    started.start()
    yield started
    started.kill()


class SharedDatabase:
    """The test database as a worker process reaches it, and the readings it holds."""

    def __init__(self, tmp_path):
        self.env = {
            name: value
            for name, value in os.environ.items()
            if name not in {"DATABASE_URL", "REDIS_URL", "SQLITE_NAME", "TASKS_IMMEDIATE"}
        }
        self.env.update(
            ANJIAN_VAR_DIR=str(tmp_path),
            SECRET_KEY="mqtt-test-secret-key",
            PYTHONUNBUFFERED="1",
            LOG_LEVEL="WARNING",
            MQTT_SESSION_EXPIRY="60",
        )
        self.sqlite = connection.vendor == "sqlite"
        if self.sqlite:
            self.path = tmp_path / "worker.sqlite3"
            self.env["SQLITE_NAME"] = self.path.name
        else:
            s = connection.settings_dict
            credentials = quote(s["USER"] or "", safe="")
            if s["PASSWORD"]:
                credentials += ":" + quote(s["PASSWORD"], safe="")
            host = s["HOST"] or "127.0.0.1"
            port = f":{s['PORT']}" if s["PORT"] else ""
            self.env["DATABASE_URL"] = f"postgres://{credentials}@{host}{port}/{s['NAME']}"

    def share(self):
        """Make what the test has created so far visible to worker processes."""
        if self.sqlite:
            connection.ensure_connection()
            target = sqlite3.connect(self.path)
            connection.connection.backup(target)
            target.close()

    def worker_rows(self) -> dict[str, dict]:
        """The workers' heartbeat rows (IngestWorker) by client id."""
        names = ["client_id", "stopped_at", "session_kept_until", "queue_peak", "broker"]
        if self.sqlite:
            source = sqlite3.connect(self.path, timeout=10)
            try:
                rows = source.execute(
                    f"SELECT {', '.join(names)} FROM monitoring_ingestworker"  # noqa: S608
                ).fetchall()
            finally:
                source.close()
            rows = [dict(zip(names, row, strict=True)) for row in rows]
            for row in rows:
                row["broker"] = json.loads(row["broker"])
        else:
            rows = list(IngestWorker.objects.values(*names))
        return {row["client_id"]: row for row in rows}

    def readings(self, point):
        """The point's stored readings as (ts as SQLite stores it, value)."""
        if self.sqlite:
            source = sqlite3.connect(self.path, timeout=10)
            try:
                return source.execute(
                    "SELECT ts, value FROM monitoring_reading WHERE point_id = ?", [point.pk]
                ).fetchall()
            finally:
                source.close()
        rows = Reading.objects.filter(point=point).values_list("ts", "value")
        return [(sqlite_stamp(ts), value) for ts, value in rows]


class WorkerProcess:
    """`manage.py ingest_mqtt` in its own process, its output collected."""

    def __init__(self, db, client_id, group, port, *options):
        self.lines: list[str] = []
        command = [sys.executable, str(BASE_DIR / "manage.py"), "ingest_mqtt"]
        command += ["--client-id", client_id]
        if group:
            command += ["--group", group]
        self.process = subprocess.Popen(  # noqa: S603 (our own manage.py)
            [*command, *options],
            cwd=BASE_DIR,
            env={**db.env, "MQTT_PORT": str(port)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip())

    @property
    def output(self):
        return "\n".join(self.lines)

    def wait_for(self, text, timeout=15, times=1):
        deadline = time.monotonic() + timeout
        while sum(text in line for line in self.lines) < times:
            if self.process.poll() is not None:
                pytest.fail(f"worker exited ({self.process.returncode}):\n{self.output}")
            if time.monotonic() > deadline:
                pytest.fail(f"worker did not say {text!r}:\n{self.output}")
            time.sleep(0.02)

    def stop(self):
        """SIGTERM, and the number of messages it says it stored."""
        self.process.send_signal(signal.SIGTERM)
        assert self.process.wait(30) == 0, self.output
        self.wait_for("已停止")
        return self.figure("入库消息")

    def figure(self, label):
        """A number of its last words (已停止：入库消息 N 条，… 内存队列峰值 N 条 / N 字节 …)."""
        line = next(line for line in reversed(self.lines) if line.startswith("已停止"))
        return int(re.search(rf"{label} (\d+)", line).group(1))


@pytest.fixture
def workers(broker, tmp_path):
    """start(db, client_id, group=None, port=None, *options) -> WorkerProcess, on this run's
    broker unless another port is given; every worker is gone after the test."""
    started: list[WorkerProcess] = []

    def start(db, client_id, group=None, port=None, *options):
        worker = WorkerProcess(db, client_id, group, port or broker.port, *options)
        started.append(worker)
        worker.wait_for("已订阅")
        return worker

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.process.kill()
            worker.process.wait(10)


class Client:
    """A gateway's side: publishes QoS 1 and collects what comes back on the result topic."""

    def __init__(self, code, port, protocol=paho.MQTTv5):
        self.results: list[dict] = []
        self.client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id=f"test-{uuid.uuid4().hex}", protocol=protocol
        )
        self.client.on_message = lambda c, u, m: self.results.append(json.loads(m.payload))
        subscribed = threading.Event()
        self.client.on_subscribe = lambda *args: subscribed.set()
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        if code:
            self.client.subscribe(mqtt.result_topic(code), qos=0)
            assert subscribed.wait(5)

    def publish(self, code, payload):
        return self.client.publish(mqtt.telemetry_topic(code), payload, qos=1)

    def wait_results(self, count, timeout=10):
        deadline = time.monotonic() + timeout
        while len(self.results) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.results

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def clients(broker):
    made: list[Client] = []

    def make(code=None, port=None, protocol=paho.MQTTv5):
        made.append(Client(code, port or broker.port, protocol))
        return made[-1]

    yield make
    for client in made:
        client.close()


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def wait_until(condition, timeout):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def series(now, count, start=0):
    """`count` readings of a pressure difference a second apart, ending before now, calm
    enough to raise no alarm; and what they become in the database."""
    readings, stored = [], set()
    for i in range(start, start + count):
        ts = now.replace(microsecond=0) - timedelta(seconds=10_000 - i)
        value = 800 + (i % 10) / 100
        readings.append({"point": "dp1", "ts": at(ts), "value": value})
        stored.add((sqlite_stamp(ts), value))
    return readings, stored


def publish_all(publisher, code, payloads):
    sent = [publisher.publish(code, payload) for payload in payloads]
    for info in sent:
        info.wait_for_publish(30)
    return sent


def messages(token, now, count, per_message, **extra):
    """`count` messages of `per_message` readings each (series, one after another), and what
    they all become in the database."""
    payloads, expected = [], set()
    for n in range(count):
        readings, stored = series(now, per_message, start=n * per_message)
        payloads.append(message(token, readings, **extra))
        expected |= stored
    return payloads, expected


@pytest.fixture
def shared(tmp_path, enterprise_a, enterprise_b):
    """A gateway with one point (unique codes, so nothing of an earlier run interferes), a
    second gateway, and the database the worker processes see."""
    gateway = make_gateway(enterprise_a, unique("GW"))
    point = make_point(gateway, "dp1", "pressure_diff")
    other = make_gateway(enterprise_b, unique("GW"))
    make_point(other, "dp1", "pressure_diff")
    db = SharedDatabase(tmp_path)
    db.share()
    return gateway, point, other, db


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_published_readings_are_stored_once(shared, workers, clients, now):
    gateway, point, _other, db = shared
    workers(db, unique("test-ingest"), unique("g"))
    gateway_side = clients(gateway.code)
    readings, stored = series(now, 3)
    bad = {"point": "dp1", "ts": at(now), "value": 1e9}
    gateway_side.publish(gateway.code, message(gateway.token, [*readings, bad], id=1))
    gateway_side.publish(gateway.code, message(gateway.token, readings, id=2))
    first, second = gateway_side.wait_results(2)
    assert first == {
        "accepted": 3,
        "duplicate": 0,
        "rejected": 1,
        "errors": [{"index": 3, "point": "dp1", "reason": first["errors"][0]["reason"]}],
        "status": 200,
        "id": 1,
    }
    assert "超出量程" in first["errors"][0]["reason"]
    assert (second["accepted"], second["duplicate"], second["id"]) == (0, 3, 2)
    assert sorted(db.readings(point)) == sorted(stored)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_gateway_speaking_mqtt_3_1_1_is_stored_and_answered(shared, workers, clients, now):
    """Most field gateways speak MQTT 3.1.1; the workers' own sessions are MQTT 5."""
    gateway, point, _other, db = shared
    workers(db, unique("test-ingest"), unique("g"))
    gateway_side = clients(gateway.code, protocol=paho.MQTTv311)
    readings, stored = series(now, 3)
    gateway_side.publish(gateway.code, message(gateway.token, readings, id="v311"))
    (answer,) = gateway_side.wait_results(1)
    assert (answer["accepted"], answer["status"], answer["id"]) == (3, 200, "v311")
    assert sorted(db.readings(point)) == sorted(stored)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_bad_messages_are_dropped_and_the_worker_goes_on(shared, workers, clients, now):
    gateway, point, other, db = shared
    client_id, group = unique("test-ingest"), unique("g")
    worker = workers(db, client_id, group)
    gateway_side = clients(gateway.code)
    readings, stored = series(now, 2)
    gateway_side.publish(gateway.code, b"{not json")
    gateway_side.publish(gateway.code, message("gw_wrong", readings))
    gateway_side.publish(gateway.code, message(other.token, readings))
    gateway_side.publish(gateway.code, json.dumps({"token": gateway.token}).encode())
    gateway_side.publish(gateway.code, message(gateway.token, readings))
    results = gateway_side.wait_results(5)
    assert [r["status"] for r in results] == [422, 401, 403, 422, 200]
    assert results[0]["error"] == "消息不是有效的 JSON（malformed JSON）"
    assert results[1]["error"] == "网关令牌无效（bad token）"
    assert results[2]["error"] == "令牌不属于主题中的网关（token of another gateway）"
    assert results[4]["accepted"] == 2
    assert worker.process.poll() is None
    assert sorted(db.readings(point)) == sorted(stored)
    assert "消息已丢弃" in worker.output
    # Dropped means acknowledged: the same session, resumed, gets none of them again.
    assert worker.stop() == 1
    workers(db, client_id, group)
    time.sleep(1)
    assert len(gateway_side.results) == 5


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_killing_the_worker_mid_stream_loses_nothing(shared, workers, clients, now):
    gateway, point, _other, db = shared
    client_id, group = unique("test-ingest"), unique("g")
    first = workers(db, client_id, group)
    publisher = clients()
    batches, expected = messages(gateway.token, now, 300, 5)
    sent = []

    def publish_all():
        for payload in batches:
            sent.append(publisher.publish(gateway.code, payload))
            time.sleep(0.002)

    feeding = threading.Thread(target=publish_all)
    feeding.start()
    # Kill it (SIGKILL: no goodbye) once a part is stored, while messages are still coming.
    assert wait_until(lambda: len(db.readings(point)) >= 300, 15), first.output
    first.process.kill()
    first.process.wait(10)
    stored_at_kill = len(db.readings(point))
    feeding.join(15)
    for info in sent:
        info.wait_for_publish(10)
    assert len(sent) == 300
    assert stored_at_kill < len(expected), "the worker finished before it was killed"
    # The same client id resumes the session: what was not acknowledged comes again.
    second = workers(db, client_id, group)
    assert wait_until(lambda: len(db.readings(point)) >= len(expected), 20), second.output
    second.stop()
    rows = db.readings(point)
    assert len(rows) == len(set(rows)) == len(expected)
    assert set(rows) == expected


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_share_the_stream(shared, workers, clients, now):
    gateway, point, _other, db = shared
    group = unique("g")
    one = workers(db, unique("test-ingest"), group)
    two = workers(db, unique("test-ingest"), group)
    publisher = clients()
    payloads, expected = messages(gateway.token, now, 200, 2)
    publish_all(publisher, gateway.code, payloads)
    assert wait_until(lambda: len(db.readings(point)) >= len(expected), 20)
    by_one, by_two = one.stop(), two.stop()
    assert by_one > 0 and by_two > 0
    assert by_one + by_two == 200
    assert set(db.readings(point)) == expected


@pytest.fixture
def own_broker(tmp_path):
    """A Mosquitto of this test's own (the shipped configuration) that it may stop and start."""
    own = Broker(tmp_path / "own-broker")
    own.start()
    yield own
    own.kill()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_reconnects_by_itself(shared, own_broker, workers, clients, now):
    gateway, point, _other, db = shared
    port = own_broker.port
    worker = workers(db, unique("test-ingest"), unique("g"), port)
    first, stored_first = series(now, 2)
    second, stored_second = series(now, 2, start=2)
    clients(port=port).publish(gateway.code, message(gateway.token, first)).wait_for_publish(5)
    assert wait_until(lambda: len(db.readings(point)) == 2, 10), worker.output
    own_broker.stop()
    worker.wait_for("连接断开")
    own_broker.start()
    worker.wait_for("已订阅", times=2)
    assert "续用会话" in worker.output  # the broker kept the session across its restart
    clients(port=port).publish(gateway.code, message(gateway.token, second)).wait_for_publish(5)
    assert wait_until(lambda: len(db.readings(point)) == 4, 10), worker.output
    assert set(db.readings(point)) == stored_first | stored_second
    assert worker.process.poll() is None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_another_installation_on_the_same_broker_takes_none_of_these_messages(
    shared, broker, workers, clients, now
):
    """An installation's worker with the defaults (group anjian, prefix anjian/telemetry) on
    the broker this run uses: this run's prefix and group are its own, so it sees nothing."""
    gateway, point, _other, db = shared
    foreign: list[str] = []
    outsider = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
    outsider.on_message = lambda c, u, m: foreign.append(m.topic)
    outsider.connect("127.0.0.1", broker.port)
    outsider.loop_start()
    try:
        outsider.subscribe("$share/anjian/anjian/telemetry/+", qos=1)
        outsider.subscribe("anjian/#", qos=1)
        worker = workers(db, unique("test-ingest"))  # no --group: MQTT_SHARED_GROUP
        assert f"已订阅 $share/{settings.MQTT_SHARED_GROUP}/{settings.MQTT_TOPIC_PREFIX}/+" in (
            worker.output
        )
        assert settings.MQTT_SHARED_GROUP != "anjian"
        publisher = clients()
        payloads, expected = messages(gateway.token, now, 20, 2)
        publish_all(publisher, gateway.code, payloads)
        assert wait_until(lambda: len(db.readings(point)) == len(expected), 15), worker.output
        assert worker.stop() == 20
        assert foreign == []
    finally:
        outsider.disconnect()
        outsider.loop_stop()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_stopped_gracefully_hands_its_share_to_the_other(shared, workers, clients, now):
    """Two workers; one is stopped (SIGTERM): it unsubscribes and ends its session, so every
    message published afterwards goes to the other at once, none waits for it to come back."""
    gateway, point, _other, db = shared
    group = unique("g")
    first_id, second_id = unique("test-ingest"), unique("test-ingest")
    first = workers(db, first_id, group)
    second = workers(db, second_id, group)
    assert wait_until(lambda: {first_id, second_id} <= set(db.worker_rows()), 10)
    first.stop()
    assert "会话已结束" in first.output
    rows = db.worker_rows()
    assert rows[first_id]["stopped_at"] and rows[first_id]["session_kept_until"] is None
    payloads, expected = messages(gateway.token, now, 100, 2)
    publish_all(clients(), gateway.code, payloads)
    assert wait_until(lambda: len(db.readings(point)) == len(expected), 15), second.output
    assert second.stop() == 100
    # Its session is gone: started again under the same id, it begins a new one.
    again = workers(db, first_id, group)
    assert "新会话" in again.output


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_burst_while_the_only_worker_is_away_is_stored_in_full(
    shared, own_broker, workers, clients, now
):
    """2,000 messages published while the group's only worker is stopped, through the shipped
    broker configuration (Mosquitto's stock max_queued_messages 1000 lost half of such a
    burst): the worker, back, stores every reading, and the broker dropped nothing, as the
    broker says ($SYS) and the worker reports it."""
    gateway, point, _other, db = shared
    # Mosquitto publishes a $SYS counter when it changes, retained for 60 s: watch from the start.
    drops: list[int] = []
    watcher = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
    watcher.on_message = lambda c, u, m: drops.append(int(m.payload))
    watcher.connect("127.0.0.1", own_broker.port)
    watcher.loop_start()
    watcher.subscribe("$SYS/broker/publish/messages/dropped", qos=0)
    try:
        client_id, group = unique("test-ingest"), unique("g")
        away = workers(db, client_id, group, own_broker.port)
        assert wait_until(lambda: drops, 10)
        away.stop()
        assert "保留订阅和会话" in away.output
        payloads, expected = messages(gateway.token, now, 2000, 1)
        publish_all(clients(port=own_broker.port), gateway.code, payloads)
        back = workers(db, client_id, group, own_broker.port)
        assert "续用会话" in back.output
        # One transaction a message: minutes on a loaded two-core machine, seconds otherwise.
        assert wait_until(lambda: len(db.readings(point)) == len(expected), 300), (
            f"{len(db.readings(point))} of {len(expected)} stored\n{back.output}"
        )
        time.sleep(1.5)  # a $SYS report (sys_interval 1) after the last message
        assert back.stop() == 2000
        assert drops[-1] == 0
        assert back.figure("消息服务器丢弃") == 0
        assert db.worker_rows()[client_id]["broker"]["dropped"] == 0
        assert set(db.readings(point)) == expected
    finally:
        watcher.disconnect()
        watcher.loop_stop()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_backlog_drains_within_the_memory_bound(shared, workers, clients, now):
    """A resumed session's backlog: the worker holds at most --inflight messages and
    --queue-bytes bytes in memory while it drains (the broker keeps the rest), nothing lost."""
    gateway, point, _other, db = shared
    client_id, group = unique("test-ingest"), unique("g")
    bound = ["--inflight", "10", "--queue-bytes", "20000"]
    workers(db, client_id, group, None, *bound).stop()
    payloads, expected = messages(gateway.token, now, 600, 1, pad="x" * 3000)
    publish_all(clients(), gateway.code, payloads)
    back = workers(db, client_id, group, None, *bound)
    assert wait_until(lambda: len(db.readings(point)) == len(expected), 180), back.output
    assert back.stop() == 600
    assert 1 <= back.figure("内存队列峰值") <= 10
    assert back.figure("条 /") <= 20000  # bytes
    assert set(db.readings(point)) == expected


@pytest.mark.django_db
def test_the_overview_warns_of_silent_workers_drops_and_a_backlog(client, users):
    """The workers' heartbeat rows on the monitoring overview: a worker silent for three
    heartbeats, the broker's drops and its backlog are warned of; a running worker is not."""
    from django.utils import timezone

    from accounts.roles import Role

    now = timezone.now()
    prefix = settings.MQTT_TOPIC_PREFIX

    def row(client_id, seen, **fields):
        return IngestWorker.objects.create(
            client_id=client_id,
            group="g",
            topic_prefix=prefix,
            host="ingest-1",
            started_at=now - timedelta(hours=1),
            seen_at=now - timedelta(seconds=seen),
            connected=True,
            **fields,
        )

    row("healthy", 5, broker={"dropped": 0, "held": 40, "sessions_offline": 0}, stored=7)
    client.force_login(users[Role.SUPERVISOR])
    page = client.get("/monitoring/").content.decode()
    assert 'id="ingest"' in page and "运行中" in page
    assert "alert-warning" not in page.split('id="ingest"')[1].split("待确认的报警")[0]

    row("gone", 600, broker={"dropped": 1234, "held": 25_000, "sessions_offline": 1})
    IngestWorker.objects.filter(client_id="healthy").update(
        seen_at=now - timedelta(seconds=700), broker={}
    )
    with override_settings(MQTT_BACKLOG_WARNING=20_000):
        page = client.get("/monitoring/").content.decode()
    section = page.split('id="ingest"')[1].split("待确认的报警")[0]
    assert "接入进程 gone（ingest-1）已 10 分钟无心跳" in section
    assert "消息服务器自启动以来已丢弃 1234 条消息" in section
    assert "消息服务器积压 25000 条消息" in section
    assert section.count("无心跳</span>") == 2

    # Another installation's workers (another prefix) are not this one's concern; enterprise
    # users do not see the platform's workers.
    IngestWorker.objects.update(topic_prefix="elsewhere/telemetry")
    assert 'id="ingest"' not in client.get("/monitoring/").content.decode()
    IngestWorker.objects.update(topic_prefix=prefix)
    client.force_login(users[Role.PRINCIPAL])
    assert 'id="ingest"' not in client.get("/monitoring/").content.decode()


@pytest.mark.django_db
def test_the_overview_says_when_no_worker_runs(client, users):
    from django.utils import timezone

    from accounts.roles import Role

    now = timezone.now()
    IngestWorker.objects.create(
        client_id="last",
        group="g",
        topic_prefix=settings.MQTT_TOPIC_PREFIX,
        started_at=now - timedelta(hours=1),
        seen_at=now - timedelta(minutes=5),
        stopped_at=now - timedelta(minutes=5),
        session_kept_until=now + timedelta(hours=23),
    )
    client.force_login(users[Role.SUPERVISOR])
    page = client.get("/monitoring/").content.decode()
    assert "没有运行中的 MQTT 接入进程：网关消息在消息服务器排队，会话保留至" in page
    assert "已停止" in page


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_dead_worker_gives_up_its_share_when_its_session_expires(shared, workers, clients, now):
    """A worker killed without a goodbye keeps its share of the stream only for
    MQTT_SESSION_EXPIRY (minutes in production, 2 seconds here); then the broker sends the
    other worker everything."""
    gateway, point, _other, db = shared
    group = unique("g")
    short = copy.copy(db)
    short.env = {**db.env, "MQTT_SESSION_EXPIRY": "2"}
    dying = workers(short, unique("test-ingest"), group)
    survivor = workers(db, unique("test-ingest"), group)
    dying.process.kill()
    dying.process.wait(10)
    time.sleep(4)
    payloads, expected = messages(gateway.token, now, 50, 2)
    publish_all(clients(), gateway.code, payloads)
    assert wait_until(lambda: len(db.readings(point)) == len(expected), 15), survivor.output
    assert survivor.stop() == 50
