"""Fixtures of monitoring: a gateway at enterprise_a with one point of each common kind, and
one at enterprise_b."""

import os
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from monitoring import known_points, partitions, services
from monitoring.models import Gateway, Point


@pytest.fixture(autouse=True, scope="session")
def _own_mqtt_namespace():
    """This test run's own MQTT topic prefix and shared group, in the settings and in the
    environment the worker processes inherit: on a broker that other test runs or an
    installation also use, nobody else's worker takes (and drops) this run's messages, and this
    run's workers take none of theirs."""
    run = uuid.uuid4().hex[:12]
    names = {
        "MQTT_TOPIC_PREFIX": f"anjian-test-{run}/telemetry",
        "MQTT_SHARED_GROUP": f"anjian-test-{run}",
    }
    saved = {name: (os.environ.get(name), getattr(settings, name)) for name in names}
    for name, value in names.items():
        os.environ[name] = value
        setattr(settings, name, value)
    yield names
    for name, (environ, setting) in saved.items():
        if environ is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = environ
        setattr(settings, name, setting)


@pytest.fixture(autouse=True)
def _fresh_memos():
    # Each test's transaction is rolled back, partitions and gateways found in it included.
    partitions.forget()
    services.forget_tokens()
    known_points.forget()
    yield
    partitions.forget()
    services.forget_tokens()
    known_points.forget()


def make_gateway(enterprise, code):
    gateway = Gateway(enterprise=enterprise, code=code, name=f"{code} 网关")
    token = gateway.set_new_token()
    gateway.save()
    gateway.token = token
    return gateway


def make_point(gateway, code, kind, equipment="1号除尘器", **settings):
    point = Point(
        gateway=gateway,
        enterprise_id=gateway.enterprise_id,
        code=code,
        kind=kind,
        equipment=equipment,
        **settings,
    )
    point.apply_defaults()
    point.save()
    return point


def gateways_with_points(enterprise, count, points, prefix="GW-"):
    """`count` gateways (codes prefix0, prefix1, …) of `points` pressure points each (dp0, dp1,
    …), each with its points as `made`."""
    gateways = []
    for n in range(count):
        gateway = make_gateway(enterprise, f"{prefix}{n}")
        gateway.made = [make_point(gateway, f"dp{k}", "pressure_diff") for k in range(points)]
        gateways.append(gateway)
    return gateways


@pytest.fixture
def gateway_a(enterprise_a):
    return make_gateway(enterprise_a, "GW-A")


@pytest.fixture
def points_a(gateway_a):
    return {
        "dp": make_point(gateway_a, "dp1", "pressure_diff"),
        "temp": make_point(gateway_a, "t1", "hopper_temp"),
        "airlock": make_point(gateway_a, "al1", "airlock_fault"),
        "spark": make_point(gateway_a, "sp1", "spark"),
        "power": make_point(gateway_a, "kw1", "power", equipment="总进线"),
        "camera": make_point(gateway_a, "cam1", "camera", equipment="1号车间摄像头"),
    }


@pytest.fixture
def gateway_b(enterprise_b):
    gateway = make_gateway(enterprise_b, "GW-B")
    make_point(gateway, "dpb", "pressure_diff")
    return gateway


@pytest.fixture
def now():
    # A fixed "now" a little in the past, so readings up to now are never in the future.
    return timezone.now().replace(microsecond=0) - timedelta(minutes=1)


def at(base, seconds=0):
    """An ISO 8601 timestamp with an offset (+08:00), `seconds` after base."""
    from zoneinfo import ZoneInfo

    return (base + timedelta(seconds=seconds)).astimezone(ZoneInfo("Asia/Shanghai")).isoformat()
