"""The towns' implementation plans: goals no laxer than the county's, all or nothing; notes; who
sees and keeps which town's plan; the pages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from conftest import make_user
from targets import plans, services
from targets.models import EventAction, PlanNote, TargetEvent, TownPlan, TownTarget

pytestmark = pytest.mark.django_db


@pytest.fixture
def town_sup(users):
    return users[Role.TOWN_SUPERVISOR]


def _save(user, town, targets, title="赵寨子镇治本攻坚实施方案"):
    return plans.save_plan(
        user,
        town,
        title=title,
        division_of_work="安监办牵头",
        safeguards="每月调度",
        targets=targets,
    )


def _goals(town):
    return {(t.measure, t.year): t.goal for t in TownTarget.objects.filter(plan__jurisdiction=town)}


# --- the service --------------------------------------------------------------------------------


def test_a_stricter_goal_is_kept_and_the_event_names_the_changes(town_sup, town_a):
    # County: standardization 2025 is 90, training 2024 is 40; the town asks more of itself.
    plan = _save(
        town_sup, town_a, {("standardization", 2025): "95", ("principal_training", 2024): 50}
    )
    assert _goals(town_a) == {
        ("standardization", 2025): Decimal("95.00"),
        ("principal_training", 2024): Decimal("50.00"),
    }
    event = TargetEvent.objects.get(plan=plan)
    assert event.action == EventAction.PLAN_SAVED and event.actor == town_sup
    assert event.jurisdiction == town_a
    assert event.payload["created"] is True
    assert sorted(
        (c["measure"], c["year"], c["from"], c["to"]) for c in event.payload["changed"]
    ) == [
        ("principal_training", 2024, None, "50.00"),
        ("standardization", 2025, None, "95.00"),
    ]
    # The dashboard reads them (services.own_goals).
    assert services.own_goals([town_a], 2025) == {(town_a.pk, "standardization"): Decimal("95.00")}

    # Saved again: one changed, one dropped (back to the county's), one unchanged... none here.
    _save(town_sup, town_a, {("standardization", 2025): "92.5"})
    assert _goals(town_a) == {("standardization", 2025): Decimal("92.50")}
    second = TargetEvent.objects.filter(plan=plan).order_by("-id").first()
    assert second.payload["created"] is False
    assert sorted((c["measure"], c["from"], c["to"]) for c in second.payload["changed"]) == [
        ("principal_training", "50.00", None),
        ("standardization", "95.00", "92.50"),
    ]
    assert TownPlan.objects.count() == 1


def test_a_goal_equal_to_the_county_s_is_allowed(town_sup, town_a):
    _save(town_sup, town_a, {("connect", 2024): "100", ("majors_overdue", 2025): "0"})
    assert _goals(town_a) == {
        ("connect", 2024): Decimal("100.00"),
        ("majors_overdue", 2025): Decimal("0.00"),
    }


def test_a_laxer_goal_is_refused_naming_the_measure_and_both_goals_and_nothing_is_saved(
    town_sup, town_a
):
    with pytest.raises(plans.PlanRefused) as refused:
        _save(town_sup, town_a, {("connect", 2026): "100", ("standardization", 2025): "85"})
    message = str(refused.value)
    assert "安全生产标准化达标覆盖率" in message and "2025" in message
    assert "85" in message and "90" in message
    assert refused.value.status == 422
    assert not TownPlan.objects.exists() and not TownTarget.objects.exists()
    assert not TargetEvent.objects.exists()


def test_a_laxer_goal_on_an_existing_plan_changes_nothing(town_sup, town_a):
    _save(town_sup, town_a, {("standardization", 2025): "95"}, title="第一版")
    with pytest.raises(plans.PlanRefused):
        _save(
            town_sup,
            town_a,
            {("standardization", 2025): "98", ("majors_overdue", 2026): "2"},
            title="第二版",
        )
    plan = TownPlan.objects.get()
    assert plan.title == "第一版"
    assert _goals(town_a) == {("standardization", 2025): Decimal("95.00")}
    assert TargetEvent.objects.count() == 1


def test_lower_is_better_measures_refuse_a_higher_goal(town_sup, town_a):
    # 超过1月31日未整改的重大事故隐患: the county's goal is 0; a town may not allow 1.
    with pytest.raises(plans.PlanRefused) as refused:
        _save(town_sup, town_a, {("majors_overdue", 2024): "1"})
    assert "超过1月31日未整改的重大事故隐患" in str(refused.value)
    assert "不得高于" in str(refused.value)


def test_a_year_without_a_county_goal_accepts_any_valid_goal(town_sup, town_a):
    # Standardization has no county goal for 2024; majors found none in any year.
    _save(town_sup, town_a, {("standardization", 2024): "10", ("majors_found", 2025): "3"})
    assert _goals(town_a) == {
        ("standardization", 2024): Decimal("10.00"),
        ("majors_found", 2025): Decimal("3.00"),
    }


@pytest.mark.parametrize(
    ("targets", "words"),
    [
        ({("connect", 2025): "abc"}, "不是数字"),
        ({("connect", 2025): "NaN"}, "不是数字"),
        ({("connect", 2025): True}, "不是数字"),
        ({("nonsense", 2025): "100"}, "未知的指标"),
        ({("connect", 2027): "100"}, "不在实施方案年度"),
        ({("connect", "2025"): "100"}, "不在实施方案年度"),
        ({("connect", 2025): "120"}, "0到100"),
        ({("standardization", 2024): "-1"}, "负数"),
        ({("majors_found", 2025): "1.5"}, "整数"),
        ({("standardization", 2026): "99.999"}, "两位小数"),
        ({"connect": "100"}, "格式不正确"),
    ],
)
def test_bad_goals_are_refused_and_nothing_is_saved(town_sup, town_a, targets, words):
    with pytest.raises(plans.PlanRefused) as refused:
        _save(town_sup, town_a, targets)
    assert words in str(refused.value)
    assert not TownPlan.objects.exists() and not TargetEvent.objects.exists()


def test_an_empty_title_is_refused(town_sup, town_a):
    with pytest.raises(plans.PlanRefused, match="方案名称"):
        _save(town_sup, town_a, {}, title="  ")


def test_only_a_town_supervisor_of_the_town_keeps_its_plan(users, town_a, town_b, outsider):
    with pytest.raises(plans.PlanRefused) as refused:
        _save(outsider, town_a, {})
    assert refused.value.status == 404
    for role in (Role.SUPERVISOR, Role.COUNTY_ADMIN, Role.PRINCIPAL, Role.GRID_MEMBER):
        with pytest.raises(plans.PlanRefused) as refused:
            _save(users[role], town_a, {})
        assert refused.value.status == 403
    assert not TownPlan.objects.exists()


def test_notes_are_dated_no_later_than_today(town_sup, town_a):
    today = timezone.localdate()
    with pytest.raises(plans.PlanRefused) as refused:
        plans.add_note(town_sup, town_a, today, "已召开部署会")
    assert refused.value.status == 409  # no plan yet
    _save(town_sup, town_a, {})
    with pytest.raises(plans.PlanRefused, match="不能晚于今天"):
        plans.add_note(town_sup, town_a, today + timedelta(days=1), "明天的事")
    with pytest.raises(plans.PlanRefused, match="请填写推进情况"):
        plans.add_note(town_sup, town_a, today, "   ")
    note = plans.add_note(town_sup, town_a, today, "已召开部署会，排查企业12家")
    assert PlanNote.objects.get() == note
    event = TargetEvent.objects.get(action=EventAction.PLAN_NOTE)
    assert event.payload == {"note": note.pk, "written_on": today.isoformat()}


def test_the_county_s_supervisors_hear_of_a_plan_and_its_notes(users, town_sup, town_a, county):
    other_county = type(county).objects.create(code="371527", name="茌平区", kind="county")
    far = make_user("far_sup", Role.SUPERVISOR, other_county)
    _save(town_sup, town_a, {("standardization", 2025): "95"})
    plans.add_note(town_sup, town_a, timezone.localdate(), "推进中")
    saved, noted = TargetEvent.objects.order_by("id")
    for event in (saved, noted):
        message = plans.plan_message(event)
        assert message.recipients == [users[Role.SUPERVISOR]]
        assert far not in message.recipients
        assert message.link == f"/targets/plans/{town_a.pk}/"
    assert "赵寨子镇" in plans.plan_message(saved).title
    assert "调整目标1项" in plans.plan_message(saved).body
    assert plans.plan_message(noted).body == "推进中"


# --- the pages ----------------------------------------------------------------------------------


def _form(goals=None, title="赵寨子镇实施方案"):
    data = {"title": title, "division_of_work": "分工", "safeguards": "保障"}
    for (key, year), goal in (goals or {}).items():
        data[plans.goal_field(key, year)] = goal
    return data


def test_the_town_supervisor_files_the_plan_on_the_page(client, town_sup, town_a):
    client.force_login(town_sup)
    url = reverse("targets:plan_edit", args=[town_a.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "县级：90" in page.content.decode()  # the county's goal beside the input
    response = client.post(url, _form({("standardization", 2025): "96"}))
    assert response.status_code == 302
    assert _goals(town_a) == {("standardization", 2025): Decimal("96.00")}
    detail = client.get(reverse("targets:plan", args=[town_a.pk])).content.decode()
    assert "赵寨子镇实施方案" in detail and "96" in detail


def test_a_laxer_goal_on_the_page_is_shown_on_its_cell_and_nothing_is_saved(
    client, town_sup, town_a
):
    client.force_login(town_sup)
    response = client.post(
        reverse("targets:plan_edit", args=[town_a.pk]),
        _form({("standardization", 2025): "80", ("connect", 2025): "abc"}),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "90" in form.errors[plans.goal_field("standardization", 2025)][0]
    assert "不是数字" in form.errors[plans.goal_field("connect", 2025)][0]
    assert not TownPlan.objects.exists()


def test_another_town_s_plan_is_not_found(client, town_sup, town_a, outsider):
    _save(town_sup, town_a, {("standardization", 2025): "95"})
    client.force_login(outsider)
    for name in ("targets:plan", "targets:plan_edit", "targets:plan_note"):
        assert client.get(reverse(name, args=[town_a.pk])).status_code == 404
    response = client.post(reverse("targets:plan_edit", args=[town_a.pk]), _form(title="改掉"))
    assert response.status_code == 404
    assert TownPlan.objects.get().title == "赵寨子镇治本攻坚实施方案"
    listing = client.get(reverse("targets:plans")).content.decode()
    assert "清平镇" in listing and "赵寨子镇" not in listing


def test_the_county_reads_every_town_s_plan_but_does_not_edit_it(client, users, town_sup, town_a):
    _save(town_sup, town_a, {("standardization", 2025): "95"})
    client.force_login(users[Role.SUPERVISOR])
    listing = client.get(reverse("targets:plans"))
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "赵寨子镇治本攻坚实施方案" in text and "清平镇" in text and "未填报" in text
    assert client.get(reverse("targets:plan", args=[town_a.pk])).status_code == 200
    assert client.get(reverse("targets:plan_edit", args=[town_a.pk])).status_code == 403
    # The county node is not a town: no plan page.
    county = town_a.parent
    assert client.get(reverse("targets:plan", args=[county.pk])).status_code == 404


@pytest.mark.parametrize(
    "role", [Role.PRINCIPAL, Role.SAFETY_OFFICER, Role.EMPLOYEE, Role.EXPERT, Role.GRID_MEMBER]
)
def test_enterprise_users_experts_and_grid_members_are_refused(client, users, town_a, role):
    client.force_login(users[role])
    assert client.get(reverse("targets:plans")).status_code == 403
    assert client.get(reverse("targets:plan", args=[town_a.pk])).status_code == 403
    assert client.post(reverse("targets:plan_edit", args=[town_a.pk]), _form()).status_code == 403
    assert not TownPlan.objects.exists()


def test_the_note_page(client, town_sup, town_a):
    client.force_login(town_sup)
    url = reverse("targets:plan_note", args=[town_a.pk])
    # No plan yet: sent to file one first.
    assert client.get(url)["Location"] == reverse("targets:plan_edit", args=[town_a.pk])
    _save(town_sup, town_a, {})
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(url, {"written_on": tomorrow.isoformat(), "text": "明天"})
    assert response.status_code == 200 and "不能晚于今天" in response.content.decode()
    assert not PlanNote.objects.exists()
    response = client.post(url, {"written_on": timezone.localdate().isoformat(), "text": "已部署"})
    assert response.status_code == 302
    assert PlanNote.objects.get().text == "已部署"
    assert "已部署" in client.get(reverse("targets:plan", args=[town_a.pk])).content.decode()


# --- the API ------------------------------------------------------------------------------------

API = "/api/v1/targets/plans"


def _put(client, town, body):
    return client.put(f"{API}/{town.pk}", body, content_type="application/json")


def test_the_api_saves_a_plan_and_refuses_a_laxer_goal_whole(client, town_sup, town_a):
    client.force_login(town_sup)
    body = {
        "title": "赵寨子镇方案",
        "goals": [
            {"measure": "standardization", "year": 2025, "goal": 95},
            {"measure": "connect", "year": 2026, "goal": "100"},
        ],
    }
    response = _put(client, town_a, body)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["filed"] is True and data["title"] == "赵寨子镇方案"
    goals = {(g["measure"], g["year"]): g for g in data["goals"]}
    assert Decimal(goals[("standardization", 2025)]["own_goal"]) == 95
    assert Decimal(goals[("standardization", 2025)]["county_goal"]) == 90
    assert goals[("standardization", 2024)]["county_goal"] is None

    laxer = {"title": "改", "goals": [{"measure": "standardization", "year": 2025, "goal": 80}]}
    response = _put(client, town_a, laxer)
    assert response.status_code == 422
    assert "90" in response.json()["detail"] and "80" in response.json()["detail"]
    assert plans.goal_field("standardization", 2025) in response.json()["errors"]
    assert TownPlan.objects.get().title == "赵寨子镇方案"

    for bad in (
        {"title": "x", "goals": [{"measure": "connect", "year": 2025, "goal": "abc"}]},
        {"title": "x", "goals": [{"measure": "nope", "year": 2025, "goal": 1}]},
        {"title": "x", "goals": [{"measure": "connect", "year": 2030, "goal": 100}]},
        {
            "title": "x",
            "goals": [
                {"measure": "connect", "year": 2025, "goal": 100},
                {"measure": "connect", "year": 2025, "goal": 100},
            ],
        },
    ):
        response = _put(client, town_a, bad)
        assert response.status_code == 422, bad
        assert response.json()["detail"]
    assert TownPlan.objects.get().title == "赵寨子镇方案"


def test_the_api_scoping(client, users, town_sup, town_a, town_b, outsider):
    _save(town_sup, town_a, {("standardization", 2025): "95"})
    client.force_login(outsider)
    assert client.get(f"{API}/{town_a.pk}").status_code == 404
    assert _put(client, town_a, {"title": "改"}).status_code == 404
    assert [t["town_name"] for t in client.get(API).json()["items"]] == ["清平镇"]
    client.force_login(users[Role.SUPERVISOR])
    listing = {t["town_name"]: t for t in client.get(API).json()["items"]}
    assert listing["赵寨子镇"]["filed"] is True and listing["赵寨子镇"]["own_goals"] == 1
    assert listing["清平镇"]["filed"] is False
    assert client.get(f"{API}/{town_a.pk}").json()["title"] == "赵寨子镇治本攻坚实施方案"
    assert _put(client, town_a, {"title": "改"}).status_code == 403
    client.force_login(users[Role.PRINCIPAL])
    assert client.get(API).status_code == 403
    assert client.get(f"{API}/{town_a.pk}").status_code == 403


def test_the_api_adds_a_note(client, town_sup, town_a):
    client.force_login(town_sup)
    url = f"{API}/{town_a.pk}/notes"
    today = timezone.localdate()
    body = {"written_on": today.isoformat(), "text": "已部署"}
    assert client.post(url, body, content_type="application/json").status_code == 409
    _save(town_sup, town_a, {})
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 201 and response.json()["text"] == "已部署"
    late = {"written_on": (today + timedelta(days=1)).isoformat(), "text": "明天"}
    response = client.post(url, late, content_type="application/json")
    assert response.status_code == 422 and "不能晚于今天" in response.json()["detail"]
