"""Targeting (each criterion, counted by hand), answers becoming linked hazards, checks, the
per-town figures, carry-over and the refusal to close with open findings."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from campaigns import services
from campaigns.models import (
    Campaign,
    CampaignAnswer,
    CampaignFinding,
    CampaignTarget,
    EventAction,
    FindingStage,
    State,
    Verdict,
)
from campaigns.services import AnswerIn, CampaignRefused, ProblemIn
from campaigns.tests.conftest import start
from conftest import make_enterprise
from core.models import Notification
from enterprises.choices import Status
from enterprises.models import ProcessKind, SectorTag
from grading.models import EnterpriseGrade
from hazards.models import Hazard
from hazards.states import Source
from hazards.states import State as HazardState


def _snapshot():
    return (
        list(Campaign.objects.values()),
        list(CampaignTarget.objects.values()),
        list(CampaignAnswer.objects.values()),
        list(CampaignFinding.objects.values()),
        Hazard.objects.count(),
    )


def _grade(enterprise, level):
    now = timezone.now()
    EnterpriseGrade.objects.create(
        enterprise=enterprise,
        level=level,
        computed_level=level,
        score=0,
        scored_at=now,
        level_since=now,
    )


@pytest.fixture
def more(town_a, town_b, enterprise_a, enterprise_a2, enterprise_b):
    """Two more enterprises, so each criterion picks a different set; grades and profiles."""
    closed = make_enterprise(town_a, None, serial=4, name="已关闭机械厂", status=Status.CLOSED)
    spray = make_enterprise(town_b, None, serial=5, name="清平喷涂机械有限公司")
    kinds = list(ProcessKind.objects.order_by("code")[:2])
    enterprise_a.process_kinds.set([kinds[0]])
    spray.process_kinds.set([kinds[0], kinds[1]])  # two matching kinds: counted once
    enterprise_a2.process_kinds.set([kinds[1]])
    spray.sector_tags.set([SectorTag.objects.get(code="foundry")])
    _grade(enterprise_a, "red")
    _grade(spray, "yellow")
    _grade(enterprise_b, "red")
    return {"closed": closed, "spray": spray, "kinds": kinds}


def _names(campaign):
    campaign.refresh_from_db()
    return set(services.matching(campaign).values_list("name", flat=True))


def test_targeting_each_criterion_by_hand(draft, users, more, town_a, enterprise_b):
    supervisor = users[Role.SUPERVISOR]
    # No criterion: every enterprise of the county that is not closed (4 of 5).
    assert _names(draft) == {
        "高唐县精工铸造有限公司",
        "山东鑫泰纺织有限公司",
        "清平木业有限公司",
        "清平喷涂机械有限公司",
    }
    services.set_targeting(supervisor, draft.pk, industries=["machinery"])
    assert _names(draft) == {"清平喷涂机械有限公司", "高唐县精工铸造有限公司"}
    services.set_targeting(supervisor, draft.pk, sector_tags=["foundry"])
    assert _names(draft) == {"清平喷涂机械有限公司", "高唐县精工铸造有限公司"}
    services.set_targeting(supervisor, draft.pk, process_kinds=[k.code for k in more["kinds"]])
    draft.refresh_from_db()
    assert services.matching(draft).count() == 3  # the sprayer with two kinds counts once
    services.set_targeting(supervisor, draft.pk, process_kinds=[more["kinds"][1].code])
    assert _names(draft) == {"山东鑫泰纺织有限公司", "清平喷涂机械有限公司"}
    services.set_targeting(supervisor, draft.pk, towns=[town_a.pk])
    assert _names(draft) == {"山东鑫泰纺织有限公司", "高唐县精工铸造有限公司"}
    services.set_targeting(supervisor, draft.pk, risk_levels=["red"])
    assert _names(draft) == {"清平木业有限公司", "高唐县精工铸造有限公司"}
    services.set_targeting(supervisor, draft.pk, enterprise_ids=[enterprise_b.pk])
    assert _names(draft) == {"清平木业有限公司"}
    # Criteria together: all must hold.
    services.set_targeting(supervisor, draft.pk, industries=["machinery"], risk_levels=["red"])
    assert _names(draft) == {"高唐县精工铸造有限公司"}


def test_a_town_campaign_reaches_only_its_town(users, more, today):
    town = users[Role.TOWN_SUPERVISOR]
    campaign = services.create_campaign(
        town,
        name="镇级外包施工整治",
        basis="安全生产法",
        starts_on=today,
        ends_on=today + timedelta(days=60),
        template_code="outsourcing",
    )
    assert _names(campaign) == {"山东鑫泰纺织有限公司", "高唐县精工铸造有限公司"}


def test_started_targets_are_rows_that_later_changes_do_not_move(draft, users, more, today):
    supervisor = users[Role.SUPERVISOR]
    services.set_targeting(supervisor, draft.pk, industries=["machinery"])
    start(draft, supervisor, today)
    assert draft.targets.count() == 2
    make_enterprise(more["spray"].jurisdiction, None, serial=9, name="新设机械厂")
    draft.refresh_from_db()
    assert draft.state == State.SELF_CHECK
    assert draft.targets.count() == 2
    assert set(draft.targets.values_list("matched", flat=True)) == {"行业：机械"}


def test_create_with_an_enterprise_list_targets_exactly_it(users, enterprise_b, today):
    campaign = services.create_campaign(
        users[Role.SUPERVISOR],
        name="事故后专项整治",
        basis="安全生产法",
        starts_on=today,
        ends_on=today + timedelta(days=30),
        template_code="machinery",
        enterprise_ids=[enterprise_b.pk],
        note="某地机械伤害事故",
    )
    assert campaign.state == State.DRAFT
    assert campaign.items.count() == 4
    assert all(campaign.items.values_list("drafted", flat=True))
    assert list(services.matching(campaign)) == [enterprise_b]


def test_create_refuses_an_enterprise_outside_the_scope(users, enterprise_b, today):
    before = _snapshot()
    with pytest.raises(CampaignRefused, match="有 1 家指定企业不存在或不在您的管辖范围内"):
        services.create_campaign(
            users[Role.TOWN_SUPERVISOR],
            name="x",
            basis="y",
            starts_on=today,
            ends_on=today,
            enterprise_ids=[enterprise_b.pk],
        )
    with pytest.raises(CampaignRefused, match="您的角色不能组织专项整治"):
        services.create_campaign(
            users[Role.PRINCIPAL], name="x", basis="y", starts_on=today, ends_on=today
        )
    with pytest.raises(CampaignRefused, match="结束日期不能早于开始日期"):
        services.create_campaign(
            users[Role.SUPERVISOR],
            name="x",
            basis="y",
            starts_on=today,
            ends_on=today - timedelta(days=1),
        )
    with pytest.raises(CampaignRefused, match="专项整治名称含有换行"):
        services.create_campaign(
            users[Role.SUPERVISOR], name="a\x00b", basis="y", starts_on=today, ends_on=today
        )
    assert _snapshot() == before


def test_start_tells_each_target_its_self_check_is_due(
    draft,
    users,
    today,
    enterprise_a,
    enterprise_b,
    immediate_tasks,
    django_capture_on_commit_callbacks,
):
    services.set_targeting(
        users[Role.SUPERVISOR], draft.pk, enterprise_ids=[enterprise_a.pk, enterprise_b.pk]
    )
    with django_capture_on_commit_callbacks(execute=True):
        start(draft, users[Role.SUPERVISOR], today)
    assert draft.targets.count() == 2
    told = Notification.objects.filter(recipient=users[Role.PRINCIPAL])
    note = told.get(title__contains="请完成企业自查")
    assert note.link == f"/campaigns/{draft.pk}/checklist/"
    assert not Notification.objects.filter(recipient=users[Role.TOWN_SUPERVISOR]).exists()


def _answers(campaign, bad=()):
    return [
        AnswerIn(
            item.pk,
            Verdict.NONCONFORM if item.position in bad else Verdict.CONFORM,
            "未设置警示标志" if item.position in bad else "",
        )
        for item in campaign.items.order_by("position")
    ]


def _target(campaign, enterprise):
    return CampaignTarget.objects.get(campaign=campaign, enterprise=enterprise)


def test_a_nonconform_answer_becomes_a_linked_hazard(running, users, enterprise_a):
    principal = users[Role.PRINCIPAL]
    target = _target(running, enterprise_a)
    services.answer(principal, target.pk, _answers(running, bad=(1, 3)))
    target.refresh_from_db()
    assert target.self_checked_at is not None
    findings = CampaignFinding.objects.filter(target=target).order_by("item__position")
    assert [f.item.position for f in findings] == [1, 3]
    hazard = findings[0].hazard
    assert hazard.source == Source.CAMPAIGN
    assert hazard.enterprise == enterprise_a
    assert hazard.description.startswith("【2026年有限空间作业专项整治】建立有限空间管理台账")
    assert hazard.description.endswith("：未设置警示标志")
    assert {f.stage for f in findings} == {FindingStage.SELF}
    assert running.events.filter(action=EventAction.ANSWERED).count() == 1


def test_answers_refused_change_nothing(running, users, enterprise_a, enterprise_b):
    principal = users[Role.PRINCIPAL]
    target = _target(running, enterprise_a)
    items = list(running.items.order_by("position"))
    before = _snapshot()
    with pytest.raises(CampaignRefused, match="还有 1 项检查条目未填写"):
        services.answer(principal, target.pk, _answers(running)[:-1])
    bad = _answers(running)
    bad[1] = AnswerIn(items[1].pk, Verdict.NONCONFORM, "")
    with pytest.raises(CampaignRefused, match="第 2 项不符合，请说明存在的问题"):
        services.answer(principal, target.pk, bad)
    with pytest.raises(CampaignRefused, match="整治对象不存在") as exc:
        services.answer(principal, _target(running, enterprise_b).pk, _answers(running))
    assert exc.value.status == 404
    with pytest.raises(CampaignRefused, match="您的角色不能填报专项整治自查"):
        services.answer(users[Role.EMPLOYEE], target.pk, _answers(running))
    assert _snapshot() == before
    services.answer(principal, target.pk, _answers(running))
    with pytest.raises(CampaignRefused, match="本企业已提交自查，不能重复提交"):
        services.answer(principal, target.pk, _answers(running))


def test_town_check_and_spot_check_record_linked_hazards(running, users, enterprise_a, town_a):
    supervisor, town = users[Role.SUPERVISOR], users[Role.TOWN_SUPERVISOR]
    target = _target(running, enterprise_a)
    with pytest.raises(CampaignRefused, match="不能进行镇街检查"):
        services.check(town, target.pk, stage="town", problems=[])
    services.advance(supervisor, running.pk)
    services.check(town, target.pk, stage="town", problems=[ProblemIn("储罐入口未上锁")])
    with pytest.raises(CampaignRefused, match="该企业已完成镇街检查"):
        services.check(town, target.pk, stage="town", problems=[])
    with pytest.raises(CampaignRefused, match="您的角色不能进行专项整治县局抽查"):
        services.check(town, target.pk, stage="spot", problems=[])
    services.advance(supervisor, running.pk)
    services.check(supervisor, target.pk, stage="spot", problems=[ProblemIn("无气体检测记录")])
    stages = list(target.findings.order_by("pk").values_list("stage", "hazard__source"))
    assert stages == [("town", Source.CAMPAIGN), ("spot", Source.CAMPAIGN)]
    # The town of the other enterprise cannot check ours.
    other = _target(running, running.targets.exclude(pk=target.pk).get().enterprise)
    with pytest.raises(CampaignRefused) as exc:
        services.check(town, other.pk, stage="spot", problems=[])
    assert exc.value.status in (403, 404)


def test_self_check_end_tells_each_town_its_status(
    running, users, enterprise_a, immediate_tasks, django_capture_on_commit_callbacks
):
    target = _target(running, enterprise_a)
    services.answer(users[Role.PRINCIPAL], target.pk, _answers(running, (2,)))
    with django_capture_on_commit_callbacks(execute=True):
        services.advance(users[Role.SUPERVISOR], running.pk)
    note = Notification.objects.get(
        recipient=users[Role.TOWN_SUPERVISOR], title__contains="企业自查阶段结束"
    )
    assert note.body == "本辖区目标企业 1 家，已提交自查 1 家，未提交 0 家，发现问题 1 项"


def test_overdue_self_checks_are_told_once(
    running, users, today, immediate_tasks, django_capture_on_commit_callbacks
):
    assert services.remind_overdue(today) == 0
    later = today + timedelta(days=11)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.remind_overdue(later) == 2
    assert services.remind_overdue(later) == 0
    assert (
        Notification.objects.filter(
            recipient=users[Role.PRINCIPAL], title__contains="自查逾期"
        ).count()
        == 1
    )
    assert (
        Notification.objects.filter(
            recipient=users[Role.TOWN_SUPERVISOR], title__contains="自查逾期"
        ).count()
        == 1
    )


def test_town_figures_by_hand(running, users, enterprise_a, enterprise_b):
    principal = users[Role.PRINCIPAL]
    target = _target(running, enterprise_a)
    services.open_checklist(principal, _target(running, enterprise_a))
    services.answer(principal, target.pk, _answers(running, bad=(1, 2)))
    hazard = target.findings.first().hazard
    Hazard.objects.filter(pk=hazard.pk).update(state=HazardState.CLOSED)
    rows = {row.town: row for row in services.town_rows(running)}
    a, b = rows["赵寨子镇"], rows["清平镇"]
    assert (a.targets, a.started, a.self_checked, a.findings, a.closed, a.open) == (
        1,
        1,
        1,
        2,
        1,
        1,
    )
    assert (b.targets, b.started, b.self_checked, b.findings, b.closed) == (1, 0, 0, 0, 0)
    total = services.totals(list(rows.values()))
    assert (total.targets, total.findings) == (2, 2)
    # A town's staff see only their town's row.
    assert [r.town for r in services.town_rows(running, users[Role.TOWN_SUPERVISOR])] == [
        "赵寨子镇"
    ]


def test_close_refused_with_open_findings_then_allowed(running, users, enterprise_a):
    supervisor, principal = users[Role.SUPERVISOR], users[Role.PRINCIPAL]
    target = _target(running, enterprise_a)
    services.answer(principal, target.pk, _answers(running, bad=(1, 2)))
    with pytest.raises(CampaignRefused, match="须进入总结销号阶段"):
        services.close(supervisor, running.pk)
    for _ in range(3):
        services.advance(supervisor, running.pk)
    before = _snapshot()
    with pytest.raises(CampaignRefused, match="尚有 2 项问题隐患未销号且未结转") as exc:
        services.close(supervisor, running.pk)
    assert exc.value.status == 409
    assert _snapshot() == before
    first, second = target.findings.order_by("pk")
    Hazard.objects.filter(pk=first.hazard_id).update(state=HazardState.CLOSED)
    with pytest.raises(CampaignRefused, match="尚有 1 项"):
        services.close(supervisor, running.pk)
    with pytest.raises(CampaignRefused, match="该问题隐患已销号，无需结转"):
        services.carry_over(supervisor, first.pk, reason="x")
    with pytest.raises(CampaignRefused, match="请填写结转理由"):
        services.carry_over(supervisor, second.pk, reason="  ")
    with pytest.raises(CampaignRefused, match="该专项整治由上级组织，您不能管理"):
        services.carry_over(users[Role.TOWN_SUPERVISOR], second.pk, reason="设备改造需停产")
    services.carry_over(supervisor, second.pk, reason="需停产改造，纳入隐患台账继续督办")
    campaign = services.close(supervisor, running.pk)
    assert campaign.state == State.CLOSED
    assert campaign.closed_at is not None


def test_a_town_cannot_manage_the_county_campaign(running, users):
    with pytest.raises(CampaignRefused, match="该专项整治由上级组织") as exc:
        services.advance(users[Role.TOWN_SUPERVISOR], running.pk)
    assert exc.value.status == 403


def test_start_refusals(draft, users, today):
    supervisor = users[Role.SUPERVISOR]
    services.set_targeting(supervisor, draft.pk, industries=["tobacco"])
    with pytest.raises(CampaignRefused, match="没有符合条件的目标企业"):
        start(draft, supervisor, today)
    services.set_targeting(supervisor, draft.pk, industries=["machinery"])
    with pytest.raises(CampaignRefused, match="各阶段截止日期应依次排列"):
        services.start(
            supervisor,
            draft.pk,
            self_check_ends_on=today + timedelta(days=20),
            town_check_ends_on=today + timedelta(days=10),
            spot_check_ends_on=today + timedelta(days=30),
        )
    assert Campaign.objects.get(pk=draft.pk).state == State.DRAFT
    assert not CampaignTarget.objects.exists()
    start(draft, supervisor, today)
    with pytest.raises(CampaignRefused, match="专项整治已启动，不能再修改"):
        services.set_targeting(supervisor, draft.pk, industries=["textile"])


def test_add_item_from_the_criteria_library(users, today):
    from hazards.models import MajorHazardCriterion

    campaign = services.create_campaign(
        users[Role.SUPERVISOR],
        name="自定义",
        basis="安全生产法",
        starts_on=today,
        ends_on=today + timedelta(days=10),
    )
    criterion = MajorHazardCriterion.objects.order_by("article", "item").first()
    item = services.add_item(users[Role.SUPERVISOR], campaign.pk, criterion_id=criterion.pk)
    assert item.criterion == criterion and not item.drafted
    assert "第" in item.source
    own = services.add_item(users[Role.SUPERVISOR], campaign.pk, text="消防通道畅通")
    assert own.position == 2 and own.drafted
