"""Draws through the service: stored inputs, verification, refusals, recusal, avoid-repeat."""

import pytest

from accounts.roles import Role
from core.errors import Refused
from enforcement.models import AssignmentInspector, Conflict, Draw, DrawAssignment
from enforcement.plans import services
from enforcement.plans.services import DrawRequest
from enterprises.models import Enterprise


def _draw(user, **extra):
    values = {"name": "2026年第一批双随机抽查", "enterprise_count": 5, "seed": "fixed-seed"}
    values.update(extra)
    return services.create_draw(user, DrawRequest(**values))


@pytest.fixture
def enforcer(users):
    return users[Role.ENFORCEMENT_OFFICER]


def test_draw_stores_inputs_and_verifies(enforcer, inspectors, many_enterprises):
    draw = _draw(enforcer)
    assert draw.pool_size == Enterprise.objects.count() == 23
    assert draw.pool == sorted(Enterprise.objects.values_list("pk", flat=True))
    # the fixture's enforcer has no badge number: not in the pool
    assert draw.inspector_ids == [u.pk for u in inspectors]
    assert draw.assignments.count() == 5
    for assignment in draw.assignments.all():
        assert assignment.inspector_rows.count() == 2
    result = services.verify(draw)
    assert result.ok, result.problems


def test_same_seed_same_inputs_same_result(enforcer, inspectors, many_enterprises):
    first = services.stored_result(_draw(enforcer, avoid_repeat=False))
    second = services.stored_result(_draw(enforcer, avoid_repeat=False))
    assert first == second
    other = services.stored_result(_draw(enforcer, seed="another", avoid_repeat=False))
    assert other != first


def test_generated_seed_is_recorded(enforcer, inspectors, many_enterprises):
    draw = _draw(enforcer, seed="")
    assert draw.seed_generated and len(draw.seed) == 32
    assert services.verify(draw).ok


def test_tampered_result_fails_verification(enforcer, inspectors, many_enterprises):
    draw = _draw(enforcer)
    row = AssignmentInspector.objects.filter(assignment__draw=draw).first()
    unused = next(
        u
        for u in inspectors
        if not draw.assignments.filter(pk=row.assignment_id, inspector_rows__inspector=u).exists()
    )
    row.inspector = unused
    row.save()
    result = services.verify(draw)
    assert not result.ok
    assert any("不一致" in p for p in result.problems)


def test_tampered_inputs_fail_verification(enforcer, inspectors, many_enterprises):
    draw = _draw(enforcer)
    Draw.objects.filter(pk=draw.pk).update(seed="changed")
    result = services.verify(Draw.objects.get(pk=draw.pk))
    assert not result.ok
    assert any("摘要不符" in p for p in result.problems)


def test_recused_inspector_never_assigned(enforcer, inspectors, many_enterprises, users):
    supervisor = users[Role.SUPERVISOR]
    for enterprise in Enterprise.objects.all():
        for inspector in inspectors[:3]:
            services.declare_conflict(supervisor, inspector.pk, enterprise.pk, "亲属在该企业任职")
    for seed in range(10):
        draw = _draw(enforcer, seed=str(seed), enterprise_count=10, avoid_repeat=False)
        assigned = set(
            AssignmentInspector.objects.filter(assignment__draw=draw).values_list(
                "inspector_id", flat=True
            )
        )
        assert not assigned & {u.pk for u in inspectors[:3]}
        assert services.verify(draw).ok


def test_withdrawn_conflict_no_longer_recuses(users, inspectors, enterprise_a):
    supervisor = users[Role.SUPERVISOR]
    conflict = services.declare_conflict(supervisor, inspectors[0].pk, enterprise_a.pk, "曾任职")
    with pytest.raises(Refused, match="已申报回避"):
        services.declare_conflict(supervisor, inspectors[0].pk, enterprise_a.pk, "曾任职")
    services.withdraw_conflict(supervisor, conflict.pk)
    assert not Conflict.objects.active().exists()


def test_officer_declares_only_own_conflicts(users, inspectors, enterprise_a):
    officer = inspectors[0]
    services.declare_conflict(officer, officer.pk, enterprise_a.pk, "配偶持股")
    with pytest.raises(Refused) as refused:
        services.declare_conflict(officer, inspectors[1].pk, enterprise_a.pk, "配偶持股")
    assert refused.value.status == 404


def test_avoid_repeat_honoured(enforcer, inspectors, enterprise_a):
    # one enterprise in the pool, drawn again and again: with six inspectors and two per draw,
    # consecutive draws never share an inspector.
    Enterprise.objects.exclude(pk=enterprise_a.pk).delete()
    previous = None
    for seed in range(8):
        draw = _draw(enforcer, seed=f"r{seed}", enterprise_count=1)
        current = set(
            AssignmentInspector.objects.filter(assignment__draw=draw).values_list(
                "inspector_id", flat=True
            )
        )
        assert len(current) == 2
        if previous is not None:
            assert not current & previous
            assert draw.exclusions == {str(enterprise_a.pk): sorted(previous)}
        assert services.verify(draw).ok
        previous = current


def test_without_avoid_repeat_inspectors_may_return(enforcer, inspectors, enterprise_a):
    Enterprise.objects.exclude(pk=enterprise_a.pk).delete()
    seen_repeat = False
    previous = None
    for seed in range(12):
        draw = _draw(enforcer, seed=f"n{seed}", enterprise_count=1, avoid_repeat=False)
        current = set(
            AssignmentInspector.objects.filter(assignment__draw=draw).values_list(
                "inspector_id", flat=True
            )
        )
        seen_repeat |= bool(previous and current & previous)
        previous = current
    assert seen_repeat


def _nothing_changed(before):
    assert Draw.objects.count() == before[0]
    assert DrawAssignment.objects.count() == before[1]


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"enterprise_count": 999}, "超过符合条件的企业数（23）"),
        ({"enterprise_count": 0}, "至少为 1"),
        ({"inspectors_per_enterprise": 1}, "不得少于 2 名"),
        ({"inspectors_per_enterprise": 7}, "执法人员库仅有 6 名"),
        ({"name": " "}, "请填写抽查名称"),
        ({"filters": {"colour": "red"}}, "未知条件"),
        ({"filters": {"industry": ["steel"]}}, "行业代码无效"),
        ({"filters": {"exclude_key_list": True}}, "需选择所属执法计划"),
        ({"seed": "x" * 65}, "随机种子"),
    ],
)
def test_refusals_give_reasons_and_change_nothing(
    enforcer, inspectors, many_enterprises, extra, reason
):
    before = (Draw.objects.count(), DrawAssignment.objects.count())
    with pytest.raises(Refused, match=reason):
        _draw(enforcer, **extra)
    _nothing_changed(before)


def test_not_enough_inspectors_after_recusal_refuses(users, enforcer, inspectors, enterprise_a):
    Enterprise.objects.exclude(pk=enterprise_a.pk).delete()
    for inspector in inspectors[:5]:
        services.declare_conflict(users[Role.SUPERVISOR], inspector.pk, enterprise_a.pk, "亲属")
    with pytest.raises(Refused, match=f"企业“{enterprise_a.name}”可抽取的执法人员仅 1 名"):
        _draw(enforcer, enterprise_count=1)
    assert not Draw.objects.exists()


def test_town_filter_and_scope_of_town(enforcer, inspectors, many_enterprises, town_a, town_b):
    draw = _draw(enforcer, enterprise_count=3, filters={"town": town_a.pk})
    assert draw.pool_size == Enterprise.objects.filter(jurisdiction=town_a).count()
    assert set(draw.assignments.values_list("enterprise__jurisdiction", flat=True)) == {town_a.pk}
    with pytest.raises(Refused, match="不在本辖区"):
        _draw(enforcer, filters={"town": 999999})


def test_sector_and_recent_filters(enforcer, inspectors, many_enterprises, enterprise_a):
    draw = _draw(enforcer, enterprise_count=1, filters={"sector_tags": ["foundry"]})
    assert draw.pool == [enterprise_a.pk]
    again = _draw(enforcer, enterprise_count=3, filters={"exclude_recent_months": 3})
    assert enterprise_a.pk not in again.pool
    assert again.pool_size == 22


@pytest.mark.parametrize(
    "role", [r for r in Role if r not in (Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER)]
)
def test_other_roles_cannot_draw(users, inspectors, role):
    with pytest.raises(Refused) as refused:
        _draw(users[role])
    assert refused.value.status == 403


def test_planned_dates_spread(enforcer, inspectors, many_enterprises):
    from datetime import date

    draw = _draw(
        enforcer, enterprise_count=5, planned_from=date(2026, 3, 1), planned_to=date(2026, 3, 31)
    )
    dates = list(draw.assignments.values_list("planned_date", flat=True))
    assert dates[0] == date(2026, 3, 1) and dates[-1] == date(2026, 3, 31)
    with pytest.raises(Refused, match="不能早于起日"):
        _draw(enforcer, planned_from=date(2026, 3, 2), planned_to=date(2026, 3, 1))


def test_a_draws_pool_filter_reads_in_words(town_a, db):
    from enforcement.plans.services import describe_filters

    assert describe_filters({}) == "全部企业"
    words = describe_filters(
        {"town": town_a.pk, "grade": ["red", "blue"], "exclude_recent_months": 6}
    )
    expected = f"镇街：{town_a.name}；风险等级：红色（重大风险）、蓝色（低风险）；"
    assert words == expected + "排除近 6 个月已抽查的企业"
