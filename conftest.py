"""Shared fixtures: a small county with two towns, an enterprise in each, and one named user per
role (plus outsiders in the other town), so every test can say who acts."""

import functools
import json
import os
import random
import socket
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from huey.contrib.djhuey import HUEY

from accounts.models import User
from accounts.roles import Role
from core.models import Jurisdiction, JurisdictionKind
from enterprises import credit_code
from enterprises.models import Enterprise, SectorTag

PASSWORD = "correct-horse-battery"


def pytest_configure(config):
    """The live server on a port below the range the system hands out to outgoing connections.
    Browser tests stop it and start it again on the same port (fieldwork/tests/outage.py); on
    a port of that range, a connection opened meanwhile (to the database, the broker, the
    browser's driver, or by the suite running beside this one in CI) could take the port, and
    the server could not come back."""
    if config.getoption("liveserver", None) or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS"):
        return
    config.option.liveserver = f"localhost:{_port_outside_the_ephemeral_range()}"


def _port_outside_the_ephemeral_range() -> int:
    ephemeral = Path("/proc/sys/net/ipv4/ip_local_port_range")
    lowest = int(ephemeral.read_text().split()[0]) if ephemeral.exists() else 32768
    candidates = list(range(max(1024, lowest - 8000), lowest))
    random.SystemRandom().shuffle(candidates)
    for port in candidates:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port for the live server")


def make_code(serial: int) -> str:
    return credit_code.make(f"91371526{serial:09d}")


@pytest.fixture
def province(db):
    return Jurisdiction.objects.create(code="370000", name="山东省", kind=JurisdictionKind.PROVINCE)


@pytest.fixture
def city(province):
    return Jurisdiction.objects.create(
        code="371500", name="聊城市", kind=JurisdictionKind.CITY, parent=province
    )


@pytest.fixture
def county(city):
    """高唐县, under 聊城市 under 山东省: the tree's root is the province."""
    return Jurisdiction.objects.create(
        code="371526", name="高唐县", kind=JurisdictionKind.COUNTY, parent=city
    )


@pytest.fixture
def town_a(county):
    return Jurisdiction.objects.create(
        code="371526-10", name="赵寨子镇", kind=JurisdictionKind.TOWN, parent=county
    )


@pytest.fixture
def town_b(county):
    return Jurisdiction.objects.create(
        code="371526-11", name="清平镇", kind=JurisdictionKind.TOWN, parent=county
    )


@pytest.fixture
def grid_a(town_a):
    return Jurisdiction.objects.create(
        code="371526-10-g1", name="赵寨子镇第一网格", kind=JurisdictionKind.GRID, parent=town_a
    )


@pytest.fixture
def grid_a2(town_a):
    return Jurisdiction.objects.create(
        code="371526-10-g2", name="赵寨子镇第二网格", kind=JurisdictionKind.GRID, parent=town_a
    )


def make_enterprise(jurisdiction, grid=None, serial=1, name="高唐县精工铸造有限公司", **extra):
    values = {
        "credit_code": make_code(serial),
        "name": name,
        "jurisdiction": jurisdiction,
        "grid": grid,
        "industry": "machinery",
        "employee_count": 120,
        "principal_name": "王建国",
        "principal_phone": "13800000001",
    }
    values.update(extra)
    return Enterprise.objects.create(**values)


@pytest.fixture
def enterprise_a(town_a, grid_a):
    enterprise = make_enterprise(town_a, grid_a, serial=1)
    enterprise.sector_tags.set([SectorTag.objects.get(code="foundry")])
    return enterprise


@pytest.fixture
def enterprise_a2(town_a, grid_a2):
    return make_enterprise(
        town_a, grid_a2, serial=2, name="山东鑫泰纺织有限公司", industry="textile"
    )


@pytest.fixture
def enterprise_b(town_b):
    return make_enterprise(
        town_b, None, serial=3, name="清平木业有限公司", industry="light_industry"
    )


@functools.cache
def _password_hash() -> str:
    # Argon2 is slow on purpose; hashing the shared test password once keeps the fixtures fast
    # while every test user still carries a real argon2 hash.
    return make_password(PASSWORD)


def make_user(username, role, jurisdiction=None, enterprise=None):
    user = User(
        username=username,
        full_name=username,
        role=role,
        jurisdiction=jurisdiction,
        enterprise=enterprise,
        password=_password_hash(),
    )
    user.save()
    return user


@pytest.fixture
def users(
    province, city, county, town_a, town_b, grid_a, enterprise_a, enterprise_a2, enterprise_b
):
    """One user per role, scoped so that enterprise_a is theirs and enterprise_b is not
    (except for the county roles and those above, who see both)."""
    expert = make_user("expert", Role.EXPERT)
    expert.assigned_enterprises.set([enterprise_a])
    return {
        Role.COUNTY_ADMIN: make_user("county_admin", Role.COUNTY_ADMIN, county),
        Role.SUPERVISOR: make_user("supervisor", Role.SUPERVISOR, county),
        Role.ENFORCEMENT_OFFICER: make_user("enforcer", Role.ENFORCEMENT_OFFICER, county),
        Role.TOWN_SUPERVISOR: make_user("town_a_supervisor", Role.TOWN_SUPERVISOR, town_a),
        Role.GRID_MEMBER: make_user("grid_a_member", Role.GRID_MEMBER, grid_a),
        Role.EXPERT: expert,
        Role.PRINCIPAL: make_user("principal_a", Role.PRINCIPAL, enterprise=enterprise_a),
        Role.SAFETY_OFFICER: make_user("safety_a", Role.SAFETY_OFFICER, enterprise=enterprise_a),
        Role.EMPLOYEE: make_user("employee_a", Role.EMPLOYEE, enterprise=enterprise_a),
        Role.CITY_SUPERVISOR: make_user("city_supervisor", Role.CITY_SUPERVISOR, city),
        Role.PROVINCE_SUPERVISOR: make_user(
            "province_supervisor", Role.PROVINCE_SUPERVISOR, province
        ),
    }


@pytest.fixture
def platform_admin(db):
    """The platform's superuser: the admin's rules and reference data, no county role."""
    return User.objects.create_superuser("platform", password=PASSWORD)


@pytest.fixture
def outsider(town_b):
    """A town supervisor of the other town."""
    return make_user("town_b_supervisor", Role.TOWN_SUPERVISOR, town_b)


def client_for(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def immediate_tasks():
    """Huey in immediate mode: a task handed to the queue runs at once, in the test."""
    previous = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = previous


# The named users of the `users` fixture that tests act as most.
@pytest.fixture
def officer(users):
    return users[Role.SAFETY_OFFICER]


@pytest.fixture
def principal(users):
    return users[Role.PRINCIPAL]


@pytest.fixture
def employee(users):
    return users[Role.EMPLOYEE]


@pytest.fixture
def town(users):
    return users[Role.TOWN_SUPERVISOR]


@pytest.fixture
def county_supervisor(users):
    return users[Role.SUPERVISOR]


# --- API clients and a county beyond ours, for the API and scope tests ---------------------------


def post_json(client, url, payload, method="post"):
    """Send `payload` (a dict, or text sent as it is) as a JSON body."""
    body = payload if isinstance(payload, str) else json.dumps(payload, default=str)
    return getattr(client, method)(url, body, content_type="application/json")


def bearer(user):
    """A client that authenticates only with a fresh bearer token of `user` (no session, CSRF
    enforced)."""
    from accounts.services import create_token

    _, raw = create_token(user, "接口测试")
    return Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def api(users):
    """api(role): a client that authenticates only with that role's bearer token."""
    return lambda role: bearer(users[role])


@pytest.fixture
def far_enterprise(db):
    """An enterprise of another county: nobody of ours sees it."""
    county = Jurisdiction.objects.create(code="371521", name="冠县", kind=JurisdictionKind.COUNTY)
    town = Jurisdiction.objects.create(
        code="371521-10", name="烟庄街道", kind=JurisdictionKind.STREET, parent=county
    )
    return make_enterprise(town, serial=9, name="冠县远方机械有限公司")


def pytest_collection_modifyitems(items):
    """Every transactional test restores the database it found (serialized_rollback).

    A transactional test ends with a flush. Without serialized_rollback that flush re-runs the
    post_migrate handlers, which on PostgreSQL (TRUNCATE ... RESTART IDENTITY) recreate content
    types and permissions under ids in a different order from the migrations; the next test that
    restores the serialized snapshot then collides with them. With it, the flush leaves the tables
    empty and the snapshot (content types, permissions, the data migrations' rows) comes back
    whole, the same for every transactional test.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None or not marker.kwargs.get("transaction"):
            continue
        if marker.kwargs.get("serialized_rollback"):
            continue
        item.add_marker(
            pytest.mark.django_db(*marker.args, **{**marker.kwargs, "serialized_rollback": True}),
            append=False,
        )


@pytest.fixture(autouse=True)
def _workbench_stats_counted_every_time(settings):
    """Tests change data and look again at once: the workbench's jurisdiction figures are
    counted every time (their cache is tested on its own in workbench/tests/test_items.py)."""
    settings.WORKBENCH_STATS_SECONDS = 0


@pytest.fixture
def demo_without_monitoring(db, monkeypatch, settings, tmp_path):
    """load_demo with the monitoring backfill left out (its own tests cover it): a function
    that loads it (again), its photos under tmp_path."""
    from django.core.management import call_command

    from demo.management.commands import load_demo

    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(
        load_demo.demo_monitoring,
        "load",
        lambda supervisor: {"gateways": 0, "points": 0, "readings": 0, "alarms": 0},
    )
    return lambda: call_command("load_demo", "--quiet")


@pytest.fixture(autouse=True)
def _slow_statements_not_recorded(settings):
    """A statement that happens to take half a second on a busy machine would add the ops
    counts' writes (core/ops.py) to a test that counts queries: the tests that are about those
    counts set SLOW_QUERY_MS themselves (core/tests/test_ops.py)."""
    settings.SLOW_QUERY_MS = 3_600_000
