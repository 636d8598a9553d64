"""The register's services: the colour computed from the factors at reachable scores beside
each threshold, bad input refused in Chinese with nothing saved, re-assessment history, the
control level a colour requires, who may change the register and where, and the events."""

from decimal import Decimal

import pytest

from accounts.roles import Role
from core.models import Notification
from risks import services
from risks.models import Assessment, EventAction, Measure, Risk, RiskEvent
from risks.services import RiskRefused
from risks.tests.conftest import LEC_RED, LS_BLUE, make_register, snapshot


@pytest.mark.parametrize(
    "factors, score, colour",
    [
        ({"l": "10", "e": "6", "c": "7"}, "420", "red"),  # > 320
        ({"l": "6", "e": "3", "c": "15"}, "270", "red"),  # 160–320
        ({"l": "3", "e": "2", "c": "15"}, "90", "orange"),  # 70–160
        ({"l": "1", "e": "10", "c": "7"}, "70", "yellow"),  # exactly 70
        ({"l": "6", "e": "6", "c": "1"}, "36", "yellow"),
        ({"l": "10", "e": "2", "c": "1"}, "20", "yellow"),  # exactly 20
        ({"l": "6", "e": "3", "c": "1"}, "18", "blue"),  # just below 20
        ({"l": "0.1", "e": "0.5", "c": "1"}, "0.05", "blue"),
    ],
)
def test_lec_assessment_computes_score_and_colour(manager, enterprise_a, factors, score, colour):
    _, _, risk = make_register(manager, enterprise_a, factors=factors)
    assert risk.current.score == Decimal(score)
    assert risk.colour == colour
    assert Risk.objects.get(pk=risk.pk).colour == colour


@pytest.mark.parametrize(
    "l_value, s_value, colour",
    [
        (5, 5, "red"),
        (4, 5, "red"),
        (4, 4, "orange"),
        (3, 5, "orange"),
        (3, 4, "yellow"),
        (3, 3, "yellow"),
        (2, 4, "blue"),
        (1, 1, "blue"),
    ],
)
def test_ls_assessment_computes_colour(manager, enterprise_a, l_value, s_value, colour):
    _, _, risk = make_register(
        manager, enterprise_a, method="ls", factors={"l": l_value, "s": s_value}
    )
    assert risk.colour == colour
    assert risk.current.score == l_value * s_value


@pytest.mark.parametrize(
    "method, factors, message",
    [
        (
            "lec",
            {"l": "4", "e": "6", "c": "15"},
            "可能性（L）只能取 10、6、3、1、0.5、0.2、0.1，不能取 4",
        ),
        ("lec", {"l": "6", "e": "7", "c": "15"}, "暴露频繁程度（E）只能取"),
        ("lec", {"l": "6", "e": "6", "c": "50"}, "后果（C）只能取"),
        ("lec", {"l": "6", "e": "6"}, "请填写后果（C）"),
        ("lec", {"l": "abc", "e": "6", "c": "15"}, "请填写可能性（L）"),
        ("lec", {"l": "NaN", "e": "6", "c": "15"}, "请填写可能性（L）"),
        ("ls", {"l": "3", "s": "6"}, "严重性（S）只能取 1、2、3、4、5，不能取 6"),
        ("ls", {"l": "0", "s": "3"}, "可能性（L）只能取 1、2、3、4、5，不能取 0"),
        ("ls", {"l": "2.5", "s": "3"}, "不能取 2.5"),
        ("ls", {"l": "1e999999", "s": "3"}, "不能取 1E+999999"),
        ("ls", {"l": "3", "s": "3", "e": "6"}, "不使用暴露频繁程度（E）"),
        ("xyz", {"l": "3", "s": "3"}, "请选择评价方法"),
    ],
)
def test_a_value_outside_the_tables_is_refused_and_nothing_saved(
    manager, register, method, factors, message
):
    before = snapshot()
    with pytest.raises(RiskRefused) as refused:
        services.assess(manager, register["risk"].pk, method=method, factors=factors)
    assert message in str(refused.value)
    assert refused.value.status == 422
    with pytest.raises(RiskRefused):
        services.add_risk(
            manager,
            register["point"].pk,
            factor_kind="thing",
            accident_type="fire",
            description="x",
            method=method,
            factors=factors,
        )
    assert snapshot() == before


def test_reassessment_keeps_the_history_and_points_at_the_latest(manager, register):
    risk = register["risk"]
    first = risk.current
    second = services.assess(manager, risk.pk, method="ls", factors={"l": 4, "s": 5}, note="复评")
    risk.refresh_from_db()
    assert risk.current == second
    assert risk.colour == "red" and risk.rank == 1
    assert list(risk.assessments.order_by("id")) == [first, second]
    event = RiskEvent.objects.filter(risk=risk, action=EventAction.ASSESSED).get()
    assert (event.from_state, event.to_state) == ("yellow", "red")


def test_a_measure_needs_a_named_owner(manager, register):
    before = snapshot()
    for owner in ("", "   ", None):
        with pytest.raises(RiskRefused, match="请填写管控责任人") as refused:
            services.add_measure(
                manager,
                register["risk"].pk,
                kind="engineering",
                description="安装炉衬测厚仪",
                control_level="company",
                owner_name=owner,
            )
        assert refused.value.field == "owner_name"
    assert snapshot() == before


def test_a_measure_below_the_level_the_colour_requires_is_refused(manager, enterprise_a):
    _, _, risk = make_register(manager, enterprise_a, factors=LEC_RED)
    before = snapshot()
    with pytest.raises(RiskRefused, match="红色风险应由公司级管控，不能设为车间级"):
        services.add_measure(
            manager,
            risk.pk,
            kind="management",
            description="每班检查炉衬",
            control_level="workshop",
            owner_name="李强",
        )
    assert snapshot() == before
    measure = services.add_measure(
        manager,
        risk.pk,
        kind="management",
        description="每班检查炉衬",
        control_level="company",
        owner_name="李强",
    )
    assert measure.meets_requirement


def test_a_reassessment_to_a_worse_colour_flags_older_measures(manager, register):
    risk = register["risk"]  # yellow: a workshop-level measure is enough
    measure = services.add_measure(
        manager,
        risk.pk,
        kind="training",
        description="岗前培训",
        control_level="workshop",
        owner_name="王芳",
    )
    services.assess(manager, risk.pk, method="lec", factors=LEC_RED)
    measure.refresh_from_db()
    assert not measure.meets_requirement
    event = RiskEvent.objects.filter(action=EventAction.ASSESSED).get()
    assert event.payload["measures_below_required"] == ["岗前培训"]


def test_withdrawing_a_measure_needs_a_reason_and_keeps_it(manager, register):
    measure = services.add_measure(
        manager,
        register["risk"].pk,
        kind="ppe",
        description="佩戴防护面罩",
        control_level="workshop",
        owner_name="赵六",
    )
    with pytest.raises(RiskRefused, match="请填写撤销原因"):
        services.withdraw_measure(manager, measure.pk, reason=" ")
    services.withdraw_measure(manager, measure.pk, reason="工艺改造后不再适用")
    assert Measure.objects.active().count() == 0 and Measure.objects.count() == 1
    with pytest.raises(RiskRefused) as again:
        services.withdraw_measure(manager, measure.pk, reason="再次")
    assert again.value.status == 409


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("kind", "robot", "请选择措施类别"),
        ("control_level", "county", "请选择管控层级"),
        ("description", "", "请填写管控措施"),
        ("description", "a\x00b", "管控措施"),
        ("owner_name", "张" * 51, "管控责任人不能超过 50 字"),
    ],
)
def test_bad_measure_input_is_refused(manager, register, field, value, message):
    data = {
        "kind": "ppe",
        "description": "佩戴防护面罩",
        "control_level": "workshop",
        "owner_name": "赵六",
    }
    data[field] = value
    before = snapshot()
    with pytest.raises(RiskRefused, match=message):
        services.add_measure(manager, register["risk"].pk, **data)
    assert snapshot() == before


def test_bad_register_input_is_refused(manager, enterprise_a, register):
    before = snapshot()
    with pytest.raises(RiskRefused, match="请选择单元类型"):
        services.add_unit(manager, enterprise_a.pk, name="仓库", kind="office")
    with pytest.raises(RiskRefused, match="请填写风险单元名称"):
        services.add_unit(manager, enterprise_a.pk, name="  ", kind="workshop")
    with pytest.raises(RiskRefused, match="已有名为“铸造车间”") as dup:
        services.add_unit(manager, enterprise_a.pk, name="铸造车间", kind="workshop")
    assert dup.value.status == 409
    with pytest.raises(RiskRefused, match="请选择可能导致的事故类型"):
        services.add_risk(
            manager,
            register["point"].pk,
            factor_kind="thing",
            accident_type="meteor",
            description="x",
            method="ls",
            factors=LS_BLUE,
        )
    with pytest.raises(RiskRefused, match="请选择危险有害因素类别"):
        services.add_risk(
            manager,
            register["point"].pk,
            factor_kind="luck",
            accident_type="fire",
            description="x",
            method="ls",
            factors=LS_BLUE,
        )
    assert snapshot() == before


@pytest.mark.parametrize(
    "role", [r for r in Role if r not in (Role.PRINCIPAL, Role.SAFETY_OFFICER)]
)
def test_only_the_enterprise_managers_change_the_register(users, register, enterprise_a, role):
    before = snapshot()
    with pytest.raises(RiskRefused) as refused:
        services.add_unit(users[role], enterprise_a.pk, name="新单元", kind="post")
    assert refused.value.status == 403
    with pytest.raises(RiskRefused):
        services.assess(users[role], register["risk"].pk, method="ls", factors=LS_BLUE)
    assert snapshot() == before


def test_another_enterprise_register_is_not_found(users, register, enterprise_b, enterprise_a2):
    from conftest import make_user

    other = make_user("principal_b", Role.PRINCIPAL, enterprise=enterprise_b)
    before = snapshot()
    with pytest.raises(RiskRefused) as refused:
        services.add_unit(other, enterprise_a2.pk, name="新单元", kind="post")
    assert refused.value.status == 404
    for call in (
        lambda: services.add_point(other, register["unit"].pk, name="p"),
        lambda: services.assess(other, register["risk"].pk, method="ls", factors=LS_BLUE),
        lambda: services.add_measure(
            other,
            register["risk"].pk,
            kind="ppe",
            description="d",
            control_level="company",
            owner_name="o",
        ),
    ):
        with pytest.raises(RiskRefused) as refused:
            call()
        assert refused.value.status == 404
    assert snapshot() == before


def test_the_principal_edits_too(users, enterprise_a):
    _, _, risk = make_register(users[Role.PRINCIPAL], enterprise_a)
    assert risk.created_by == users[Role.PRINCIPAL]


def test_a_new_red_risk_tells_the_town_supervisors(
    users, manager, enterprise_a, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _, _, risk = make_register(manager, enterprise_a, factors=LEC_RED)
    town = users[Role.TOWN_SUPERVISOR]
    told = Notification.objects.filter(kind="risks")
    assert list(told.values_list("recipient", flat=True)) == [town.pk]
    assert "重大风险" in told.get().title
    # Re-assessed red again: not new, nobody told; yellow: nobody either.
    with django_capture_on_commit_callbacks(execute=True):
        services.assess(manager, risk.pk, method="lec", factors=LEC_RED)
        services.assess(manager, risk.pk, method="ls", factors={"l": 3, "s": 3})
    assert told.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.assess(manager, risk.pk, method="ls", factors={"l": 5, "s": 5})
    assert told.count() == 2


def test_every_change_is_an_event(manager, register):
    services.add_measure(
        manager,
        register["risk"].pk,
        kind="ppe",
        description="佩戴防护面罩",
        control_level="workshop",
        owner_name="赵六",
    )
    actions = list(RiskEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["unit_added", "point_added", "risk_added", "measure_added"]
    assert Assessment.objects.count() == 1
