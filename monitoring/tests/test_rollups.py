"""Years of readings (monitoring.rollups): minute and hour rollups, late readings and
idempotence, retention (partitions dropped on PostgreSQL, chunked deletes on SQLite), the
evidence an alarm keeps, and the resolution charts and the readings API read."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from accounts.roles import Role
from monitoring import partitions, rollups
from monitoring.conftest import at
from monitoring.ingest import ingest
from monitoring.models import (
    Alarm,
    Condition,
    EvidenceReading,
    HourRollup,
    MinuteRollup,
    Reading,
    RollupBacklog,
    RollupState,
)

POSTGRESQL = connection.vendor == "postgresql"


def store(point, pairs):
    pairs = list(pairs)
    partitions.ensure({partitions.month_of(ts) for ts, _ in pairs})
    Reading.objects.bulk_create(Reading(point=point, ts=ts, value=v) for ts, v in pairs)


def figures(model, point):
    return list(
        model.objects.filter(point=point)
        .order_by("bucket")
        .values_list("bucket", "count", "min", "max", "sum", "last_ts", "last_value")
    )


@pytest.fixture
def hour():
    """The start of an hour (UTC) a few hours back."""
    return rollups.floor_hour(timezone.now() - timedelta(hours=5))


@pytest.mark.django_db
def test_minute_and_hour_rollups_hold_the_readings_figures(points_a, hour):
    point = points_a["dp"]
    # Every 10 s for the hour's first two minutes: 0, 1, 2, … 11.
    store(point, [(hour + timedelta(seconds=10 * i), float(i)) for i in range(12)])
    rollups.roll_up_range(hour, hour + timedelta(hours=1))
    minutes = figures(MinuteRollup, point)
    assert minutes == [
        (hour, 6, 0.0, 5.0, 15.0, hour + timedelta(seconds=50), 5.0),
        (hour + timedelta(minutes=1), 6, 6.0, 11.0, 51.0, hour + timedelta(seconds=110), 11.0),
    ]
    assert figures(HourRollup, point) == [
        (hour, 12, 0.0, 11.0, 66.0, hour + timedelta(seconds=110), 11.0)
    ]
    assert HourRollup.objects.get(point=point).mean == 5.5
    # Again over the same range: the same rows.
    rollups.roll_up_range(hour, hour + timedelta(hours=1))
    assert figures(MinuteRollup, point) == minutes
    assert len(figures(HourRollup, point)) == 1


@pytest.mark.django_db
def test_a_later_run_folds_in_readings_within_its_look_back(points_a):
    point = points_a["dp"]
    now = rollups.floor_minute(timezone.now()) - timedelta(minutes=2)
    store(point, [(now - timedelta(minutes=3), 1.0)])
    rollups.run(now)
    assert RollupState.objects.get(name="rollup").upto == now
    # A reading of a bucket already rolled up, stored after the run.
    store(point, [(now - timedelta(minutes=3, seconds=-20), 3.0)])
    rollups.run(now + timedelta(minutes=1))
    minute = MinuteRollup.objects.get(point=point)
    assert (minute.count, minute.sum, minute.last_value) == (2, 4.0, 3.0)
    assert HourRollup.objects.get(point=point, bucket=rollups.floor_hour(minute.bucket)).count >= 2


@pytest.mark.django_db
def test_a_reading_arriving_hours_late_is_noted_and_folded_in(gateway_a, points_a, now):
    rollups.run(now)
    old = now - timedelta(hours=6)
    ingest(gateway_a, [{"point": "dp1", "ts": at(old), "value": 42.0}], now=now)
    assert list(RollupBacklog.objects.values_list("hour", flat=True)) == [rollups.floor_hour(old)]
    result = rollups.run(now + timedelta(minutes=5))
    assert result["late_hours"] == 1
    assert not RollupBacklog.objects.exists()
    minute = MinuteRollup.objects.get(point=points_a["dp"], bucket=rollups.floor_minute(old))
    assert (minute.count, minute.last_value) == (1, 42.0)
    assert HourRollup.objects.get(point=points_a["dp"], bucket=rollups.floor_hour(old)).count == 1


@pytest.mark.django_db
def test_readings_on_time_note_nothing(gateway_a, points_a, now):
    ingest(gateway_a, [{"point": "dp1", "ts": at(now, -30), "value": 1.0}], now=now)
    assert not RollupBacklog.objects.exists()


# --- retention -------------------------------------------------------------------------------


def _old_alarm(point, first_at):
    return Alarm.objects.create(
        point=point,
        enterprise_id=point.enterprise_id,
        condition=Condition.HIGH,
        first_at=first_at,
        last_at=first_at + timedelta(minutes=5),
        cleared_at=first_at + timedelta(minutes=5),
        first_value=80.0,
        last_value=80.0,
        peak_value=90.0,
        limit=70.0,
        state="closed",
    )


@pytest.mark.django_db
@pytest.mark.skipif(POSTGRESQL, reason="SQLite deletes in chunks; PostgreSQL drops partitions")
@override_settings(RETENTION_CHUNK_ROWS=3, RETENTION_CHUNK_PAUSE_MS=0)
def test_sqlite_deletes_old_readings_in_chunks(points_a, monkeypatch):
    now = timezone.now()
    point = points_a["dp"]
    old = rollups.floor_hour(now - timedelta(days=100))
    store(point, [(old + timedelta(minutes=i), float(i)) for i in range(10)])
    store(point, [(now - timedelta(days=89), 5.0), (now - timedelta(hours=1), 6.0)])
    rollups.roll_up_range(old, old + timedelta(hours=1))
    RollupState.objects.create(name="rollup", upto=now)
    pauses = []
    monkeypatch.setattr(rollups, "_pause", lambda busy: pauses.append(busy))
    result = rollups.retention(now)
    assert result["raw_deleted"] == 10
    assert len(pauses) == 3  # chunks of 3, 3, 3 and the last 1
    assert sorted(Reading.objects.values_list("value", flat=True)) == [5.0, 6.0]
    # The rollups of the removed readings stay.
    assert HourRollup.objects.get(point=point, bucket=old).count == 10
    assert RollupState.objects.get(name="retention").upto == result["cut"]


@pytest.mark.django_db
@pytest.mark.skipif(not POSTGRESQL, reason="monthly partitions are PostgreSQL's")
def test_postgresql_drops_whole_months_only(points_a):
    point = points_a["dp"]
    now = datetime(2026, 6, 15, 12, tzinfo=UTC)  # the cut is 2026-03-17 12:00
    feb, early_march = datetime(2026, 2, 10, tzinfo=UTC), datetime(2026, 3, 5, tzinfo=UTC)
    store(point, [(feb, 1.0), (early_march, 2.0), (now - timedelta(days=1), 3.0)])
    for moment in (feb, early_march):
        rollups.roll_up_range(moment, moment + timedelta(minutes=1))
    RollupState.objects.create(name="rollup", upto=now)
    assert {(2026, 2), (2026, 3), (2026, 6)} <= set(rollups.reading_partitions())
    result = rollups.retention(now)
    assert result["dropped_months"] == ["2026-02"]
    months = set(rollups.reading_partitions())
    assert (2026, 2) not in months and {(2026, 3), (2026, 6)} <= months
    # March is partly inside the 90 days: kept whole, its reading older than the cut too.
    assert sorted(Reading.objects.values_list("value", flat=True)) == [2.0, 3.0]
    assert HourRollup.objects.get(point=point, bucket=feb).count == 1
    assert RollupState.objects.get(name="retention").upto == datetime(2026, 3, 1, tzinfo=UTC)


@pytest.mark.django_db
def test_an_alarms_readings_survive_retention_and_its_page_shows_them(client, users, points_a):
    now = timezone.now()
    point = points_a["dp"]
    # Five months back: a month wholly past the cut on either engine.
    first_at = rollups.floor_minute(now - timedelta(days=150))
    alarm = _old_alarm(point, first_at)
    # A reading a minute from 30 minutes before the alarm to 30 minutes after it began.
    store(point, [(first_at + timedelta(minutes=m), 50.0 + m) for m in range(-30, 31)])
    rollups.roll_up_range(first_at - timedelta(hours=1), first_at + timedelta(hours=1))
    RollupState.objects.create(name="rollup", upto=now)
    rollups.retention(now)
    assert not Reading.objects.filter(point=point).exists()
    # Kept: 10 minutes before the alarm began to 10 minutes after it cleared (5 minutes on).
    kept = list(EvidenceReading.objects.filter(point=point).order_by("ts"))
    assert [r.ts for r in kept] == [first_at + timedelta(minutes=m) for m in range(-10, 16)]
    client.force_login(users[Role.TOWN_SUPERVISOR])
    page = client.get(f"/monitoring/alarms/{alarm.pk}/").content.decode()
    chart = json.loads(re.search(r'id="chart-data"[^>]*>(.*?)</script>', page, re.S).group(1))
    assert chart["resolution"] == "raw"
    assert len(chart["readings"]) == 26
    assert chart["readings"][10][1] == 50.0  # the reading at the alarm's start


@pytest.mark.django_db
@override_settings(ROLLUP_MINUTE_DAYS=30)
def test_old_minute_rollups_go_hour_rollups_stay(points_a):
    now = timezone.now()
    point = points_a["dp"]
    old = rollups.floor_hour(now - timedelta(days=40))
    store(point, [(old, 1.0), (now - timedelta(days=1), 2.0)])
    rollups.roll_up_range(old, old + timedelta(minutes=1))
    RollupState.objects.create(name="rollup", upto=now)
    result = rollups.retention(now)
    assert result["minute_deleted"] == 1
    assert HourRollup.objects.filter(point=point, bucket=old).exists()


# --- resolution ------------------------------------------------------------------------------


@pytest.fixture
def month_of_readings(points_a):
    """A reading every 10 minutes for 40 days up to now on the dp point, rolled up."""
    point = points_a["dp"]
    now = rollups.floor_minute(timezone.now())
    start = now - timedelta(days=40)
    pairs = [(start + timedelta(minutes=10 * i), float(i % 6)) for i in range(40 * 144)]
    store(point, pairs)
    rollups.roll_up_range(start, now + timedelta(minutes=1))
    return point, now


def days_touched(now):
    """The days (Asia/Shanghai) month_of_readings' readings fall on: 41, or 40 when the fixture
    ran in the first ten minutes after midnight."""
    first = now - timedelta(days=40)
    last = first + timedelta(minutes=10 * (40 * 144 - 1))
    return (timezone.localdate(last) - timezone.localdate(first)).days + 1


def _get(client, point, **query):
    return client.get(f"/api/v1/points/{point.pk}/readings", query)


@pytest.mark.django_db
def test_the_readings_api_reads_the_resolution_that_fits_the_range(
    client, users, month_of_readings
):
    point, now = month_of_readings
    client.force_login(users[Role.TOWN_SUPERVISOR])
    for span, resolution, count in [
        (timedelta(hours=2), "raw", 12),
        (timedelta(days=3), "minute", 3 * 144),
        (timedelta(days=30), "hour", 30 * 24),
    ]:
        response = _get(client, point, since=(now - span).isoformat(), until=now.isoformat())
        rows = response.json()
        assert response.status_code == 200 and response["X-Resolution"] == resolution
        assert {row["resolution"] for row in rows} == {resolution}
        assert abs(len(rows) - count) <= 1, (resolution, len(rows))
    hourly = rows[5]
    assert hourly["count"] == 6 and hourly["min"] == 0 and hourly["max"] == 5
    assert hourly["value"] == 2.5
    # Without a start: the latest raw readings, as before.
    rows = _get(client, point, limit=5).json()
    assert len(rows) == 5 and rows[-1]["resolution"] == "raw" and rows[-1]["count"] is None
    # A resolution asked for is given.
    rows = _get(client, point, since=(now - timedelta(days=30)).isoformat(), resolution="raw")
    assert {row["resolution"] for row in rows.json()} == {"raw"}


@pytest.mark.django_db
def test_the_readings_api_refuses_bad_input(client, users, month_of_readings):
    point, now = month_of_readings
    client.force_login(users[Role.TOWN_SUPERVISOR])
    assert _get(client, point, resolution="week").status_code == 422
    response = _get(
        client, point, since=now.isoformat(), until=(now - timedelta(days=1)).isoformat()
    )
    assert response.status_code == 422 and "起始时间" in response.json()["detail"]


@pytest.mark.django_db
def test_a_point_outside_the_users_scope_is_still_404(client, outsider, month_of_readings):
    point, now = month_of_readings
    client.force_login(outsider)
    since = (now - timedelta(days=30)).isoformat()
    assert _get(client, point, since=since).status_code == 404
    assert _get(client, point, since=since, resolution="hour").status_code == 404
    assert client.get(f"/monitoring/points/{point.pk}/?range=1y").status_code == 404


@pytest.mark.django_db
def test_the_point_chart_switches_resolution_with_its_range(client, users, month_of_readings):
    point, now = month_of_readings
    client.force_login(users[Role.TOWN_SUPERVISOR])
    seen = {}
    for span in ("1h", "24h", "7d", "30d", "1y"):
        page = client.get(f"/monitoring/points/{point.pk}/?range={span}").content.decode()
        chart = json.loads(re.search(r'id="chart-data"[^>]*>(.*?)</script>', page, re.S).group(1))
        seen[span] = (chart["resolution"], len(chart["readings"]))
    assert [seen[s][0] for s in seen] == ["raw", "raw", "minute", "hour", "day"]
    assert 143 <= seen["24h"][1] <= 145
    assert abs(seen["30d"][1] - 30 * 24) <= 1
    assert seen["1y"][1] == days_touched(now)


@pytest.mark.django_db
def test_a_long_range_reads_days_summed_from_the_hour_rollups(client, users, month_of_readings):
    point, now = month_of_readings
    client.force_login(users[Role.TOWN_SUPERVISOR])
    response = _get(client, point, since=(now - timedelta(days=365)).isoformat())
    rows = response.json()
    assert response["X-Resolution"] == "day" and len(rows) == days_touched(now)
    whole = rows[10]  # a day wholly inside: 144 readings, 0 to 5 each hour
    assert (whole["count"], whole["min"], whole["max"], whole["value"]) == (144, 0, 5, 2.5)
    assert timezone.localtime(datetime.fromisoformat(whole["ts"])).hour == 0
