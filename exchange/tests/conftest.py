import pytest
from django.utils import timezone

from accounts.roles import Role
from conftest import make_user
from enforcement.inspections import services as inspections
from enforcement.penalties import services as penalties
from enforcement.tests.conftest import answer_all
from exchange import outbox
from exchange.models import ExchangeEntry
from hazards import services as hazard_services
from monitoring import partitions
from monitoring.conftest import make_gateway, make_point
from monitoring.ingest import ingest


@pytest.fixture(autouse=True)
def _fresh_partitions():
    partitions.forget()
    yield
    partitions.forget()


@pytest.fixture
def admin(users):
    return users[Role.COUNTY_ADMIN]


@pytest.fixture
def officers(county):
    found = []
    for i in range(2):
        officer = make_user(f"exchange_officer{i}", Role.ENFORCEMENT_OFFICER, county)
        officer.badge_number = f"EX{i:02d}"
        officer.save()
        found.append(officer)
    return found


def report_hazard(user, enterprise, description="除尘器泄爆口朝向人员通道"):
    return hazard_services.report(
        user, enterprise.pk, source="enforcement", description=description
    )


def raise_alarm(enterprise, code="GW-EX"):
    gateway = make_gateway(enterprise, code)
    point = make_point(gateway, "al1", "airlock_fault")
    now = timezone.now()
    ingest(gateway, [{"point": "al1", "ts": now.isoformat(), "value": True}], now=now)
    return point.alarms.get()


def complete_inspection(officers, enterprise):
    inspection = inspections.create_inspection(
        officers[0], enterprise.pk, "on_site", timezone.localdate(), [o.pk for o in officers]
    )
    answer_all(officers[0], inspection)
    return inspections.complete(officers[0], inspection.pk, "检查情况说明")


def file_penalty(supervisor, enterprise):
    return penalties.file_penalty(supervisor, enterprise.pk, "未按规定清理积尘", "第九条")


def entries(kind=None):
    outbox.sequence()
    found = ExchangeEntry.objects.order_by("seq")
    return list(found.filter(kind=kind) if kind else found)
