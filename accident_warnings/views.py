"""The pages: the warnings list (the bureau's drafts and issued warnings, a town's and an
enterprise's issued ones), drafting a warning from an accident case, a warning with its
campaign prompt, its recipients and their match reasons (adjusted while a draft), the
per-town acknowledgement rate and the one-tap acknowledgement for a recipient; the rates per
town over every warning; an enterprise's warnings, 提醒函 and supervision records. Every query
starts at for_user: out of scope is a 404, a role without the action a 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accident_warnings import documents, forms, reference, services
from accident_warnings.models import (
    AccidentWarning,
    SupervisionRecord,
    WarningLetter,
    WarningRecipient,
)
from accident_warnings.reference import WarningState
from accident_warnings.services import WarningRefused
from accidents.models import AccidentCase
from accounts.roles import can, require
from campaigns.models import Campaign
from core.gate import refuse_on_page
from enterprises.models import Enterprise


def _warning(request, pk, action="accident_warning.view"):
    require(request.user, action)
    return get_object_or_404(
        AccidentWarning.objects.for_user(request.user, "accident_warning.view").select_related(
            "accident", "jurisdiction", "issued_by"
        ),
        pk=pk,
    )


def _enterprise(request, pk, action):
    require(request.user, action)
    return get_object_or_404(Enterprise.objects.for_user(request.user), pk=pk)


@login_required
def index(request):
    require(request.user, "accident_warning.view")
    warnings = AccidentWarning.objects.for_user(request.user).select_related("accident")
    mine = {}
    if request.user.enterprise_id:
        mine = dict(
            WarningRecipient.objects.filter(enterprise_id=request.user.enterprise_id).values_list(
                "warning_id", "state"
            )
        )
    page = Paginator(warnings, 50).get_page(request.GET.get("page"))
    states = dict(reference.AckState.choices)
    rows = [(w, states.get(mine.get(w.pk), "—")) for w in page]
    return render(
        request,
        "accident_warnings/index.html",
        {
            "page": page,
            "rows": rows,
            "can_issue": can(request.user, "accident_warning.issue"),
            "accidents": (
                AccidentCase.objects.for_user(request.user, "accident.view").counted()[:30]
                if can(request.user, "accident_warning.issue")
                else []
            ),
        },
    )


@login_required
def create(request, accident_pk):
    require(request.user, "accident_warning.issue")
    accident = get_object_or_404(
        AccidentCase.objects.for_user(request.user, "accident.view").counted(), pk=accident_pk
    )
    initial = {"title": f"关于{accident.title}的事故警示", "lessons": accident.lessons}
    form = forms.WarningForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            warning = services.draft(request.user, accident_id=accident.pk, **form.cleaned_data)
        except WarningRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            messages.success(request, "警示已起草，请核对接收企业后下发")
            return redirect("accident_warnings:detail", warning.pk)
    return render(
        request,
        "accident_warnings/form.html",
        {"form": form, "title": f"发布事故警示：{accident.title}", "multipart": True},
    )


@login_required
def detail(request, pk):
    warning = _warning(request, pk)
    recipients = (
        WarningRecipient.objects.for_user(request.user, "accident_warning.view")
        .filter(warning=warning)
        .select_related("enterprise", "enterprise__jurisdiction")
        .order_by("id")
    )
    page = Paginator(recipients, 100).get_page(request.GET.get("page"))
    own = None
    if request.user.enterprise_id:
        own = recipients.filter(enterprise_id=request.user.enterprise_id).first()
    return render(
        request,
        "accident_warnings/detail.html",
        {
            "warning": warning,
            "page": page,
            "own": own,
            "ack_form": forms.AcknowledgeForm(),
            "rates": services.town_rates(request.user, warning),
            "prompt": services.campaign_prompt(warning),
            "campaigns": Campaign.objects.for_user(request.user, "campaign.view").filter(
                source_accident_id=warning.accident_id
            ),
            "can_start_campaign": can(request.user, "campaign.manage"),
            "can_adjust": (
                warning.state == WarningState.DRAFT and can(request.user, "accident_warning.issue")
            ),
            "can_ack": own is not None
            and warning.is_issued
            and own.state != reference.AckState.STUDIED
            and can(request.user, "accident_warning.acknowledge"),
        },
    )


def _act(request, function, *args, success: str, **kwargs):
    try:
        function(request.user, *args, **kwargs)
    except WarningRefused as exc:
        refuse_on_page(request, exc)
    else:
        messages.success(request, success)


@login_required
@require_POST
def add_recipient(request, pk):
    warning = _warning(request, pk, "accident_warning.issue")
    form = forms.AddRecipientForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写有效的企业ID")
    else:
        _act(
            request,
            services.add_recipient,
            warning.pk,
            form.cleaned_data["enterprise"],
            success="已添加接收企业",
        )
    return redirect("accident_warnings:detail", warning.pk)


@login_required
@require_POST
def remove_recipient(request, pk, enterprise_pk):
    warning = _warning(request, pk, "accident_warning.issue")
    _act(request, services.remove_recipient, warning.pk, enterprise_pk, success="已移除接收企业")
    return redirect("accident_warnings:detail", warning.pk)


@login_required
@require_POST
def issue(request, pk):
    warning = _warning(request, pk, "accident_warning.issue")
    _act(request, services.issue, warning.pk, success="警示已下发，接收企业将收到通知")
    return redirect("accident_warnings:detail", warning.pk)


@login_required
@require_POST
def start_campaign(request, pk):
    warning = _warning(request, pk, "campaign.manage")
    try:
        campaign = services.start_campaign(request.user, warning.pk)
    except WarningRefused as exc:
        refuse_on_page(request, exc)
        return redirect("accident_warnings:detail", warning.pk)
    messages.success(request, "已生成专项整治草稿，请核对检查清单和目标企业后启动")
    return redirect("campaigns:detail", campaign.pk)


@login_required
@require_POST
def acknowledge(request, pk):
    warning = _warning(request, pk, "accident_warning.acknowledge")
    form = forms.AcknowledgeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择“已阅”或“已组织学习”")
    else:
        _act(request, services.acknowledge, warning.pk, **form.cleaned_data, success="已阅知")
    return redirect("accident_warnings:detail", warning.pk)


@login_required
def attachment(request, pk):
    warning = _warning(request, pk)
    if not warning.attachment:
        raise Http404
    return FileResponse(warning.attachment.open("rb"), as_attachment=True)


@login_required
def rates(request):
    require(request.user, "accident_warning.view")
    return render(
        request, "accident_warnings/rates.html", {"rates": services.town_rates(request.user)}
    )


@login_required
def enterprise_tab(request, pk):
    enterprise = _enterprise(request, pk, "accident_warning.view")
    received = (
        WarningRecipient.objects.for_user(request.user)
        .issued()
        .filter(enterprise=enterprise)
        .select_related("warning")
        .order_by("-warning__issued_at")[:50]
    )
    return render(
        request,
        "accident_warnings/enterprise.html",
        {
            "enterprise": enterprise,
            "received": received,
            "letters": WarningLetter.objects.filter(enterprise=enterprise)[:50],
            "records": (
                SupervisionRecord.objects.filter(enterprise=enterprise)[:50]
                if can(request.user, "supervision.view")
                else []
            ),
            "can_letter": can(request.user, "accident_warning.letter"),
            "can_record": can(request.user, "supervision.record"),
        },
    )


@login_required
def letter_create(request, pk):
    enterprise = _enterprise(request, pk, "accident_warning.letter")
    warning_id = request.GET.get("warning") or request.POST.get("warning")
    warning_id = (
        int(warning_id) if warning_id and warning_id.isdigit() and len(warning_id) < 18 else None
    )
    form = forms.LetterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            letter = services.issue_letter(
                request.user,
                enterprise_id=enterprise.pk,
                warning_id=warning_id,
                content=form.cleaned_data["content"],
            )
        except WarningRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            messages.success(request, f"提醒函已生成：{letter.number}")
            return redirect("accident_warnings:enterprise", enterprise.pk)
    return render(
        request,
        "accident_warnings/form.html",
        {"form": form, "title": f"提醒函：{enterprise.name}", "warning_id": warning_id},
    )


@login_required
def letter(request, pk):
    require(request.user, "accident_warning.view")
    record = get_object_or_404(
        WarningLetter.objects.for_user(request.user).select_related(
            "enterprise", "jurisdiction", "warning", "warning__accident"
        ),
        pk=pk,
    )
    response = HttpResponse(documents.letter(record), content_type=documents.DOCX)
    response["Content-Disposition"] = f'attachment; filename="letter-{record.pk}.docx"'
    return response


@login_required
def supervision_create(request, pk):
    enterprise = _enterprise(request, pk, "supervision.record")
    form = forms.SupervisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_supervision(
                request.user, enterprise_id=enterprise.pk, **form.cleaned_data
            )
        except WarningRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            messages.success(request, "监管措施已登记")
            return redirect("accident_warnings:enterprise", enterprise.pk)
    return render(
        request,
        "accident_warnings/form.html",
        {"form": form, "title": f"登记约谈、重点关注或帮扶指导：{enterprise.name}"},
    )
