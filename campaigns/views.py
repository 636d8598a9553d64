"""The pages: the campaigns list (bureau, towns, and the enterprise's own), a campaign with its
stages, targeting (how many enterprises match before it starts), checklist, per-town figures,
targets and findings; the phone-first checklist an enterprise answers; a target's page where a
town checks it and the bureau spot-checks it; the Excel 台账. Every query starts at for_user:
out of scope is a 404, a role without the action a 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.roles import can, require
from campaigns import forms, services
from campaigns.models import (
    STAGES,
    Campaign,
    CampaignFinding,
    CampaignTarget,
    FindingStage,
    State,
)
from campaigns.services import CampaignRefused
from core.gate import refuse_on_page
from core.http import xlsx_response
from core.models import Jurisdiction
from enterprises.models import Enterprise, ProcessKind, SectorTag

LABELS = {
    "campaign.view": "查看专项整治",
    "campaign.manage": "管理专项整治",
    "campaign.answer": "填报专项整治自查",
    "campaign.export": "导出专项整治台账",
}


def _campaign(request, pk, action="campaign.view"):
    require(request.user, action, LABELS[action])
    return get_object_or_404(
        Campaign.objects.for_user(request.user).select_related("jurisdiction", "source_accident"),
        pk=pk,
    )


@login_required
def campaign_list(request):
    require(request.user, "campaign.view", "查看专项整治")
    campaigns = (
        Campaign.objects.for_user(request.user)
        .select_related("jurisdiction")
        .annotate(target_count=Count("targets", distinct=True))
        .order_by("-starts_on", "-id")
    )
    if request.user.enterprise_id:
        mine = CampaignTarget.objects.filter(enterprise_id=request.user.enterprise_id)
        done = set(mine.filter(self_checked_at__isnull=False).values_list("campaign_id", flat=True))
    else:
        done = set()
    page = Paginator(campaigns, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "campaigns/list.html",
        {"page": page, "done": done, "can_manage": can(request.user, "campaign.manage")},
    )


@login_required
def campaign_create(request):
    require(request.user, "campaign.manage", "组织专项整治")
    form = forms.CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.create_campaign(request.user, **form.cleaned_data)
        except CampaignRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            messages.success(request, "专项整治已创建（草稿），请设置目标企业和检查条目后启动")
            return redirect("campaigns:detail", campaign.pk)
    return render(request, "campaigns/form.html", {"form": form, "title": "组织专项整治"})


def _targeting_form(request, campaign, data=None):
    towns = Jurisdiction.objects.town_level().filter(path__startswith=campaign.jurisdiction.path)
    initial = {key: [str(v) for v in value] for key, value in (campaign.targeting or {}).items()}
    return forms.TargetingForm(
        data,
        initial=initial,
        sector_tags=SectorTag.objects.order_by("name"),
        process_kinds=ProcessKind.objects.order_by("group", "name"),
        towns=towns.order_by("path"),
    )


@login_required
def campaign_detail(request, pk):
    campaign = _campaign(request, pk)
    user = request.user
    if user.enterprise_id:
        return redirect("campaigns:checklist", campaign.pk)
    manage = services.manageable(user, campaign)
    context = {
        "campaign": campaign,
        "items": campaign.items.order_by("position"),
        "stages": [(stage, stage.label) for stage in STAGES],
        "stage_index": STAGES.index(campaign.state) if campaign.state in STAGES else -1,
        "manage": manage,
        "can_export": can(user, "campaign.export"),
    }
    if campaign.state == State.DRAFT:
        context.update(
            matching=services.matching(campaign).count(),
            described=services.describe_targeting(campaign.targeting),
            targeting_form=_targeting_form(request, campaign) if manage else None,
            item_form=forms.ItemForm() if manage else None,
            start_form=forms.StartForm() if manage else None,
        )
    else:
        rows = services.town_rows(campaign, user)
        targets = (
            CampaignTarget.objects.for_user(user)
            .filter(campaign=campaign)
            .select_related("enterprise__jurisdiction")
            .annotate(finding_count=Count("findings"))
            .order_by("enterprise__jurisdiction__path", "enterprise__name", "pk")
        )
        status = request.GET.get("status", "")
        if status == "unanswered":
            targets = targets.filter(self_checked_at__isnull=True)
        elif status == "unchecked":
            targets = targets.filter(town_checked_at__isnull=True)
        context.update(
            rows=rows,
            total=services.totals(rows),
            page=Paginator(targets, 100).get_page(request.GET.get("page")),
            status=status,
            open_findings=services.open_findings(campaign)
            .filter(pk__in=CampaignFinding.objects.for_user(user).values("pk"))
            .select_related("hazard", "target__enterprise", "item")[:200],
            open_count=services.open_findings(campaign).count(),
        )
    return render(request, "campaigns/detail.html", context)


def _act(request, function, *args, success="", **kwargs):
    try:
        function(request.user, *args, **kwargs)
    except CampaignRefused as exc:
        refuse_on_page(request, exc)
    else:
        if success:
            messages.success(request, success)


@login_required
@require_POST
def targeting(request, pk):
    campaign = _campaign(request, pk, "campaign.manage")
    form = _targeting_form(request, campaign, request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "目标企业条件无效："
            + "；".join(str(e) for errors in form.errors.values() for e in errors),
        )
        return redirect("campaigns:detail", campaign.pk)
    data = form.cleaned_data
    codes = [line.strip() for line in data["credit_codes"].splitlines() if line.strip()]
    enterprise_ids = None
    if codes:
        found = dict(
            Enterprise.objects.for_user(request.user)
            .filter(credit_code__in=codes)
            .values_list("credit_code", "pk")
        )
        missing = [code for code in codes if code not in found]
        if missing:
            messages.error(
                request, f"有 {len(missing)} 个信用代码未找到或不在管辖范围内，目标企业条件未保存"
            )
            return redirect("campaigns:detail", campaign.pk)
        enterprise_ids = list(found.values())
    _act(
        request,
        services.set_targeting,
        campaign.pk,
        industries=data["industries"],
        sector_tags=data["sector_tags"],
        process_kinds=data["process_kinds"],
        towns=[int(pk) for pk in data["towns"]],
        risk_levels=data["risk_levels"],
        enterprise_ids=enterprise_ids,
        success="目标企业条件已保存",
    )
    return redirect("campaigns:detail", campaign.pk)


@login_required
@require_POST
def add_item(request, pk):
    campaign = _campaign(request, pk, "campaign.manage")
    form = forms.ItemForm(request.POST)
    if form.is_valid():
        _act(request, services.add_item, campaign.pk, text=form.cleaned_data["text"])
    else:
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect("campaigns:detail", campaign.pk)


@login_required
@require_POST
def start(request, pk):
    campaign = _campaign(request, pk, "campaign.manage")
    form = forms.StartForm(request.POST)
    if form.is_valid():
        _act(request, services.start, campaign.pk, **form.cleaned_data, success="专项整治已启动")
    else:
        messages.error(request, "请填写各阶段的截止日期")
    return redirect("campaigns:detail", campaign.pk)


@login_required
@require_POST
def advance(request, pk):
    campaign = _campaign(request, pk, "campaign.manage")
    _act(request, services.advance, campaign.pk, success="已进入下一阶段")
    return redirect("campaigns:detail", campaign.pk)


@login_required
@require_POST
def close(request, pk):
    campaign = _campaign(request, pk, "campaign.manage")
    _act(request, services.close, campaign.pk, success="专项整治已结束")
    return redirect("campaigns:detail", campaign.pk)


@login_required
def checklist(request, pk):
    """The enterprise's phone page: its campaign checklist, answered item by item."""
    campaign = _campaign(request, pk, "campaign.answer")
    target = get_object_or_404(
        CampaignTarget.objects.for_user(request.user).filter(campaign=campaign)
    )
    items = list(campaign.items.order_by("position"))
    if target.self_checked_at is None and campaign.state == State.SELF_CHECK:
        services.open_checklist(request.user, target)
        form = forms.ChecklistForm(request.POST or None, request.FILES or None, items=items)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            answers = [
                services.AnswerIn(
                    item.pk,
                    data[f"verdict_{item.pk}"],
                    data[f"note_{item.pk}"],
                    data[f"photo_{item.pk}"],
                )
                for item in items
            ]
            try:
                services.answer(request.user, target.pk, answers)
            except CampaignRefused as exc:
                refuse_on_page(request, exc, form)
            else:
                messages.success(request, "自查已提交，不符合项已登记为隐患，请按期整改")
                return redirect("campaigns:checklist", campaign.pk)
    else:
        form = None
    return render(
        request,
        "campaigns/checklist.html",
        {
            "campaign": campaign,
            "target": target,
            "form": form,
            "answers": target.answers.select_related("item").order_by("item__position"),
            "findings": target.findings.select_related("hazard", "item"),
        },
    )


@login_required
def target_detail(request, pk):
    """One target: its answers and findings; a town checks it, the bureau spot-checks it."""
    require(request.user, "campaign.view", "查看专项整治")
    target = get_object_or_404(
        CampaignTarget.objects.for_user(request.user).select_related(
            "campaign__jurisdiction", "enterprise__jurisdiction"
        ),
        pk=pk,
    )
    campaign = target.campaign
    stage = None
    if campaign.state == State.TOWN_CHECK and can(request.user, "campaign.check"):
        stage = FindingStage.TOWN if target.town_checked_at is None else None
    elif campaign.state == State.SPOT_CHECK and can(request.user, "campaign.spot_check"):
        stage = FindingStage.SPOT if target.spot_checked_at is None else None
    form = forms.CheckForm(request.POST or None) if stage else None
    if form is not None and request.method == "POST" and form.is_valid():
        problems = [
            services.ProblemIn(line.strip())
            for line in form.cleaned_data["problems"].splitlines()
            if line.strip()
        ]
        try:
            services.check(request.user, target.pk, stage=stage, problems=problems)
        except CampaignRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            messages.success(request, f"检查已登记，发现问题 {len(problems)} 项")
            return redirect("campaigns:target", target.pk)
    return render(
        request,
        "campaigns/target.html",
        {
            "target": target,
            "campaign": campaign,
            "answers": target.answers.select_related("item").order_by("item__position"),
            "findings": target.findings.select_related("hazard", "item", "carry_over"),
            "form": form,
            "stage_label": FindingStage(stage).label if stage else "",
            "manage": services.manageable(request.user, campaign) and campaign.running,
            "carry_form": forms.CarryOverForm(),
        },
    )


@login_required
@require_POST
def carry_over(request, pk):
    require(request.user, "campaign.manage", "结转专项整治问题")
    finding = get_object_or_404(CampaignFinding.objects.for_user(request.user), pk=pk)
    form = forms.CarryOverForm(request.POST)
    if form.is_valid():
        _act(
            request,
            services.carry_over,
            finding.pk,
            reason=form.cleaned_data["reason"],
            success="问题已结转",
        )
    else:
        messages.error(request, "请填写结转理由")
    return redirect("campaigns:target", finding.target_id)


@login_required
def towns(request, pk):
    campaign = _campaign(request, pk, "campaign.export")
    rows = services.town_rows(campaign, request.user)
    return render(
        request,
        "campaigns/towns.html",
        {"campaign": campaign, "rows": rows, "total": services.totals(rows)},
    )


@login_required
def ledger(request, pk):
    campaign = _campaign(request, pk, "campaign.export")
    book = services.ledger(campaign, request.user)
    today = timezone.localdate()
    return xlsx_response(book, f"{campaign.name}-台账-{today:%Y%m%d}.xlsx")
