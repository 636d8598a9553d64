"""Ingestion: what is stored, what is a duplicate, what is rejected and why; over HTTP."""

import json
import queue
import random
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from monitoring import mqtt
from monitoring.conftest import at, make_point
from monitoring.ingest import ingest, ingest_many
from monitoring.models import Alarm, AlarmEvent, Condition, Gateway, Reading

URL = "/api/v1/telemetry"


def post(client, gateway, body, token=None):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(
        URL,
        data=data,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token or gateway.token}"},
    )


@pytest.mark.django_db
def test_readings_are_stored_once(gateway_a, points_a, now):
    readings = [
        {"point": "dp1", "ts": at(now, -120), "value": 900},
        {"point": "dp1", "ts": at(now, -60), "value": 950.5},
        {"point": "al1", "ts": at(now, -60), "value": False},
    ]
    first = ingest(gateway_a, readings, now=now)
    assert (first.accepted, first.duplicate, first.rejected) == (3, 0, [])
    again = ingest(gateway_a, readings + readings[:1], now=now)
    assert (again.accepted, again.duplicate) == (0, 4)
    assert Reading.objects.count() == 3
    stored = Reading.objects.filter(point=points_a["dp"]).order_by("ts")
    assert [r.value for r in stored] == [900.0, 950.5]
    assert stored[1].ts == now - timedelta(seconds=60)
    assert Reading.objects.get(point=points_a["airlock"]).value == 0.0
    points_a["dp"].refresh_from_db()
    assert points_a["dp"].last_value == 950.5
    gateway_a.refresh_from_db()
    assert gateway_a.last_seen_at == now


@pytest.mark.django_db
def test_same_reading_twice_in_one_batch_is_a_duplicate(gateway_a, points_a, now):
    reading = {"point": "dp1", "ts": at(now), "value": 900}
    outcome = ingest(gateway_a, [reading, dict(reading, value=901)], now=now)
    assert (outcome.accepted, outcome.duplicate) == (1, 1)
    assert Reading.objects.get().value == 900.0


@pytest.mark.django_db
def test_each_rejection_has_its_reason_and_changes_nothing(gateway_a, points_a, gateway_b, now):
    bad = [
        "not an object",
        {"ts": at(now), "value": 1},
        {"point": "nope", "ts": at(now), "value": 1},
        {"point": "dpb", "ts": at(now), "value": 1},
        {"point": "dp1", "value": 1},
        {"point": "dp1", "ts": "yesterday", "value": 1},
        {"point": "dp1", "ts": "2026-11-29T08:00:00", "value": 1},
        {"point": "dp1", "ts": at(now, 600), "value": 1},
        {"point": "dp1", "ts": at(now), "value": "12"},
        {"point": "dp1", "ts": at(now), "value": True},
        {"point": "al1", "ts": at(now), "value": 2},
        {"point": "dp1", "ts": at(now), "value": float("nan")},
        {"point": "dp1", "ts": at(now), "value": float("inf")},
        {"point": "dp1", "ts": at(now), "value": None},
    ]
    outcome = ingest(gateway_a, bad, now=now)
    assert outcome.accepted == 0
    reasons = {r.index: r.reason for r in outcome.rejected}
    assert sorted(reasons) == list(range(len(bad)))
    assert "对象" in reasons[0]
    assert "point" in reasons[1]
    assert "未知点位" in reasons[2]
    assert "不属于此网关" in reasons[3]
    assert "ts" in reasons[4]
    assert "时间格式错误" in reasons[5]
    assert "时区" in reasons[6]
    assert "5 分钟" in reasons[7]
    assert "类型" in reasons[8]
    assert "数字" in reasons[9]
    assert "true/false" in reasons[10]
    assert "NaN" in reasons[11] and "NaN" in reasons[12]
    assert "value" in reasons[13]
    assert Reading.objects.count() == 0
    assert not Alarm.objects.exists()


@pytest.mark.django_db
def test_out_of_range_is_rejected_and_recorded_as_sensor_fault(gateway_a, points_a, now):
    outcome = ingest(
        gateway_a,
        [
            {"point": "dp1", "ts": at(now, -60), "value": 99999},
            {"point": "dp1", "ts": at(now, -30), "value": -5},
        ],
        now=now,
    )
    assert outcome.accepted == 0 and len(outcome.rejected) == 2
    assert "超出量程" in outcome.rejected[0].reason
    alarm = Alarm.objects.get()
    assert (alarm.condition, alarm.first_value, alarm.last_value) == (Condition.SENSOR, 99999, -5)
    assert alarm.cleared_at is None
    # A good reading clears it; the alarm stays for handling.
    ingest(gateway_a, [{"point": "dp1", "ts": at(now), "value": 900}], now=now)
    alarm.refresh_from_db()
    assert alarm.cleared_at == now and alarm.state == "open"


@pytest.mark.django_db
def test_http_answers_counts_and_reasons(client, gateway_a, points_a, now):
    body = {
        "readings": [
            {"point": "dp1", "ts": at(now), "value": 900},
            {"point": "dp1", "ts": at(now), "value": 900},
            {"point": "xx", "ts": at(now), "value": 1},
        ]
    }
    response = post(client, gateway_a, body)
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["accepted"], data["duplicate"], data["rejected"]) == (1, 1, 1)
    assert data["errors"] == [{"index": 2, "point": "xx", "reason": "未知点位：xx"}]


@pytest.mark.django_db
def test_http_nan_literal_is_rejected_per_reading(client, gateway_a, points_a, now):
    body = '{"readings": [{"point": "dp1", "ts": "TS", "value": NaN}]}'.replace("TS", at(now))
    data = post(client, gateway_a, body).json()
    assert data["rejected"] == 1 and "NaN" in data["errors"][0]["reason"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    ["{not json", "[]", '{"readings": {}}', '{"no": 1}', b"\xff\xfe"],
)
def test_http_malformed_body_is_422(client, gateway_a, points_a, body):
    response = post(client, gateway_a, body)
    assert response.status_code == 422
    assert response.json()["detail"]
    assert Reading.objects.count() == 0


@pytest.mark.django_db
def test_http_bad_token_is_401(client, gateway_a, points_a, now):
    body = {"readings": [{"point": "dp1", "ts": at(now), "value": 900}]}
    assert post(client, gateway_a, body, token="gw_wrong").status_code == 401
    assert post(client, gateway_a, body, token="nonsense").status_code == 401
    assert client.post(URL, data=body, content_type="application/json").status_code == 401
    Gateway.objects.filter(pk=gateway_a.pk).update(active=False)
    assert post(client, gateway_a, body).status_code == 401
    assert Reading.objects.count() == 0


@pytest.mark.django_db
@override_settings(TELEMETRY_MAX_BYTES=2000)
def test_http_body_over_the_cap_is_413(client, gateway_a, points_a, now):
    readings = [{"point": "dp1", "ts": at(now, -i), "value": 900} for i in range(100)]
    response = post(client, gateway_a, {"readings": readings})
    assert response.status_code == 413
    assert "字节" in response.json()["detail"]
    assert Reading.objects.count() == 0


@pytest.mark.django_db
@override_settings(TELEMETRY_MAX_READINGS=10)
def test_http_too_many_readings_is_413(client, gateway_a, points_a, now):
    readings = [{"point": "dp1", "ts": at(now, -i), "value": 900} for i in range(11)]
    response = post(client, gateway_a, {"readings": readings})
    assert response.status_code == 413
    assert Reading.objects.count() == 0


@pytest.mark.django_db
def test_a_full_batch_of_5000_is_taken(client, gateway_a, points_a, now):
    readings = [
        {"point": code, "ts": at(now, -i), "value": value}
        for i in range(1250)
        for code, value in (("dp1", 900), ("t1", 30), ("al1", False), ("kw1", 120.5))
    ]
    response = post(client, gateway_a, {"readings": readings})
    assert response.status_code == 200
    assert response.json()["accepted"] == 5000
    assert Reading.objects.count() == 5000


@pytest.mark.django_db
@override_settings(TELEMETRY_MAX_AGE_DAYS=100)
def test_readings_across_months_land_in_their_partitions(gateway_a, points_a, now):
    # Two months back and this one: on PostgreSQL each month is a partition made on demand.
    early = now - timedelta(days=70)
    outcome = ingest(
        gateway_a,
        [
            {"point": "kw1", "ts": at(early), "value": 10},
            {"point": "kw1", "ts": at(now), "value": 20},
        ],
        now=now,
    )
    assert outcome.accepted == 2
    assert list(Reading.objects.order_by("ts").values_list("value", flat=True)) == [10.0, 20.0]


@pytest.mark.django_db
def test_a_partly_duplicate_batch_stores_and_evaluates_the_new_readings(gateway_a, points_a, now):
    first = [
        {"point": "dp1", "ts": at(now, -120), "value": 900},
        {"point": "t1", "ts": at(now, -120), "value": 30},
    ]
    assert ingest(gateway_a, first, now=now).accepted == 2
    batch = [
        *first,
        {"point": "dp1", "ts": at(now, -60), "value": 950},
        {"point": "t1", "ts": at(now, -60), "value": 90},
        {"point": "t1", "ts": at(now), "value": 91},
    ]
    outcome = ingest(gateway_a, batch, now=now)
    assert (outcome.accepted, outcome.duplicate) == (3, 2)
    assert Reading.objects.count() == 5
    points_a["temp"].refresh_from_db()
    assert points_a["temp"].last_value == 91
    assert Alarm.objects.filter(condition=Condition.RATE).exists()
    assert Alarm.objects.filter(condition=Condition.HIGH).exists()
    again = ingest(gateway_a, batch, now=now)
    assert (again.accepted, again.duplicate) == (0, 5)


# --- one bad reading costs only itself (issue 10, items 4 and 5) ------------------------------

POISON = [
    ("dp1", "NOW", 10**400, "数值超出可表示的范围"),
    ("dp1", "0001-01-01T00:00:00+14:00", 900, "时间超出可表示的范围"),
    ("dp1", "9999-12-31T23:59:59-14:00", 900, "时间超出可表示的范围"),
    ("dp1", "1970-01-01T08:00:00+08:00", 900, "早于服务器当前时间 30 天以上"),
    ("dp1", "1900-01-01T00:00:00+00:00", 900, "早于服务器当前时间 30 天以上"),
    ("dp1", "1712-06-01T00:00:00+08:00", 900, "早于服务器当前时间 30 天以上"),
]


def poisoned(now):
    """Good readings with each poison between them: (readings, index -> expected reason)."""
    readings, expected = [], {}
    for n, (code, stamp, value, reason) in enumerate(POISON):
        readings.append({"point": "t1", "ts": at(now, -600 + n), "value": 30})
        expected[len(readings)] = reason
        readings.append({"point": code, "ts": at(now) if stamp == "NOW" else stamp, "value": value})
    return readings, expected


def partitions_made() -> list[str]:
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname LIKE 'monitoring_reading_p%%' "
            "ORDER BY relname"
        )
        return [name for (name,) in cursor.fetchall()]


@pytest.mark.django_db
def test_a_bad_reading_is_rejected_with_its_reason_and_the_rest_is_kept(gateway_a, points_a, now):
    before = partitions_made()
    readings, expected = poisoned(now)
    outcome = ingest(gateway_a, readings, now=now)
    assert outcome.accepted == len(POISON)
    assert {r.index: r.reason for r in outcome.rejected}.keys() == expected.keys()
    for rejection in outcome.rejected:
        assert expected[rejection.index] in rejection.reason, rejection
    assert Reading.objects.count() == len(POISON)
    assert not Alarm.objects.exists()
    # Nothing made for the refused months (PostgreSQL partitions by month on demand).
    made = set(partitions_made()) - set(before)
    assert not {name for name in made if name < "monitoring_reading_p2000"}


@pytest.mark.django_db
@override_settings(TELEMETRY_MAX_AGE_DAYS=2, TELEMETRY_MAX_FUTURE_SECONDS=30)
def test_the_time_window_comes_from_the_settings(gateway_a, points_a, now):
    readings = [
        {"point": "kw1", "ts": at(now, -2 * 86400), "value": 1},  # the edge: kept
        {"point": "kw1", "ts": at(now, -2 * 86400 - 1), "value": 2},
        {"point": "kw1", "ts": at(now, 30), "value": 3},  # the edge: kept
        {"point": "kw1", "ts": at(now, 31), "value": 4},
    ]
    outcome = ingest(gateway_a, readings, now=now)
    assert outcome.accepted == 2
    reasons = {r.index: r.reason for r in outcome.rejected}
    assert "早于服务器当前时间 2 天以上" in reasons[1]
    assert "晚于服务器当前时间 30 秒以上" in reasons[3]


@pytest.mark.django_db
def test_http_a_poison_reading_among_good_ones_is_a_200(client, gateway_a, points_a, now):
    readings, expected = poisoned(now)
    # The 400-digit integer as a JSON literal, the way a gateway would send it.
    body = json.dumps({"readings": readings})
    assert str(10**400) in body
    response = post(client, gateway_a, body)
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["accepted"], data["rejected"]) == (len(POISON), len(POISON))
    assert [e["index"] for e in data["errors"]] == sorted(expected)
    assert Reading.objects.count() == len(POISON)


@pytest.mark.django_db
def test_mqtt_a_poison_message_is_handled_at_once(gateway_a, points_a, now):
    # Over MQTT the same batch raised inside ingest(): the worker retried it twice with a
    # back-off (0.5 s + 1 s) and then dropped the whole message, good readings included.
    readings, _ = poisoned(now)
    payload = json.dumps({"token": gateway_a.token, "readings": readings}).encode()
    started = time.perf_counter()
    handled = mqtt.handle(mqtt.telemetry_topic(gateway_a.code), payload)
    assert time.perf_counter() - started < 0.5
    assert not handled.dropped
    assert (handled.outcome.accepted, len(handled.outcome.rejected)) == (len(POISON), len(POISON))


@pytest.mark.django_db
def test_http_deeply_nested_json_is_422(client, gateway_a, points_a):
    body = '{"readings": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = post(client, gateway_a, body)
    assert response.status_code == 422
    assert response.json()["detail"] == "请求体不是有效的 JSON"


# --- late readings end to end (issue 10, item 1) ----------------------------------------------


def _leak_pair(now, n):
    """A gateway's two messages for leak n: 50 ppm on co1, then 10 ppm 30 s later."""
    moment = now - timedelta(seconds=3600 - 60 * n)
    first = [
        {"point": "co1", "ts": at(moment), "value": 50},
        {"point": "dp1", "ts": at(moment), "value": 900},
    ]
    second = [
        {"point": "co1", "ts": at(moment, 30), "value": 10},
        {"point": "dp1", "ts": at(moment, 30), "value": 905},
    ]
    return first, second


@pytest.mark.django_db
def test_http_two_batches_out_of_order_raise_the_leak(client, gateway_a, points_a, now):
    make_point(gateway_a, "co1", "co", equipment="煤气发生炉")
    first, second = _leak_pair(now, 0)
    assert post(client, gateway_a, {"readings": second}).json()["accepted"] == 2
    assert post(client, gateway_a, {"readings": first}).json()["accepted"] == 2
    alarm = Alarm.objects.get()
    assert (alarm.condition, alarm.peak_value) == (Condition.HIGH, 50)
    assert alarm.cleared_at is not None
    assert alarm.events.filter(action="raise").exists()


@pytest.mark.django_db
def test_mqtt_messages_handled_out_of_order_raise_every_leak(gateway_a, points_a, now):
    # What each of two workers sharing the subscription calls for the message it was given.
    make_point(gateway_a, "co1", "co", equipment="煤气发生炉")
    topic = mqtt.telemetry_topic(gateway_a.code)
    for n in range(10):
        first, second = _leak_pair(now, n)
        for readings in (second, first) if n % 2 else (first, second):
            payload = json.dumps({"token": gateway_a.token, "readings": readings}).encode()
            assert mqtt.handle(topic, payload, now=now).outcome.accepted == 2
    assert Alarm.objects.filter(condition=Condition.HIGH).count() == 10


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="two writers on the in-memory SQLite test database lock each other out",
)
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_raise_every_leak(gateway_a, points_a, now):
    make_point(gateway_a, "co1", "co", equipment="煤气发生炉")
    # Each leak's two messages side by side, the later one first: two workers taking turns
    # from this queue store them concurrently, in whichever order their transactions commit.
    messages = queue.Queue()
    for n in range(30):
        first, second = _leak_pair(now, n)
        messages.put(second)
        messages.put(first)

    def worker():
        try:
            while True:
                try:
                    readings = messages.get_nowait()
                except queue.Empty:
                    return
                ingest(Gateway.objects.get(pk=gateway_a.pk), readings, now=now)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Reading.objects.count() == 120
    assert Alarm.objects.filter(condition=Condition.HIGH).count() == 30


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["\x00", "dp\ud800", "x\x00y"], ids=["NUL", "surrogate", "inner"])
@pytest.mark.parametrize("field", ["point", "ts"])
def test_unusable_text_in_a_reading_is_rejected_alone_and_not_echoed(
    client, gateway_a, points_a, now, field, bad
):
    """NUL cannot go into a PostgreSQL query and a lone surrogate cannot be encoded as UTF-8
    (neither in the query nor in the answer): both once made the whole message a 500."""
    reading = {"point": "dp1", "ts": at(now, -60), "value": 1}
    reading[field] = bad
    good = {"point": "dp1", "ts": at(now), "value": 900}
    response = post(client, gateway_a, {"readings": [reading, good]})
    assert response.status_code == 200
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (1, 1)
    (error,) = body["errors"]
    assert error["index"] == 0
    shown = error["point"] + error["reason"]
    assert "\ufffd" in shown
    assert "\x00" not in shown and "\ud800" not in shown
    assert Reading.objects.get().value == 900.0


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="two writers on the in-memory SQLite test database lock each other out",
)
@pytest.mark.django_db(transaction=True)
def test_two_batches_of_the_same_gateways_in_opposite_orders_never_deadlock(
    gateway_a, points_a, gateway_b, now
):
    # Each batch locks its gateways in key order, whatever the order its messages came in.
    errors, barrier = [], threading.Barrier(2)

    def worker(reverse):
        try:
            a, b = Gateway.objects.get(pk=gateway_a.pk), Gateway.objects.get(pk=gateway_b.pk)
            for n in range(20):
                second = 0.5 if reverse else 0
                items = [
                    (a, [{"point": "dp1", "ts": at(now, -100 + n + second), "value": 900}]),
                    (b, [{"point": "dpb", "ts": at(now, -100 + n + second), "value": 800}]),
                ]
                barrier.wait(10)
                ingest_many(items[::-1] if reverse else items, now=now)
        except Exception as error:
            errors.append(error)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(reverse,)) for reverse in (False, True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Reading.objects.count() == 80


@pytest.mark.django_db
@pytest.mark.parametrize(
    "order",
    [("f0", "s1", "f1", "s0"), ("f0", "s1", "s0", "f1")],
    ids=["calm-after-both-leaks", "calm-before-the-second-leak"],
)
def test_a_late_calm_reading_between_two_leaks_makes_them_two_alarms(
    gateway_a, points_a, now, order
):
    """Two leaks (f: 50 ppm, s: 10 ppm 30 s later), the calm reading of the first delayed: past
    both leaks (a worker held it while the other stored three messages), or past the second's
    calm reading only (the order the two-worker test once stored them in). The late calm
    reading ends the first alarm there, and the second leak, read already or when it comes, is
    an alarm of its own."""
    make_point(gateway_a, "co1", "co", equipment="煤气发生炉")
    messages = {}
    for n in range(2):
        messages[f"f{n}"], messages[f"s{n}"] = _leak_pair(now, n)
    for name in order:
        ingest(Gateway.objects.get(pk=gateway_a.pk), messages[name], now=now)
    alarms = list(Alarm.objects.filter(condition=Condition.HIGH).order_by("first_at"))
    moment = now - timedelta(seconds=3600)
    assert [(a.first_at, a.cleared_at, a.peak_value) for a in alarms] == [
        (moment, moment + timedelta(seconds=30), 50),
        (moment + timedelta(seconds=60), moment + timedelta(seconds=90), 50),
    ]
    assert all(alarm.events.filter(action="raise").exists() for alarm in alarms)


def _alarms_of(point):
    return sorted(
        Alarm.objects.filter(point=point).values_list(
            "condition",
            "first_at",
            "last_at",
            "cleared_at",
            "first_value",
            "last_value",
            "peak_value",
        )
    )


def _in_order_and_shuffled(gateway_a, gateway_b, now, seed, limits):
    """The alarms of one point fed a random series in time order (gateway A), and of its twin
    fed the same series shuffled, in messages of one to three readings (gateway B)."""
    rng = random.Random(seed)
    in_order = make_point(gateway_a, "co1", "co", equipment="煤气发生炉", **limits)
    shuffled = make_point(gateway_b, "co1", "co", equipment="煤气发生炉", **limits)
    start = now - timedelta(hours=1)
    readings = [
        {"point": "co1", "ts": at(start, 30 * i), "value": rng.choice([0, 5, 10, 30, 50, 200])}
        for i in range(rng.randint(4, 20))
    ]
    for reading in readings:
        ingest(Gateway.objects.get(pk=gateway_a.pk), [reading], now=now)
    rng.shuffle(readings)
    while readings:
        size = rng.randint(1, 3)
        message, readings = readings[:size], readings[size:]
        ingest(Gateway.objects.get(pk=gateway_b.pk), message, now=now)
    return _alarms_of(in_order), _alarms_of(shuffled)


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("limits", [{}, {"low": 8}], ids=["high", "high-low"])
def test_threshold_alarms_without_a_hold_do_not_depend_on_the_arrival_order(
    gateway_a, gateway_b, now, seed, limits
):
    """Without a hold or a rate rule every reading is judged alone, so the alarms (when each
    began, its values and peak, when it cleared) are the same whatever order the readings come
    in."""
    in_order, shuffled = _in_order_and_shuffled(gateway_a, gateway_b, now, seed, limits)
    assert in_order == shuffled


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(60))
@pytest.mark.parametrize(
    "limits",
    [{"hold_seconds": 60}, {"low": 8, "rate_limit": 40, "hold_seconds": 30}],
    ids=["hold", "low-rate-hold"],
)
def test_a_condition_that_lasted_its_hold_is_alarmed_whatever_the_arrival_order(
    gateway_a, gateway_b, now, seed, limits
):
    """With a hold, readings that come late may raise an alarm the time order would not (a late
    reading takes no alarm back), but never miss one: each alarm of the time order overlaps
    one of the same condition. Missed once: the episode after a late calm reading that cut an
    alarm short (a condition that had lasted its hold; hold seed 2 of 24), a late first reading
    of a condition not counted toward its hold (hold seed 56), and a rate episode after an
    alarm split in two, when no late reading fell in it (low-rate-hold seed 13)."""
    in_order, shuffled = _in_order_and_shuffled(gateway_a, gateway_b, now, seed, limits)
    for condition, first_at, last_at, cleared_at, *_ in in_order:
        assert any(
            other[0] == condition
            and other[1] <= (cleared_at or last_at)
            and (other[3] is None or other[3] > first_at)
            for other in shuffled
        ), (first_at, in_order, shuffled)


@pytest.mark.django_db
def test_a_late_first_reading_of_a_condition_counts_toward_its_hold(gateway_a, now):
    """50 ppm for a minute (hold 60 s) is an alarm, though its first reading came after the
    second: the replay of the late one shows the condition began before the point's state
    said."""
    make_point(gateway_a, "co1", "co", equipment="煤气发生炉", hold_seconds=60)
    start = now - timedelta(hours=1)
    values = {0: 30, 30: 200, 60: 50, 90: 10}

    def send(*seconds):
        readings = [{"point": "co1", "ts": at(start, s), "value": values[s]} for s in seconds]
        return ingest(gateway_a, readings, now=now)

    send(30)
    assert send(0, 60).alarms_raised == 1
    send(90)
    alarm = Alarm.objects.get()
    assert (alarm.condition, alarm.first_at) == (Condition.HIGH, start)
    assert alarm.cleared_at == start + timedelta(seconds=90)


def _co_with_rate(gateway, now):
    """A CO point (high 24 ppm, no hold) with a rate limit of 40 ppm a minute, and a sender of
    its readings at seconds after an hour ago."""
    make_point(gateway, "co1", "co", equipment="煤气发生炉", rate_limit=40)
    start = now - timedelta(hours=1)

    def send(*readings):
        message = [{"point": "co1", "ts": at(start, s), "value": v} for s, v in readings]
        return ingest(gateway, message, now=now)

    return start, send


@pytest.mark.django_db
def test_a_late_jump_before_a_calm_value_clears_where_the_jumps_stop(gateway_a, now):
    """10, 200 (late), 10, 10 ppm: the rate alarm of the jumps to and from 200 ppm clears at the
    first reading reached without a jump, the last one, though the replay of the late reading
    stopped at the first value under every threshold, itself reached by a jump."""
    start, send = _co_with_rate(gateway_a, now)
    send((0, 10), (60, 10), (90, 10))
    send((30, 200))
    alarm = Alarm.objects.get(condition=Condition.RATE)
    assert (alarm.first_at, alarm.last_at) == (
        start + timedelta(seconds=30),
        start + timedelta(seconds=60),
    )
    assert alarm.cleared_at == start + timedelta(seconds=90)


@pytest.mark.django_db
def test_a_late_reading_that_makes_the_clearing_reading_a_jump_holds_the_alarm_on(gateway_a, now):
    """10, 200, 200 ppm cleared the rate alarm of the jump at the third reading; 10 ppm between
    the last two, come late, makes that one a jump too: the alarm holds on, and the next
    reading without a jump clears it (with its "clear" event)."""
    start, send = _co_with_rate(gateway_a, now)
    send((0, 10))
    send((60, 200))
    send((90, 200))
    assert Alarm.objects.get(condition=Condition.RATE).cleared_at == start + timedelta(seconds=90)
    send((75, 10))
    alarm = Alarm.objects.get(condition=Condition.RATE)
    assert (alarm.last_at, alarm.cleared_at) == (start + timedelta(seconds=90), None)
    send((120, 200))
    alarm.refresh_from_db()
    assert alarm.cleared_at == start + timedelta(seconds=120)
    assert AlarmEvent.objects.filter(alarm=alarm, action="clear").count() == 2
