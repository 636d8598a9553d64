"""/api/v1/campaigns: the campaigns in the user's scope, one campaign, its targets, its per-town
figures, and an enterprise user's self-check answers, through the same services and scoping as
the pages. A role without the action gets a 403, a row out of scope a 404, a refusal
(campaigns.services.CampaignRefused) its status with the Chinese reason."""

from datetime import date, datetime

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from accounts.roles import require
from campaigns import services
from campaigns.models import Campaign, CampaignTarget, State, Verdict
from core.api_schemas import Int64, Pagination
from core.inputs import Line

router = Router(tags=["专项整治"])

MAX_ID = 2**63 - 1


class CampaignItemOut(Schema):
    id: int
    position: int
    text: str
    source: str
    drafted: bool


class CampaignOut(Schema):
    id: int
    name: str
    basis: str
    starts_on: date
    ends_on: date
    jurisdiction_id: int
    jurisdiction_name: str = Field(alias="jurisdiction.name")
    state: str = Field(
        description="draft / self_check / town_check / spot_check / close_out / closed"
    )
    state_label: str
    self_check_ends_on: date | None
    town_check_ends_on: date | None
    spot_check_ends_on: date | None
    source_accident_id: int | None
    source_note: str
    template_code: str

    @staticmethod
    def resolve_state_label(obj):
        return obj.get_state_display()


class CampaignDetailOut(CampaignOut):
    items: list[CampaignItemOut]
    targeting: dict

    @staticmethod
    def resolve_items(obj):
        return list(obj.items.all())


class CampaignTargetOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str = Field(alias="enterprise.name")
    town: str = Field(alias="enterprise.jurisdiction.name")
    matched: str
    opened_at: datetime | None
    self_checked_at: datetime | None
    town_checked_at: datetime | None
    spot_checked_at: datetime | None


class CampaignTownOut(Schema):
    town_id: int
    town: str
    targets: int
    started: int
    self_checked: int
    town_checked: int
    spot_checked: int
    findings: int
    closed: int
    carried: int


class CampaignAnswerIn(Schema):
    item_id: int = Field(ge=1, le=MAX_ID)
    verdict: Verdict = Field(description="conform 符合 / nonconform 不符合 / na 不涉及")
    note: Line(services.LIMITS["note"]) = ""


class CampaignAnswersIn(Schema):
    answers: list[CampaignAnswerIn] = Field(max_length=services.MAX_ITEMS)


class CampaignAnsweredOut(Schema):
    target_id: int
    self_checked_at: datetime
    findings: int


def _campaign(request, campaign_id, action="campaign.view", label="查看专项整治"):
    require(request.user, action, label)
    return get_object_or_404(
        Campaign.objects.for_user(request.user).select_related("jurisdiction"), pk=campaign_id
    )


@router.get("", response=list[CampaignOut], summary="专项整治")
@paginate(Pagination)
def list_campaigns(request, state: State | None = None):
    require(request.user, "campaign.view", "查看专项整治")
    campaigns = Campaign.objects.for_user(request.user).select_related("jurisdiction")
    if state is not None:
        campaigns = campaigns.filter(state=state)
    return campaigns


@router.get("/{campaign_id}", response=CampaignDetailOut, summary="专项整治详情")
def get_campaign(request, campaign_id: Int64):
    return _campaign(request, campaign_id)


@router.get("/{campaign_id}/targets", response=list[CampaignTargetOut], summary="专项整治目标企业")
@paginate(Pagination)
def list_targets(request, campaign_id: Int64):
    campaign = _campaign(request, campaign_id)
    return (
        CampaignTarget.objects.for_user(request.user)
        .filter(campaign=campaign)
        .select_related("enterprise__jurisdiction")
        .order_by("enterprise__jurisdiction__path", "enterprise__name", "pk")
    )


@router.get("/{campaign_id}/stats", response=list[CampaignTownOut], summary="专项整治镇街统计")
def stats(request, campaign_id: Int64):
    campaign = _campaign(request, campaign_id, "campaign.export", "查看专项整治统计")
    return services.town_rows(campaign, request.user)


@router.post(
    "/{campaign_id}/answers",
    response={201: CampaignAnsweredOut},
    summary="提交本企业自查（企业用户）",
)
def submit_answers(request, campaign_id: Int64, payload: CampaignAnswersIn):
    campaign = _campaign(request, campaign_id, "campaign.answer", "填报专项整治自查")
    target = get_object_or_404(
        CampaignTarget.objects.for_user(request.user).filter(campaign=campaign)
    )
    answers = [services.AnswerIn(a.item_id, str(a.verdict), a.note) for a in payload.answers]
    target = services.answer(request.user, target.pk, answers)
    return Status(
        201,
        {
            "target_id": target.pk,
            "self_checked_at": target.self_checked_at,
            "findings": target.findings.count(),
        },
    )
