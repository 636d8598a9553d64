"""The one permission gate (core.gate, ScopedQuerySet.for_user with an action)."""

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from accounts.roles import PERMISSIONS, Role
from core.errors import Refused
from core.gate import check, get_for_user, refuse_on_page
from enterprises.models import Enterprise
from hazards import services as hazard_services
from hazards.models import Hazard


def test_for_user_with_an_action_is_empty_for_a_role_that_may_not(users, enterprise_a):
    assert Enterprise.objects.for_user(users[Role.EMPLOYEE]).filter(pk=enterprise_a.pk).exists()
    assert not Enterprise.objects.for_user(users[Role.EMPLOYEE], "enterprise.list").exists()
    mine = Enterprise.objects.for_user(users[Role.PRINCIPAL], "enterprise.list")
    assert list(mine) == [enterprise_a]


def test_get_for_user_is_404_out_of_scope_and_403_for_the_role(users, enterprise_a, enterprise_b):
    town = users[Role.TOWN_SUPERVISOR]
    assert get_for_user(Enterprise.objects.all(), town, "enterprise.edit", pk=enterprise_a.pk)
    with pytest.raises(Http404):
        get_for_user(Enterprise.objects.all(), town, "enterprise.edit", pk=enterprise_b.pk)
    with pytest.raises(Http404):
        get_for_user(Enterprise, town, "enterprise.edit", pk=987654)
    with pytest.raises(PermissionDenied, match="您的角色无权修改企业信息"):
        get_for_user(
            Enterprise,
            users[Role.GRID_MEMBER],
            "enterprise.edit",
            "修改企业信息",
            pk=enterprise_a.pk,
        )


def test_get_for_user_takes_a_manager_and_refuses_an_unscoped_model(users, enterprise_a):
    town = users[Role.TOWN_SUPERVISOR]
    assert get_for_user(Enterprise.objects, town, "enterprise.edit", pk=enterprise_a.pk)
    with pytest.raises(TypeError, match="not a scoped model"):
        get_for_user(type(town), town, "enterprise.edit", pk=town.pk)


def test_check_raises_the_apps_refusal_with_403(users):
    class AppRefused(Refused):
        pass

    check(users[Role.SUPERVISOR], "plan.approve", "批准执法计划", AppRefused)
    with pytest.raises(AppRefused, match="您的角色不能批准执法计划") as refused:
        check(users[Role.EMPLOYEE], "plan.approve", "批准执法计划", AppRefused)
    assert refused.value.status == 403


def _request():
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_a_refusal_on_a_page_is_404_403_or_its_reason_shown():
    with pytest.raises(Http404):
        refuse_on_page(_request(), Refused("不存在", 404))
    with pytest.raises(PermissionDenied, match="您的角色不能"):
        refuse_on_page(_request(), Refused("您的角色不能确认隐患", 403))
    request = _request()
    refuse_on_page(request, Refused("隐患当前状态为“已销号”，不能确认隐患", 409))
    assert [str(m) for m in get_messages(request)] == ["隐患当前状态为“已销号”，不能确认隐患"]


def test_hazard_transitions_read_their_roles_from_permissions():
    from hazards.transitions import TRANSITIONS

    for transition in TRANSITIONS.values():
        assert transition.roles == PERMISSIONS[transition.permission]


def test_available_actions_follow_the_transition_table(users, enterprise_a):
    supervisor = users[Role.SUPERVISOR]
    hazard = hazard_services.report(
        supervisor, enterprise_a.pk, source="enforcement", description="除尘器泄爆口朝向人员通道"
    )
    hazard = Hazard.objects.get(pk=hazard.pk)
    # Reported, not major: the bureau confirms, rejects or judges (a colleague confirms or
    # rejects what one reported oneself); listing and suspension wait for a major hazard; the
    # enterprise has nothing to do yet.
    town = users[Role.TOWN_SUPERVISOR]
    assert hazard_services.available_actions(town, hazard) == ["confirm", "reject", "judge_major"]
    assert hazard_services.available_actions(supervisor, hazard) == ["judge_major"]
    assert hazard_services.available_actions(users[Role.PRINCIPAL], hazard) == []
    hazard_services.confirm(town, hazard.pk)
    hazard = Hazard.objects.get(pk=hazard.pk)
    assert hazard_services.available_actions(users[Role.PRINCIPAL], hazard) == ["plan"]


def test_a_page_refuses_a_role_that_may_not_take_the_transition_with_a_403(
    client, users, enterprise_a
):
    hazard = hazard_services.report(
        users[Role.SUPERVISOR], enterprise_a.pk, source="enforcement", description="积尘未清理"
    )
    client.force_login(users[Role.PRINCIPAL])
    response = client.post(f"/hazards/{hazard.pk}/confirm/", {"note": ""})
    assert response.status_code == 403
    assert Hazard.objects.get(pk=hazard.pk).state == hazard.state


def test_a_user_at_the_only_root_is_not_asked_the_path_but_never_sees_another_tree(
    users, county, enterprise_a, enterprise_b
):
    from accounts.models import User
    from conftest import make_enterprise
    from core.models import Jurisdiction, JurisdictionKind

    # The province (山东省) is the tree's only root: its supervisor's scope is every row, with
    # no join to ask it; the county's (高唐县, under 聊城市) is asked the path.
    county_supervisor = User.objects.get(pk=users[Role.SUPERVISOR].pk)
    assert "scope_path" in str(Enterprise.objects.for_user(county_supervisor).query)
    supervisor = User.objects.get(pk=users[Role.PROVINCE_SUPERVISOR].pk)
    mine = Enterprise.objects.for_user(supervisor)
    hazards = Hazard.objects.for_user(supervisor)
    assert "WHERE" not in str(mine.query) and "WHERE" not in str(hazards.query)
    assert set(mine) == {enterprise_a, enterprise_b, *Enterprise.objects.all()}

    other = Jurisdiction.objects.create(
        code="371502", name="东昌府区", kind=JurisdictionKind.COUNTY
    )
    town = Jurisdiction.objects.create(
        code="371502-01", name="古楼街道", kind=JurisdictionKind.STREET, parent=other
    )
    elsewhere = make_enterprise(town, serial=77, name="东昌府区某机械有限公司")
    supervisor = User.objects.get(pk=supervisor.pk)  # a new request's user
    mine = Enterprise.objects.for_user(supervisor)
    assert "scope_path" in str(mine.query).split("WHERE")[1]
    assert elsewhere not in mine and enterprise_b in mine
    assert not Hazard.objects.for_user(supervisor).filter(enterprise=elsewhere).exists()
    assert (
        Enterprise.objects.for_user(User.objects.get(pk=users[Role.TOWN_SUPERVISOR].pk))
        .filter(pk=enterprise_b.pk)
        .count()
        == 0
    )
