"""The annual plan: the key list from grades (where the grading app is installed) or high-risk
sectors, the 70 % random share, progress by month and coverage."""

from datetime import date

import pytest
from django.apps import apps
from django.utils import timezone

from accounts.roles import Role
from core.errors import Refused
from enforcement.models import EnforcementPlan, PlanItem
from enforcement.plans import services
from enforcement.plans.services import DrawRequest


@pytest.fixture
def enforcer(users):
    return users[Role.ENFORCEMENT_OFFICER]


def _grade_model():
    try:
        return apps.get_model("grading", "EnterpriseGrade")
    except LookupError:
        return None


def _clear_grades():
    model = _grade_model()
    if model is not None:
        model.objects.all().delete()


def test_key_list_falls_back_to_high_risk_sectors(
    county, enterprise_a, enterprise_a2, enterprise_b
):
    _clear_grades()
    enterprise_b.sector_tags.add("ammonia_refrigeration", "combustible_dust")
    items, source = services.key_list(county)
    assert source == "sectors"
    by_id = {item["enterprise_id"]: item for item in items}
    assert set(by_id) == {enterprise_a.pk, enterprise_b.pk}  # a2 (textile, no tag) is not key
    assert by_id[enterprise_a.pk]["reason"] == "高风险行业领域：机械铸造"
    assert "涉氨制冷" in by_id[enterprise_b.pk]["reason"]
    assert by_id[enterprise_a.pk]["visits"] == 2
    assert len(by_id[enterprise_a.pk]["months"]) == 2


@pytest.mark.skipif(_grade_model() is None, reason="grading app not installed")
def test_key_list_prefers_grades(county, enterprise_a, enterprise_a2, enterprise_b):
    _clear_grades()
    model = _grade_model()
    now = timezone.now()
    for enterprise, level in ((enterprise_a, "blue"), (enterprise_a2, "red")):
        model.objects.create(
            enterprise=enterprise,
            level=level,
            computed_level=level,
            score=0,
            explanation={},
            scored_at=now,
            level_since=now,
        )
    enterprise_b.sector_tags.add("chlorine")
    items, source = services.key_list(county)
    by_id = {item["enterprise_id"]: item for item in items}
    # a is graded blue: its foundry tag does not make it key; a2 is red; b is ungraded and
    # tagged, so the sector rule decides for it.
    assert set(by_id) == {enterprise_a2.pk, enterprise_b.pk}
    assert by_id[enterprise_a2.pk]["reason"] == "风险等级红色"
    assert by_id[enterprise_a2.pk]["visits"] >= 1
    assert source == "grading+sectors"


def test_plan_needs_seventy_percent_random(users, enforcer, county, enterprise_a):
    _clear_grades()
    plan = services.create_plan(enforcer, 2026, random_by_month={"3": 1})
    assert plan.items.count() == 1 and plan.key_list_source == "sectors"
    supervisor = users[Role.SUPERVISOR]
    with pytest.raises(Refused, match=r"低于 70%.*不少于 5 次"):
        services.approve_plan(supervisor, plan.pk)
    assert EnforcementPlan.objects.get().status == "draft"
    with pytest.raises(Refused) as refused:
        services.approve_plan(enforcer, plan.pk)  # officers draw up, supervisors approve
    assert refused.value.status == 403
    services.update_plan(enforcer, plan.pk, {"3": 3, "9": 2})
    services.approve_plan(supervisor, plan.pk)
    plan.refresh_from_db()
    assert plan.status == "approved" and plan.random_target == 5
    with pytest.raises(Refused, match="已批准"):
        services.update_plan(enforcer, plan.pk, {"3": 10})


def test_plan_refusals(enforcer, county):
    with pytest.raises(Refused, match="月份 13 无效"):
        services.create_plan(enforcer, 2026, random_by_month={"13": 1})
    with pytest.raises(Refused, match="应为整数"):
        services.create_plan(enforcer, 2026, random_by_month={"1": "many"})
    services.create_plan(enforcer, 2026)
    with pytest.raises(Refused, match="已存在"):
        services.create_plan(enforcer, 2026)
    assert EnforcementPlan.objects.count() == 1


def test_progress_counts_drawn_and_done(enforcer, inspectors, county, many_enterprises):
    _clear_grades()
    year = timezone.localdate().year
    plan = services.create_plan(enforcer, year, random_by_month={"6": 4})
    draw = services.create_draw(
        enforcer,
        DrawRequest(
            name="六月",
            enterprise_count=4,
            plan_id=plan.pk,
            planned_from=date(year, 6, 1),
            planned_to=date(year, 6, 20),
        ),
    )
    today = timezone.localdate()
    for assignment in draw.assignments.all()[:3]:
        services.record_outcome(enforcer, assignment.pk, "compliant", "", today)
    rows = {row["month"]: row for row in services.plan_progress(plan)}
    assert rows[6]["planned_random"] == 4 and rows[6]["drawn_random"] == 4
    assert rows[today.month]["done_random"] == 3
    assert sum(row["done_key"] for row in rows.values()) == 0  # hook until inspections exist
    coverage = services.plan_coverage(plan)
    assert coverage["drawn"] == 4 and coverage["operating"] == 23


def test_refresh_key_list(enforcer, county, enterprise_a, enterprise_b):
    _clear_grades()
    plan = services.create_plan(enforcer, 2026)
    assert list(plan.items.values_list("enterprise_id", flat=True)) == [enterprise_a.pk]
    enterprise_b.sector_tags.add("foundry")
    services.refresh_key_list(enforcer, plan.pk)
    assert set(PlanItem.objects.values_list("enterprise_id", flat=True)) == {
        enterprise_a.pk,
        enterprise_b.pk,
    }


def test_exclude_key_list_from_draw(enforcer, inspectors, county, many_enterprises, enterprise_a):
    _clear_grades()
    plan = services.create_plan(enforcer, 2026)
    draw = services.create_draw(
        enforcer,
        DrawRequest(
            name="非重点", enterprise_count=3, plan_id=plan.pk, filters={"exclude_key_list": True}
        ),
    )
    assert enterprise_a.pk not in draw.pool


def test_plan_pages(client, users, enforcer, county, enterprise_a):
    from conftest import client_for

    _clear_grades()
    client_for(client, enforcer)
    response = client.post("/enforcement/plans/", {"year": 2026, "m3": 5, "m9": 5})
    plan = EnforcementPlan.objects.get()
    assert response.status_code == 302
    html = client.get(f"/enforcement/plans/{plan.pk}/").content.decode()
    assert 'data-chart="plan-progress"' in html and enterprise_a.name in html and "83%" in html
    client.logout()
    client_for(client, users[Role.SUPERVISOR])
    client.post(f"/enforcement/plans/{plan.pk}/approve/")
    plan.refresh_from_db()
    assert plan.status == "approved"
