"""The workbench's items, kind by kind: each appears for the role whose turn it is and not for
the others; counts, urgency and links; the jurisdiction overview; the page for every role."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import PERMISSIONS, Role
from conftest import client_for
from grading import services as grading_services
from hazards import services as hazard_services
from hazards.models import Hazard
from monitoring import partitions
from monitoring.conftest import make_gateway, make_point
from monitoring.ingest import ingest
from monitoring.models import PowerWarning, WarningKind
from reporting import services as commitment_services
from workbench.items import items_for, overview

TODAY = date(2026, 12, 7)  # a Monday


@pytest.fixture(autouse=True)
def _fresh_partitions():
    partitions.forget()
    yield


# The fixtures' foundry has not drilled this half year and its principal is not trained
# (training): those items are left out with the duties' (training's own tests ask for them).
DUTY_KINDS = {"duty_own", "duty_missing", "drill_due", "drill_overdue", "principals_untrained"}


def kinds(user, today=TODAY, duties=False):
    """{kind: count}. The fixtures' enterprises have not had this period's principal-led check,
    so its items are everywhere: left out unless asked for (their tests ask)."""
    return {
        item.key: item.count
        for item in items_for(user, today)
        if duties or item.key not in DUTY_KINDS
    }


@pytest.fixture
def reported(users, enterprise_a):
    """A hazard the safety officer reported from another source than the enterprise's own
    checks: the bureau reviews it."""
    return hazard_services.report(
        users[Role.SAFETY_OFFICER],
        enterprise_a.pk,
        source="other",
        description="打磨工位除尘器未开启",
    )


@pytest.fixture
def own_finding(users, enterprise_a):
    """A general hazard of the enterprise's own self-inspection: reviewed inside it."""
    return hazard_services.report(
        users[Role.SAFETY_OFFICER],
        enterprise_a.pk,
        source="self_inspection",
        description="配电箱门未关闭",
    )


def test_the_enterprises_own_finding_waits_for_another_manager_not_the_town(users, own_finding):
    town, officer, principal = (
        users[Role.TOWN_SUPERVISOR],
        users[Role.SAFETY_OFFICER],
        users[Role.PRINCIPAL],
    )
    assert kinds(principal)["hazards_reported"] == 1
    assert "hazards_reported" not in kinds(officer)  # who reported it does not confirm it
    assert "hazards_reported" not in kinds(town)  # the town sees it, but it is not theirs
    hazard_services.confirm(principal, own_finding.pk, "属实")
    hazard_services.plan(
        officer, own_finding.pk, owner="李强", measures="加锁", deadline=TODAY + timedelta(30)
    )
    hazard_services.start(officer, own_finding.pk)
    hazard_services.submit(officer, own_finding.pk, "已加锁")
    assert kinds(principal)["hazards_submitted"] == 1
    assert "hazards_submitted" not in kinds(officer)  # nobody verifies their own submission
    assert "hazards_submitted" not in kinds(town)
    # Judged major by the town, the verification becomes the town's.
    Hazard.objects.filter(pk=own_finding.pk).update(is_major=True)
    assert kinds(town)["hazards_submitted"] == 1
    assert "hazards_submitted" not in kinds(principal)


def test_a_reported_hazard_waits_for_the_bureau_then_for_the_enterprise(users, reported):
    town, officer = users[Role.TOWN_SUPERVISOR], users[Role.SAFETY_OFFICER]
    assert kinds(town)["hazards_reported"] == 1
    assert "hazards_reported" not in kinds(officer)
    for role in (Role.EMPLOYEE, Role.EXPERT, Role.GRID_MEMBER):
        assert kinds(users[role]) == {}, role
    hazard_services.confirm(town, reported.pk, "属实")
    assert kinds(officer)["hazards_confirmed"] == 1
    assert kinds(users[Role.PRINCIPAL])["hazards_confirmed"] == 1
    assert "hazards_confirmed" not in kinds(town)
    item = next(i for i in items_for(officer, TODAY) if i.key == "hazards_confirmed")
    assert item.label == "待制定整改方案的隐患"
    assert item.url == reverse("hazards:ledger") + "?state=confirmed"


def test_a_hazard_out_of_scope_is_not_counted(users, outsider, reported):
    assert kinds(outsider) == {}


def test_overdue_and_due_soon_come_first(users, reported):
    officer = users[Role.SAFETY_OFFICER]
    hazard_services.confirm(users[Role.TOWN_SUPERVISOR], reported.pk, "属实")
    Hazard.objects.filter(pk=reported.pk).update(deadline=TODAY - timedelta(days=1))
    items = items_for(officer, TODAY)
    assert items[0].key == "hazards_overdue" and items[0].urgency_label == "已逾期"
    assert items[0].url.endswith("?overdue=on")
    Hazard.objects.filter(pk=reported.pk).update(deadline=TODAY + timedelta(days=2))
    assert items_for(officer, TODAY)[0].key == "hazards_due"
    Hazard.objects.filter(pk=reported.pk).update(deadline=TODAY + timedelta(days=30))
    assert set(kinds(officer)) == {"hazards_confirmed"}


def test_an_open_alarm_waits_for_those_who_handle_it(users, enterprise_a):
    gateway = make_gateway(enterprise_a, "GW-WB")
    make_point(gateway, "al1", "airlock_fault")
    now = timezone.now()
    ingest(gateway, [{"point": "al1", "ts": now.isoformat(), "value": True}], now=now)
    for role in (Role.PRINCIPAL, Role.SAFETY_OFFICER, Role.TOWN_SUPERVISOR, Role.GRID_MEMBER):
        assert kinds(users[role])["alarms_open"] == 1, role
    for role in (Role.EMPLOYEE, Role.EXPERT, Role.COUNTY_ADMIN):
        assert "alarms_open" not in kinds(users[role]), role


def test_a_power_warning_waits_for_review(users, enterprise_a):
    PowerWarning.objects.create(
        enterprise=enterprise_a,
        kind=WarningKind.COVERT,
        window_start=timezone.now() - timedelta(hours=2),
        window_end=timezone.now(),
        observed_kw=100,
        baseline_kw=15,
        baseline="近30天空闲功率 P10 5.0 kW",
        evidence={},
    )
    assert kinds(users[Role.TOWN_SUPERVISOR])["warnings"] == 1
    assert "warnings" not in kinds(users[Role.PRINCIPAL])


def test_a_grade_override_waits_for_another_approver(users, enterprise_a):
    supervisor = users[Role.SUPERVISOR]
    grading_services.recompute(supervisor, enterprise_a.pk)
    grading_services.request_override(
        users[Role.TOWN_SUPERVISOR], enterprise_a.pk, level="red", reason="多次拒不整改"
    )
    assert kinds(supervisor)["overrides"] == 1
    assert kinds(users[Role.COUNTY_ADMIN])["overrides"] == 1
    assert "overrides" not in kinds(users[Role.TOWN_SUPERVISOR])
    item = next(i for i in items_for(supervisor, TODAY) if i.key == "overrides")
    assert item.url == reverse("grading:detail", args=[enterprise_a.pk])


def test_a_commitment_ending_soon_is_to_renew(users, enterprise_a):
    principal = users[Role.PRINCIPAL]
    commitment_services.record(
        principal,
        kind="zero_out",
        committer_name="王建国",
        period_start=date(2026, 1, 1),
        period_end=TODAY + timedelta(days=20),
    )
    assert kinds(principal)["commitments"] == 1
    assert "commitments" not in kinds(users[Role.TOWN_SUPERVISOR])
    assert "commitments" not in kinds(principal, TODAY - timedelta(days=30))


def test_the_overview_is_for_the_bureau_and_counts_its_jurisdiction(users, reported):
    hazard_services.judge_major(
        users[Role.TOWN_SUPERVISOR], reported.pk, is_major=True, reason="属重大隐患"
    )
    town = overview(users[Role.TOWN_SUPERVISOR], TODAY)
    assert town.open_majors == 1 and town.open_alarms == 0
    assert overview(users[Role.PRINCIPAL], TODAY) is None
    assert overview(users[Role.EMPLOYEE], TODAY) is None


@pytest.mark.parametrize("role", list(Role))
def test_every_role_lands_on_its_workbench(client, users, reported, role):
    client_for(client, users[role])
    response = client.get(reverse("home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "工作台" in page
    # The reported hazard is the bureau's to confirm: on the page of a role that reviews.
    assert ('data-kind="hazards_reported"' in page) == (role in PERMISSIONS["hazard.review"])


def test_the_platform_superuser_lands_on_the_admin(client, platform_admin):
    client_for(client, platform_admin)
    assert client.get(reverse("home")).url == "/admin/"


def test_a_hazard_page_says_what_comes_next_and_who_it_waits_for(client, users, reported):
    client_for(client, users[Role.TOWN_SUPERVISOR])
    url = reverse("hazards:detail", args=[reported.pk])
    assert "下一步：确认隐患 · 等待 监管部门（镇街或县局）" in client.get(url).content.decode()
    hazard_services.confirm(users[Role.TOWN_SUPERVISOR], reported.pk, "属实")
    page = client.get(url).content.decode()
    assert "下一步：制定整改方案 · 等待 企业（主要负责人或安全管理人员）" in page
    Hazard.objects.filter(pk=reported.pk).update(state="closed")
    assert 'id="next-step"' not in client.get(url).content.decode()


def test_an_alarm_page_says_what_comes_next(client, users, enterprise_a):
    gateway = make_gateway(enterprise_a, "GW-NEXT")
    make_point(gateway, "al1", "airlock_fault")
    now = timezone.now()
    ingest(gateway, [{"point": "al1", "ts": now.isoformat(), "value": True}], now=now)
    alarm = enterprise_a.alarms.get()
    client_for(client, users[Role.SAFETY_OFFICER])
    page = client.get(reverse("monitoring:alarm", args=[alarm.pk])).content.decode()
    assert "下一步：确认报警 · 等待 企业或监管人员" in page


def test_a_jurisdictions_figures_are_counted_once_a_period_per_role_and_place(
    settings, users, enterprise_a, reported
):
    from django.core.cache import cache

    settings.WORKBENCH_STATS_SECONDS = 300
    cache.clear()
    town, county = users[Role.TOWN_SUPERVISOR], users[Role.SUPERVISOR]
    hazard_services.judge_major(town, reported.pk, is_major=True, reason="属重大隐患")
    assert overview(town, TODAY).open_majors == 1
    second = hazard_services.report(
        users[Role.SAFETY_OFFICER], enterprise_a.pk, source="other", description="另一处"
    )
    hazard_services.judge_major(town, second.pk, is_major=True, reason="属重大隐患")
    assert overview(town, TODAY).open_majors == 1  # the town's figure, counted a moment ago
    assert overview(county, TODAY).open_majors == 2  # the county's own, counted now
    assert overview(town, TODAY + timedelta(days=1)).open_majors == 2  # a new day
    settings.WORKBENCH_STATS_SECONDS = 0
    assert overview(town, TODAY).open_majors == 2
    cache.clear()
