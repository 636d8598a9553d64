"""Every change to a campaign goes through here, and its figures and 台账 are computed here:

- create_campaign (other apps call it too: an accident warning proposes a campaign), then
  set_targeting / add_item on the draft, matching() showing how many enterprises it reaches;
- start: the matching enterprises are stored as CampaignTarget rows and told their self-check
  is due; advance moves it through the stages (the towns are told their enterprises' status
  when the self-check stage ends); remind_overdue tells the enterprises late with it;
- answer (an enterprise's self-check), check (a town's check, the bureau's spot check): each
  不符合 or problem found becomes a hazard of the ledger (hazards.services.report, source
  专项整治) linked by a CampaignFinding;
- carry_over, close: a campaign closes only when each finding's hazard is closed or carried
  over with a reason;
- town_rows (per-town statistics) and ledger (the Excel 台账).

Each change checks who may act (accounts.roles) and on what (the scope), validates, writes in
a transaction and stores a CampaignEvent. A refusal raises CampaignRefused with the reason in
Chinese and its HTTP status; nothing changes."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from accidents.models import AccidentCase
from accounts.roles import can
from campaigns import reference
from campaigns.models import (
    RUNNING,
    STAGES,
    Campaign,
    CampaignAnswer,
    CampaignCarryOver,
    CampaignEvent,
    CampaignFinding,
    CampaignItem,
    CampaignTarget,
    EventAction,
    FindingStage,
    State,
    Verdict,
)
from core import events
from core.errors import Refused
from core.gate import check as check_role
from core.inputs import date_problem, text_problem
from core.models import Jurisdiction
from core.xlsx import Workbook
from enterprises.choices import Industry, Status
from enterprises.models import Enterprise, ProcessKind, SectorTag
from grading.models import RiskLevel
from hazards import services as hazard_services
from hazards.models import MajorHazardCriterion
from hazards.states import Source
from hazards.states import State as HazardState


class CampaignRefused(Refused):
    def __init__(self, message: str, status: int = 422, field: str | None = None):
        super().__init__(message, status)
        self.field = field


LIMITS = {"name": 100, "basis": 1000, "note": 500, "item": 500, "reason": 500}
MAX_ITEMS = 60
MAX_LIST = 20000  # enterprises named one by one, or ids in one criterion
# A hazard the campaign no longer waits for: verified and closed, or found not to be one.
SETTLED = (HazardState.CLOSED, HazardState.REJECTED)
NEXT_STAGE: dict[str, str] = dict(pairwise(STAGES))
CRITERIA = ("industries", "sector_tags", "process_kinds", "towns", "risk_levels", "enterprise_ids")


def _text(value: Any, name: str, label: str, required: bool = True) -> str:
    value = value.strip() if isinstance(value, str) else ""
    if required and not value:
        raise CampaignRefused(f"请填写{label}", field=name)
    if len(value) > LIMITS[name]:
        raise CampaignRefused(f"{label}不能超过 {LIMITS[name]} 个字", field=name)
    if problem := text_problem(value, multiline=name == "basis"):
        raise CampaignRefused(f"{label}{problem}", field=name)
    return value


def _date(value: Any, name: str, label: str) -> date:
    if not isinstance(value, date):
        raise CampaignRefused(f"请填写{label}", field=name)
    if problem := date_problem(value):
        raise CampaignRefused(label + problem.removeprefix("日期"), field=name)
    return value


def _ids(values: Any, label: str) -> list[int]:
    if values is None:
        return []
    if not isinstance(values, (list, tuple, set)) or len(values) > MAX_LIST:
        raise CampaignRefused(f"{label}应为不超过 {MAX_LIST} 项的列表")
    ids = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
            raise CampaignRefused(f"{label}含有无效的编号")
        ids.append(value)
    return sorted(set(ids))


def _codes(values: Any, allowed, label: str) -> list[str]:
    if values is None:
        return []
    if not isinstance(values, (list, tuple, set)) or len(values) > 100:
        raise CampaignRefused(f"{label}应为列表")
    if not all(isinstance(value, str) for value in values) or not set(values) <= set(allowed):
        raise CampaignRefused(f"{label}含有无效的选项")
    return sorted(set(values))


def manageable(user, campaign: Campaign) -> bool:
    """The user's role may manage campaigns and the campaign was issued at or below their
    jurisdiction (a town does not manage the county's campaign)."""
    return (
        can(user, "campaign.manage")
        and user.jurisdiction_id is not None
        and campaign.jurisdiction.path.startswith(user.jurisdiction.path)
    )


def _managed(user, campaign_id) -> Campaign:
    """The campaign, locked for this transaction, if the user may manage it."""
    check_role(user, "campaign.manage", "管理专项整治", CampaignRefused)
    campaign = (
        Campaign.objects.for_user(user)
        .select_for_update(of=("self",))
        .select_related("jurisdiction")
        .filter(pk=campaign_id)
        .first()
    )
    if campaign is None:
        raise CampaignRefused("专项整治不存在或不在您的管辖范围内", 404)
    if not manageable(user, campaign):
        raise CampaignRefused("该专项整治由上级组织，您不能管理", 403)
    return campaign


def _event(campaign, action, user, before="", note="", **fields) -> CampaignEvent:
    return events.record(
        CampaignEvent,
        campaign=campaign,
        action=action,
        actor=user,
        from_state=before,
        to_state=campaign.state,
        note=note,
        **fields,
    )


# --- creating and targeting --------------------------------------------------------------------


def create_campaign(
    user,
    *,
    name,
    basis,
    starts_on,
    ends_on,
    template_code=None,
    enterprise_ids=None,
    source_accident_id=None,
    note="",
) -> Campaign:
    """A draft campaign issued by the user's jurisdiction, with the template's checklist when
    one is named, targeting exactly `enterprise_ids` when given (each must be in the user's
    scope), and the accident that prompted it."""
    check_role(user, "campaign.manage", "组织专项整治", CampaignRefused)
    if user.jurisdiction_id is None:
        raise CampaignRefused("您的账号未归属行政区划，不能组织专项整治", 403)
    name = _text(name, "name", "专项整治名称")
    basis = _text(basis, "basis", "法律依据")
    note = _text(note, "note", "起因说明", required=False)
    starts_on = _date(starts_on, "starts_on", "开始日期")
    ends_on = _date(ends_on, "ends_on", "结束日期")
    if ends_on < starts_on:
        raise CampaignRefused("结束日期不能早于开始日期", field="ends_on")
    template = None
    if template_code:
        template = reference.BY_CODE.get(template_code) if isinstance(template_code, str) else None
        if template is None:
            raise CampaignRefused("整治模板不存在", field="template_code")
    accident = None
    if source_accident_id is not None:
        accident = (
            AccidentCase.objects.for_user(user).filter(pk=source_accident_id).first()
            if isinstance(source_accident_id, int) and 0 < source_accident_id < 2**63
            else None
        )
        if accident is None:
            raise CampaignRefused("起因事故不存在或不在您的管辖范围内", field="source_accident")
    targeting = {}
    if enterprise_ids is not None:
        ids = _ids(enterprise_ids, "目标企业")
        if not ids:
            raise CampaignRefused("请至少指定一家目标企业", field="enterprise_ids")
        found = Enterprise.objects.for_user(user).filter(pk__in=ids).count()
        if found != len(ids):
            raise CampaignRefused(
                f"有 {len(ids) - found} 家指定企业不存在或不在您的管辖范围内",
                field="enterprise_ids",
            )
        targeting["enterprise_ids"] = ids
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=name,
            basis=basis,
            starts_on=starts_on,
            ends_on=ends_on,
            jurisdiction_id=user.jurisdiction_id,
            template_code=template.code if template else "",
            source_accident=accident,
            source_note=note,
            targeting=targeting,
            created_by=user,
        )
        if template:
            CampaignItem.objects.bulk_create(
                CampaignItem(
                    campaign=campaign,
                    position=n,
                    text=text,
                    source=template.source,
                    drafted=template.drafted,
                )
                for n, text in enumerate(template.items, start=1)
            )
        _event(campaign, EventAction.CREATED, user, note=note)
    return campaign


def _draft(user, campaign_id) -> Campaign:
    campaign = _managed(user, campaign_id)
    if campaign.state != State.DRAFT:
        raise CampaignRefused("专项整治已启动，不能再修改目标企业或检查条目", 409)
    return campaign


def set_targeting(
    user,
    campaign_id,
    *,
    industries=None,
    sector_tags=None,
    process_kinds=None,
    towns=None,
    risk_levels=None,
    enterprise_ids=None,
) -> Campaign:
    """The draft's target criteria (all the given ones must hold; within one, any value)."""
    targeting: dict[str, list[Any]] = {
        "industries": _codes(industries, Industry.values, "行业"),
        "sector_tags": _codes(
            sector_tags, SectorTag.objects.values_list("code", flat=True), "重点行业领域"
        ),
        "process_kinds": _codes(
            process_kinds, ProcessKind.objects.values_list("code", flat=True), "设备工艺"
        ),
        "towns": _ids(towns, "镇街"),
        "risk_levels": _codes(risk_levels, RiskLevel.values, "风险等级"),
        "enterprise_ids": _ids(enterprise_ids, "目标企业"),
    }
    with transaction.atomic():
        campaign = _draft(user, campaign_id)
        if targeting["towns"]:
            inside = Jurisdiction.objects.filter(
                pk__in=targeting["towns"], path__startswith=campaign.jurisdiction.path
            ).count()
            if inside != len(targeting["towns"]):
                raise CampaignRefused("所选镇街不在本专项整治的组织范围内", field="towns")
        if targeting["enterprise_ids"]:
            found = (
                Enterprise.objects.for_user(user).filter(pk__in=targeting["enterprise_ids"]).count()
            )
            if found != len(targeting["enterprise_ids"]):
                missing = len(targeting["enterprise_ids"]) - found
                raise CampaignRefused(
                    f"有 {missing} 家指定企业不存在或不在您的管辖范围内", field="enterprise_ids"
                )
        campaign.targeting = {key: value for key, value in targeting.items() if value}
        campaign.save(update_fields=["targeting"])
    return campaign


def matching(campaign: Campaign):
    """The enterprises the campaign's criteria reach now: in its issuing jurisdiction, not
    closed, meeting every criterion given (the grading app's current grade for risk levels)."""
    targeting = campaign.targeting or {}
    found = Enterprise.objects.filter(scope_path__startswith=campaign.jurisdiction.path).exclude(
        status=Status.CLOSED
    )
    if targeting.get("industries"):
        found = found.filter(industry__in=targeting["industries"])
    if targeting.get("towns"):
        found = found.filter(jurisdiction_id__in=targeting["towns"])
    if targeting.get("risk_levels"):
        found = found.filter(grade__level__in=targeting["risk_levels"])
    if targeting.get("enterprise_ids"):
        found = found.filter(pk__in=targeting["enterprise_ids"])
    # Many-to-many criteria as EXISTS, so an enterprise with two matching kinds counts once.
    if targeting.get("sector_tags"):
        tags = Enterprise.sector_tags.through
        found = found.filter(
            Exists(
                tags.objects.filter(
                    enterprise_id=OuterRef("pk"), sectortag_id__in=targeting["sector_tags"]
                )
            )
        )
    if targeting.get("process_kinds"):
        kinds = Enterprise.process_kinds.through
        found = found.filter(
            Exists(
                kinds.objects.filter(
                    enterprise_id=OuterRef("pk"), processkind_id__in=targeting["process_kinds"]
                )
            )
        )
    return found


def describe_targeting(targeting: dict) -> str:
    """The criteria in words, as stored on each target (纳入原因)."""
    parts = []
    if targeting.get("industries"):
        labels = dict(Industry.choices)
        parts.append("行业：" + "、".join(labels[c] for c in targeting["industries"]))
    if targeting.get("sector_tags"):
        names = SectorTag.objects.filter(code__in=targeting["sector_tags"]).order_by("code")
        parts.append("重点行业领域：" + "、".join(t.name for t in names))
    if targeting.get("process_kinds"):
        kinds = ProcessKind.objects.filter(code__in=targeting["process_kinds"]).order_by("code")
        parts.append("设备工艺：" + "、".join(k.name for k in kinds))
    if targeting.get("towns"):
        towns = Jurisdiction.objects.filter(pk__in=targeting["towns"]).order_by("path")
        parts.append("镇街：" + "、".join(t.name for t in towns))
    if targeting.get("risk_levels"):
        labels = dict(RiskLevel.choices)
        parts.append("风险等级：" + "、".join(str(labels[c]) for c in targeting["risk_levels"]))
    if targeting.get("enterprise_ids"):
        parts.append(f"指定企业名单（{len(targeting['enterprise_ids'])} 家）")
    return ("；".join(parts) or "组织范围内全部企业")[:300]


def add_item(user, campaign_id, *, text="", criterion_id=None) -> CampaignItem:
    """A checklist item of the draft: its own text, or an item of the major-hazard criteria
    library (工贸企业重大事故隐患判定标准), whose source it keeps."""
    criterion = None
    if criterion_id is not None:
        if not isinstance(criterion_id, int) or not 0 < criterion_id < 2**63:
            raise CampaignRefused("判定标准条目无效", field="criterion")
        criterion = MajorHazardCriterion.objects.filter(pk=criterion_id, active=True).first()
        if criterion is None:
            raise CampaignRefused("判定标准条目不存在", field="criterion")
    else:
        text = _text(text, "item", "检查内容")
    with transaction.atomic():
        campaign = _draft(user, campaign_id)
        count = campaign.items.count()
        if count >= MAX_ITEMS:
            raise CampaignRefused(f"检查条目不能超过 {MAX_ITEMS} 项")
        if criterion is not None:
            label = f"第{criterion.article}条" + (f"第{criterion.item}项" if criterion.item else "")
            item = CampaignItem.objects.create(
                campaign=campaign,
                position=count + 1,
                text=criterion.text[: LIMITS["item"]],
                source=f"{criterion.source} {label}"[:300],
                criterion=criterion,
            )
        else:
            item = CampaignItem.objects.create(
                campaign=campaign,
                position=count + 1,
                text=text,
                source="组织单位自拟",
                drafted=True,
            )
    return item


# --- running -----------------------------------------------------------------------------------


def start(
    user, campaign_id, *, self_check_ends_on, town_check_ends_on, spot_check_ends_on, today=None
) -> Campaign:
    """Resolve the targets into rows, set the stage dates and open the self-check stage; each
    target enterprise is told its answer is due."""
    today = today or timezone.localdate()
    dates = [
        _date(self_check_ends_on, "self_check_ends_on", "企业自查截止日期"),
        _date(town_check_ends_on, "town_check_ends_on", "镇街检查截止日期"),
        _date(spot_check_ends_on, "spot_check_ends_on", "县局抽查截止日期"),
    ]
    with transaction.atomic():
        campaign = _draft(user, campaign_id)
        bounds = [max(campaign.starts_on, today), *dates, campaign.ends_on]
        if any(a > b for a, b in pairwise(bounds)):
            raise CampaignRefused(
                "各阶段截止日期应依次排列，且在今天（或开始日期）与结束日期之间",
                field="self_check_ends_on",
            )
        if not campaign.items.exists():
            raise CampaignRefused("请先添加检查条目", 409)
        ids = list(matching(campaign).values_list("pk", flat=True))
        if not ids:
            raise CampaignRefused("没有符合条件的目标企业，不能启动", 409)
        reason = describe_targeting(campaign.targeting)
        CampaignTarget.objects.bulk_create(
            (CampaignTarget(campaign=campaign, enterprise_id=pk, matched=reason) for pk in ids),
            batch_size=2000,
        )
        before = campaign.state
        campaign.state = State.SELF_CHECK
        (
            campaign.self_check_ends_on,
            campaign.town_check_ends_on,
            campaign.spot_check_ends_on,
        ) = dates
        campaign.started_at = timezone.now()
        campaign.save()
        _event(campaign, EventAction.STARTED, user, before, note=f"目标企业 {len(ids)} 家")
        events.record_many(
            CampaignEvent,
            [
                CampaignEvent(
                    campaign=campaign,
                    enterprise_id=pk,
                    action=EventAction.ANSWER_DUE,
                    actor=user,
                    to_state=campaign.state,
                    note=f"请于 {dates[0]:%Y-%m-%d} 前完成自查",
                )
                for pk in ids
            ],
            batch_size=2000,
        )
    return campaign


def advance(user, campaign_id) -> Campaign:
    """The next stage. Leaving the self-check stage tells each town its enterprises' status."""
    with transaction.atomic():
        campaign = _managed(user, campaign_id)
        if campaign.state not in NEXT_STAGE:
            raise CampaignRefused(
                f"专项整治当前为“{campaign.get_state_display()}”，不能进入下一阶段", 409
            )
        before = campaign.state
        campaign.state = NEXT_STAGE[before]
        campaign.save(update_fields=["state"])
        _event(campaign, EventAction.ADVANCED, user, before)
        if before == State.SELF_CHECK:
            for row in town_rows(campaign):
                note = (
                    f"本辖区目标企业 {row.targets} 家，已提交自查 {row.self_checked} 家，"
                    f"未提交 {row.targets - row.self_checked} 家，发现问题 {row.findings} 项"
                )
                _event(
                    campaign, EventAction.SELF_CHECK_ENDED, user, before, note, town_id=row.town_id
                )
    return campaign


def _target(user, target_id, action: str, label: str) -> CampaignTarget:
    check_role(user, action, label, CampaignRefused)
    if not isinstance(target_id, int) or not 0 < target_id < 2**63:
        raise CampaignRefused("整治对象不存在或不在您的管辖范围内", 404)
    target = (
        CampaignTarget.objects.for_user(user)
        .select_for_update(of=("self",))
        .select_related("campaign", "enterprise")
        .filter(pk=target_id)
        .first()
    )
    if target is None:
        raise CampaignRefused("整治对象不存在或不在您的管辖范围内", 404)
    return target


def open_checklist(user, target: CampaignTarget) -> None:
    """An enterprise's user opened the checklist: its self-check has started (per-town 已开始)."""
    if user.enterprise_id == target.enterprise_id and target.opened_at is None:
        CampaignTarget.objects.filter(pk=target.pk, opened_at__isnull=True).update(
            opened_at=timezone.now()
        )


def _finding(user, target, item, stage, description, photos=()) -> CampaignFinding:
    campaign = target.campaign
    hazard = hazard_services.report(
        user,
        target.enterprise_id,
        source=Source.CAMPAIGN,
        from_record=True,
        description=f"【{campaign.name}】{description}",
        place="",
        photos=photos,
    )
    return CampaignFinding.objects.create(
        campaign=campaign, target=target, item=item, stage=stage, hazard=hazard, created_by=user
    )


@dataclass
class AnswerIn:
    item_id: int
    verdict: str
    note: str = ""
    photo: Any = None


def answer(user, target_id, answers: list[AnswerIn]) -> CampaignTarget:
    """An enterprise's self-check: every item answered 符合 / 不符合 / 不涉及 (a 不符合 with what
    is wrong); each 不符合 becomes a hazard linked to the campaign."""
    with transaction.atomic():
        target = _target(user, target_id, "campaign.answer", "填报专项整治自查")
        campaign = target.campaign
        if campaign.state != State.SELF_CHECK:
            raise CampaignRefused(
                f"专项整治当前为“{campaign.get_state_display()}”阶段，不能提交自查", 409
            )
        if target.self_checked_at is not None:
            raise CampaignRefused("本企业已提交自查，不能重复提交", 409)
        items = {item.pk: item for item in campaign.items.all()}
        given: dict[int, AnswerIn] = {}
        for entry in answers:
            if entry.item_id not in items or entry.item_id in given:
                raise CampaignRefused("检查条目无效或重复", field="answers")
            if entry.verdict not in Verdict.values:
                raise CampaignRefused("自查结果应为符合、不符合或不涉及", field="answers")
            note = _text(entry.note, "note", "说明", required=False)
            if entry.verdict == Verdict.NONCONFORM and not note:
                position = items[entry.item_id].position
                raise CampaignRefused(f"第 {position} 项不符合，请说明存在的问题", field="answers")
            given[entry.item_id] = AnswerIn(entry.item_id, entry.verdict, note, entry.photo)
        missing = len(items) - len(given)
        if missing:
            raise CampaignRefused(f"还有 {missing} 项检查条目未填写", field="answers")
        for item_id, entry in given.items():
            item = items[item_id]
            row = CampaignAnswer(
                target=target, item=item, verdict=entry.verdict, note=entry.note, answered_by=user
            )
            if entry.photo:
                row.photo = entry.photo
            row.save()
            if entry.verdict == Verdict.NONCONFORM:
                photos = [row.photo.name] if row.photo else []
                _finding(
                    user, target, item, FindingStage.SELF, f"{item.text}：{entry.note}", photos
                )
        target.self_checked_at, target.self_checked_by = timezone.now(), user
        if target.opened_at is None:
            target.opened_at = target.self_checked_at
        target.save(update_fields=["self_checked_at", "self_checked_by", "opened_at"])
        found = sum(1 for e in given.values() if e.verdict == Verdict.NONCONFORM)
        _event(
            campaign,
            EventAction.ANSWERED,
            user,
            note=f"不符合 {found} 项",
            enterprise=target.enterprise,
        )
    return target


@dataclass
class ProblemIn:
    description: str
    item_id: int | None = None


STAGE_CHECKS: dict[str, tuple[str, str, str, tuple[str, str], str]] = {
    # stage: (campaign state, permission, label, stamped fields, event)
    FindingStage.TOWN: (
        State.TOWN_CHECK,
        "campaign.check",
        "镇街检查",
        ("town_checked_at", "town_checked_by"),
        EventAction.CHECKED,
    ),
    FindingStage.SPOT: (
        State.SPOT_CHECK,
        "campaign.spot_check",
        "县局抽查",
        ("spot_checked_at", "spot_checked_by"),
        EventAction.SPOT_CHECKED,
    ),
}


def check(user, target_id, *, stage: str, problems: list[ProblemIn]) -> CampaignTarget:
    """A town's check or the bureau's spot check of one target: recorded as done, each problem
    found a hazard linked to the campaign (none found: checked with nothing wrong)."""
    if stage not in STAGE_CHECKS:
        raise CampaignRefused("检查环节无效")
    state, permission, label, (at_field, by_field), action = STAGE_CHECKS[stage]
    with transaction.atomic():
        target = _target(user, target_id, permission, f"进行专项整治{label}")
        campaign = target.campaign
        if campaign.state != state:
            raise CampaignRefused(
                f"专项整治当前为“{campaign.get_state_display()}”阶段，不能进行{label}", 409
            )
        if getattr(target, at_field) is not None:
            raise CampaignRefused(f"该企业已完成{label}", 409)
        if len(problems) > MAX_ITEMS:
            raise CampaignRefused(f"一次最多登记 {MAX_ITEMS} 项问题")
        items = {item.pk: item for item in campaign.items.all()}
        cleaned = []
        for problem in problems:
            if problem.item_id is not None and problem.item_id not in items:
                raise CampaignRefused("检查条目无效", field="problems")
            text = _text(problem.description, "item", "问题描述")
            cleaned.append((items.get(problem.item_id) if problem.item_id else None, text))
        for item, text in cleaned:
            _finding(user, target, item, stage, text)
        setattr(target, at_field, timezone.now())
        setattr(target, by_field, user)
        target.save(update_fields=[at_field, by_field])
        _event(
            campaign, action, user, note=f"发现问题 {len(cleaned)} 项", enterprise=target.enterprise
        )
    return target


def remind_overdue(today: date | None = None) -> int:
    """Tell each enterprise (and its town) whose self-check is past its deadline, once."""
    today = today or timezone.localdate()
    with transaction.atomic():
        late = list(
            CampaignTarget.objects.select_for_update(of=("self",))
            .filter(
                campaign__state=State.SELF_CHECK,
                campaign__self_check_ends_on__lt=today,
                self_checked_at__isnull=True,
                overdue_notified_at__isnull=True,
            )
            .select_related("campaign")
        )
        if not late:
            return 0
        events.record_many(
            CampaignEvent,
            [
                CampaignEvent(
                    campaign=target.campaign,
                    enterprise_id=target.enterprise_id,
                    action=EventAction.OVERDUE,
                    to_state=target.campaign.state,
                    note=f"自查截止日期 {target.campaign.self_check_ends_on:%Y-%m-%d} 已过",
                )
                for target in late
            ],
        )
        CampaignTarget.objects.filter(pk__in=[t.pk for t in late]).update(
            overdue_notified_at=timezone.now()
        )
    return len(late)


# --- closing -----------------------------------------------------------------------------------


def open_findings(campaign: Campaign):
    """The findings the campaign still waits for: hazard not settled, not carried over."""
    return campaign.findings.exclude(hazard__state__in=SETTLED).filter(carry_over__isnull=True)


def carry_over(user, finding_id, *, reason) -> CampaignCarryOver:
    reason = _text(reason, "reason", "结转理由")
    with transaction.atomic():
        finding = (
            CampaignFinding.objects.for_user(user)
            .select_related("hazard", "campaign", "target")
            .filter(pk=finding_id)
            .first()
            if isinstance(finding_id, int) and 0 < finding_id < 2**63
            else None
        )
        if finding is None:
            raise CampaignRefused("问题不存在或不在您的管辖范围内", 404)
        campaign = _managed(user, finding.campaign_id)
        if campaign.state not in RUNNING:
            raise CampaignRefused("专项整治未在进行中，不能结转问题", 409)
        if finding.hazard.state in SETTLED:
            raise CampaignRefused("该问题隐患已销号，无需结转", 409)
        if CampaignCarryOver.objects.filter(finding=finding).exists():
            raise CampaignRefused("该问题已结转", 409)
        row = CampaignCarryOver.objects.create(finding=finding, reason=reason, created_by=user)
        _event(
            campaign,
            EventAction.CARRIED_OVER,
            user,
            note=reason,
            enterprise_id=finding.target.enterprise_id,
        )
    return row


def close(user, campaign_id) -> Campaign:
    """Close a campaign in its close-out stage whose every finding is closed or carried over."""
    with transaction.atomic():
        campaign = _managed(user, campaign_id)
        if campaign.state != State.CLOSE_OUT:
            raise CampaignRefused(
                f"专项整治当前为“{campaign.get_state_display()}”，须进入总结销号阶段后才能结束",
                409,
            )
        left = open_findings(campaign).count()
        if left:
            raise CampaignRefused(
                f"尚有 {left} 项问题隐患未销号且未结转，不能结束专项整治；"
                "请督促整改销号，或对确需延续整改的问题填写结转理由",
                409,
            )
        before = campaign.state
        campaign.state, campaign.closed_at = State.CLOSED, timezone.now()
        campaign.save(update_fields=["state", "closed_at"])
        _event(campaign, EventAction.CLOSED, user, before)
    return campaign


# --- figures -----------------------------------------------------------------------------------


@dataclass
class TownRow:
    town_id: int
    town: str
    targets: int = 0
    started: int = 0
    self_checked: int = 0
    town_checked: int = 0
    spot_checked: int = 0
    findings: int = 0
    closed: int = 0
    carried: int = 0

    @property
    def open(self) -> int:
        return self.findings - self.closed - self.carried


def town_rows(campaign: Campaign, user=None) -> list[TownRow]:
    """Per town (the targets' jurisdiction): targets, started (checklist opened), self-checked,
    checked by the town, spot-checked, findings, closed (hazard settled) and carried over; only
    the user's towns when a user is given."""
    targets = campaign.targets.all()
    findings = campaign.findings.all()
    if user is not None:
        targets = targets.filter(pk__in=CampaignTarget.objects.for_user(user).values("pk"))
        findings = findings.filter(pk__in=CampaignFinding.objects.for_user(user).values("pk"))
    rows: dict[int, TownRow] = {}
    for row in (
        targets.values("enterprise__jurisdiction_id", "enterprise__jurisdiction__name")
        .annotate(
            n=Count("pk"),
            started=Count("pk", filter=Q(opened_at__isnull=False)),
            self_checked=Count("pk", filter=Q(self_checked_at__isnull=False)),
            town_checked=Count("pk", filter=Q(town_checked_at__isnull=False)),
            spot_checked=Count("pk", filter=Q(spot_checked_at__isnull=False)),
        )
        .order_by("enterprise__jurisdiction__path")
    ):
        town_id = row["enterprise__jurisdiction_id"]
        rows[town_id] = TownRow(
            town_id,
            row["enterprise__jurisdiction__name"],
            row["n"],
            row["started"],
            row["self_checked"],
            row["town_checked"],
            row["spot_checked"],
        )
    for row in findings.values("target__enterprise__jurisdiction_id").annotate(
        n=Count("pk"),
        closed=Count("pk", filter=Q(hazard__state__in=SETTLED)),
        carried=Count("pk", filter=Q(carry_over__isnull=False) & ~Q(hazard__state__in=SETTLED)),
    ):
        town = rows.get(row["target__enterprise__jurisdiction_id"])
        if town is not None:
            town.findings, town.closed, town.carried = row["n"], row["closed"], row["carried"]
    return list(rows.values())


def totals(rows: list[TownRow]) -> TownRow:
    total = TownRow(0, "合计")
    for row in rows:
        for name in (
            "targets",
            "started",
            "self_checked",
            "town_checked",
            "spot_checked",
            "findings",
            "closed",
            "carried",
        ):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return total


def _stamp(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def ledger(campaign: Campaign, user) -> Workbook:
    """The campaign's 台账 (清单化、台账式、闭环销号): one row per target enterprise with its
    answer per item and its checks; one row per finding with its hazard's state and close-out;
    the checklist; the per-town figures. Only the targets in the user's scope."""
    items = list(campaign.items.order_by("position"))
    targets = CampaignTarget.objects.for_user(user).filter(campaign=campaign)
    labels = dict(Verdict.choices)
    verdicts: dict[int, dict[int, str]] = defaultdict(dict)
    for target_id, item_id, verdict in (
        CampaignAnswer.objects.filter(target__in=targets.values("pk"))
        .values_list("target_id", "item_id", "verdict")
        .iterator(chunk_size=5000)
    ):
        verdicts[target_id][item_id] = labels[verdict]
    found = dict(
        CampaignFinding.objects.filter(target__in=targets.values("pk"))
        .values("target_id")
        .annotate(n=Count("pk"))
        .values_list("target_id", "n")
    )
    book = Workbook()
    headers = ["镇街", "企业名称", "统一社会信用代码", "纳入原因", "自查提交时间"]
    headers += [f"{item.position}. {item.text}"[:60] for item in items]
    headers += ["发现问题数", "镇街检查时间", "县局抽查时间"]
    sheet = book.sheet("整治对象台账", headers, freeze=True)
    for row in (
        targets.order_by("enterprise__jurisdiction__path", "enterprise__name", "pk")
        .values_list(
            "pk",
            "enterprise__jurisdiction__name",
            "enterprise__name",
            "enterprise__credit_code",
            "matched",
            "self_checked_at",
            "town_checked_at",
            "spot_checked_at",
        )
        .iterator(chunk_size=5000)
    ):
        pk, town, name, code, matched, self_at, town_at, spot_at = row
        answers = verdicts.get(pk, {})
        sheet.append(
            [town, name, code, matched, _stamp(self_at)]
            + [answers.get(item.pk, "") for item in items]
            + [found.get(pk, 0), _stamp(town_at), _stamp(spot_at)]
        )
    states = dict(HazardState.choices)
    stages = dict(FindingStage.choices)
    sheet = book.sheet(
        "问题隐患清单",
        [
            "镇街",
            "企业名称",
            "发现环节",
            "检查条目",
            "隐患描述",
            "隐患编号",
            "隐患状态",
            "整改期限",
            "销号时间",
            "结转理由",
        ],
        freeze=True,
    )
    for row in (
        CampaignFinding.objects.filter(target__in=targets.values("pk"))
        .order_by("target__enterprise__jurisdiction__path", "target__enterprise__name", "pk")
        .values_list(
            "target__enterprise__jurisdiction__name",
            "target__enterprise__name",
            "stage",
            "item__position",
            "hazard__description",
            "hazard_id",
            "hazard__state",
            "hazard__deadline",
            "hazard__closed_at",
            "carry_over__reason",
        )
        .iterator(chunk_size=5000)
    ):
        town, name, stage, position, text, hazard_id, state, deadline, closed_at, reason = row
        sheet.append(
            [
                town,
                name,
                stages.get(stage, stage),
                position or "",
                text,
                hazard_id,
                states.get(state, state),
                deadline or "",
                _stamp(closed_at),
                reason or "",
            ]
        )
    sheet = book.sheet("检查条目", ["序号", "检查内容", "依据", "自拟"], freeze=True)
    for item in items:
        sheet.append([item.position, item.text, item.source, "是" if item.drafted else "否"])
    sheet = book.sheet(
        "镇街统计",
        [
            "镇街",
            "目标企业",
            "已开始",
            "已自查",
            "镇街已检查",
            "县局已抽查",
            "发现问题",
            "已销号",
            "已结转",
        ],
        freeze=True,
    )
    rows = town_rows(campaign, user)
    for row in [*rows, totals(rows)]:
        sheet.append(
            [
                row.town,
                row.targets,
                row.started,
                row.self_checked,
                row.town_checked,
                row.spot_checked,
                row.findings,
                row.closed,
                row.carried,
            ]
        )
    return book
