"""The register's pages: the phone-friendly steps (unit → point → risk → measures), bad input
shown in Chinese beside the field with nothing saved, the register, the list's filters, the
risk page and the enterprise tab's summary; who sees and who edits."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from conftest import client_for
from risks import services
from risks.models import Measure, Risk, RiskUnit
from risks.tests.conftest import LEC_RED, make_register, snapshot


@pytest.fixture
def manager_client(client, manager):
    return client_for(client, manager)


def test_the_steps_enter_a_register(manager_client, enterprise_a):
    response = manager_client.post(
        reverse("risks:unit_create", args=[enterprise_a.pk]),
        {"name": "抛光车间", "kind": "workshop", "description": ""},
    )
    assert response.status_code == 302
    unit = RiskUnit.objects.get(name="抛光车间")
    manager_client.post(reverse("risks:point_create", args=[unit.pk]), {"name": "抛光工位"})
    point = unit.points.get()
    response = manager_client.post(
        reverse("risks:risk_create", args=[point.pk]),
        {
            "factor_kind": "thing",
            "accident_type": "other_explosion",
            "description": "铝镁粉尘积聚遇点火源爆炸",
            "emergency_steps": "停机断电，撤离人员",
            "method": "lec",
            "l": "LEC:3",
            "e": "LEC:6",
            "c": "LEC:40",
            "s": "LS:5",  # another method's factor is left out, not refused
            "note": "",
        },
    )
    risk = Risk.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/risks/{risk.pk}/"
    assert risk.colour == "red" and risk.current.score == 720
    response = manager_client.post(
        reverse("risks:measure_create", args=[risk.pk]),
        {
            "kind": "engineering",
            "description": "除尘系统与打磨设备联锁",
            "control_level": "company",
            "owner_name": "王建国",
        },
    )
    assert response.status_code == 302
    page = manager_client.get(reverse("risks:detail", args=[risk.pk])).content.decode()
    assert "除尘系统与打磨设备联锁" in page and "D = 3 × 6 × 40 = 720" in page
    register = manager_client.get(reverse("risks:enterprise", args=[enterprise_a.pk]))
    assert "铝镁粉尘积聚遇点火源爆炸" in register.content.decode()


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"l": "LS:4"}, "不能取 4"),
        ({"l": ""}, "这个字段是必填项"),
        ({"c": ""}, "请填写后果（C）"),
        ({"description": ""}, "这个字段是必填项"),
        ({"accident_type": "meteor"}, "选择一个有效的选项"),
    ],
)
def test_a_bad_risk_form_is_refused_beside_the_field(
    manager_client, manager, enterprise_a, changes, message
):
    _, point, _ = make_register(manager, enterprise_a)
    data = {
        "factor_kind": "thing",
        "accident_type": "fire",
        "description": "电气线路老化",
        "emergency_steps": "",
        "method": "lec",
        "l": "LEC:3",
        "e": "LEC:6",
        "c": "LEC:7",
        "s": "",
        "note": "",
    }
    data.update(changes)
    before = snapshot()
    response = manager_client.post(reverse("risks:risk_create", args=[point.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert snapshot() == before


def test_a_measure_without_owner_or_below_the_level_is_refused_on_the_form(
    manager_client, manager, enterprise_a
):
    _, _, risk = make_register(manager, enterprise_a, factors=LEC_RED)
    url = reverse("risks:measure_create", args=[risk.pk])
    before = snapshot()
    data = {
        "kind": "management",
        "description": "巡检",
        "control_level": "company",
        "owner_name": "",
    }
    response = manager_client.post(url, data)
    assert "这个字段是必填项" in response.content.decode()
    response = manager_client.post(url, {**data, "owner_name": "李强", "control_level": "team"})
    assert "红色风险应由公司级管控，不能设为班组级" in response.content.decode()
    assert snapshot() == before


def test_withdrawing_a_measure_on_the_page(manager_client, manager, register):
    measure = services.add_measure(
        manager,
        register["risk"].pk,
        kind="ppe",
        description="佩戴隔热手套",
        control_level="workshop",
        owner_name="赵六",
    )
    url = reverse("risks:measure_withdraw", args=[measure.pk])
    manager_client.post(url, {"reason": ""})
    assert Measure.objects.active().count() == 1
    manager_client.post(url, {"reason": "更换为自动出铁装置"})
    assert Measure.objects.active().count() == 0


@pytest.mark.parametrize("role", list(Role))
def test_every_role_in_scope_reads_the_register_and_only_managers_see_the_forms(
    client, users, register, enterprise_a, role
):
    client_for(client, users[role])
    page = client.get(reverse("risks:enterprise", args=[enterprise_a.pk]))
    assert page.status_code == 200
    editable = role in (Role.PRINCIPAL, Role.SAFETY_OFFICER)
    assert ("添加风险单元" in page.content.decode()) is editable
    form = client.get(reverse("risks:assess", args=[register["risk"].pk]))
    assert form.status_code == (200 if editable else 403)


def test_out_of_scope_is_not_found(client, users, register, enterprise_b):
    client_for(client, users[Role.TOWN_SUPERVISOR])
    assert client.get(reverse("risks:enterprise", args=[enterprise_b.pk])).status_code == 404
    from conftest import make_user

    other = make_user("principal_b", Role.PRINCIPAL, enterprise=enterprise_b)
    client_for(client, other)
    assert client.get(reverse("risks:detail", args=[register["risk"].pk])).status_code == 404
    assert client.get(reverse("risks:assess", args=[register["risk"].pk])).status_code == 404


def test_the_list_filters_by_colour_and_is_scoped(client, users, manager, enterprise_a):
    make_register(manager, enterprise_a, factors=LEC_RED)
    client_for(client, users[Role.SUPERVISOR])
    page = client.get(reverse("risks:list"), {"colour": "red"}).content.decode()
    assert "中频炉炉衬侵蚀" in page
    page = client.get(reverse("risks:list"), {"colour": "blue"}).content.decode()
    assert "没有符合条件的风险" in page
    page = client.get(reverse("risks:list"), {"colour": "purple"})  # a bad filter is dropped
    assert page.status_code == 200


def test_the_enterprise_tab_summarises_units_and_red_risks(client, users, manager, enterprise_a):
    _, point, red = make_register(manager, enterprise_a, factors=LEC_RED)
    services.add_risk(
        manager,
        point.pk,
        factor_kind="person",
        accident_type="scald_burn",
        description="未穿戴防护服",
        method="ls",
        factors={"l": 2, "s": 2},
    )
    services.add_unit(manager, enterprise_a.pk, name="仓库", kind="installation")
    client_for(client, users[Role.TOWN_SUPERVISOR])
    page = client.get(reverse("risks:tab", args=[enterprise_a.pk])).content.decode()
    assert 'data-unit-colour="red">红色 1' in page
    assert "未评估 1" in page
    assert "未落实公司级管控" in page
    services.add_measure(
        manager,
        red.pk,
        kind="engineering",
        description="炉衬测厚",
        control_level="company",
        owner_name="王建国",
    )
    page = client.get(reverse("risks:tab", args=[enterprise_a.pk])).content.decode()
    assert "未落实公司级管控" not in page
    detail = client.get(reverse("enterprises:detail", args=[enterprise_a.pk])).content.decode()
    assert reverse("risks:tab", args=[enterprise_a.pk]) in detail
    assert reverse("grading:card", args=[enterprise_a.pk]) in detail  # the grade card stays
