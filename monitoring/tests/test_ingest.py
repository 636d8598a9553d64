"""Ingestion: what is stored, what is a duplicate, what is rejected and why; over HTTP."""

import json
from datetime import timedelta

import pytest
from django.test import override_settings

from monitoring.conftest import at
from monitoring.ingest import ingest
from monitoring.models import Alarm, Condition, Gateway, Reading

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
