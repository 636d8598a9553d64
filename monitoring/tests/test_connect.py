"""Who must connect (应接尽接, seed task 14) and who is connected."""

from datetime import date, timedelta

import pytest

from enterprises.models import Enterprise, SectorTag
from monitoring import connect
from monitoring.conftest import at
from monitoring.ingest import ingest


def _annotated(enterprise):
    return connect.with_connection(Enterprise.objects.filter(pk=enterprise.pk)).get()


@pytest.mark.django_db
def test_the_2024_rule_takes_ten_metal_or_wood_dust_workers(enterprise_a, enterprise_b):
    Enterprise.objects.filter(pk=enterprise_a.pk).update(dust_class="metal", dust_workers=10)
    Enterprise.objects.filter(pk=enterprise_b.pk).update(dust_class="wood", dust_workers=9)
    enterprise_a.sector_tags.clear()
    required = connect.must_connect(Enterprise.objects.all(), date(2025, 1, 1))
    assert list(required) == [enterprise_a]


@pytest.mark.django_db
def test_from_2025_every_key_enterprise_must_connect(enterprise_a, enterprise_a2, enterprise_b):
    enterprise_b.sector_tags.set([SectorTag.objects.get(code="ammonia_refrigeration")])
    Enterprise.objects.filter(pk=enterprise_a2.pk).update(status="closed")
    enterprise_a2.sector_tags.set([SectorTag.objects.get(code="combustible_dust")])
    before = connect.must_connect(Enterprise.objects.all(), date(2025, 6, 1))
    assert not before.exists()  # enterprise_a is a foundry: key, but only from the 2025 deadline
    after = connect.must_connect(Enterprise.objects.all(), date(2026, 1, 1))
    assert set(after) == {enterprise_a, enterprise_b}  # the closed one is left out


@pytest.mark.django_db
def test_connected_means_a_safety_device_reported_in_24_hours(gateway_a, points_a, now):
    enterprise = gateway_a.enterprise
    ingest(gateway_a, [{"point": "kw1", "ts": at(now), "value": 300}], now=now)
    row = _annotated(enterprise)
    assert row.last_reading_at is None  # a power meter alone is not the monitoring system
    assert not connect.is_connected(row.last_reading_at, now)
    ingest(gateway_a, [{"point": "dp1", "ts": at(now), "value": 900}], now=now)
    row = _annotated(enterprise)
    assert connect.is_connected(row.last_reading_at, now)
    assert not connect.is_connected(row.last_reading_at, now + timedelta(hours=24, seconds=1))
