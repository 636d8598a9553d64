"""The scheme's pages: the public phone form behind an enterprise's report link (/r/<token>/),
the employee's 我的报告, an enterprise's reports and reward ledger (with its rule, link, poster
and Excel export), the rule form, a reward's approval and payment, and the bureau's statistics
per town and enterprise. Every query starts at the models' for_user: out of scope is a 404; a
role that may not is a 403 (accounts.roles: report.*, reward.*)."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.roles import can, require
from core.gate import refuse_on_page
from core.http import xlsx_response
from enterprises.models import Enterprise
from rewards import documents, export, forms, queries, services
from rewards.models import EmployeeReport, Reward, RewardState
from rewards.reference import OUTSIDE_DUTY_PAYS_MORE
from rewards.services import RewardRefused


def _address(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def public_report(request, token):
    """The form a QR poster opens: the enterprise's own people report as themselves once
    logged in; anyone else by name and phone, only where the enterprise allows it. An unknown
    or replaced token is a plain 404."""
    enterprise = services.enterprise_for_token(token)
    if enterprise is None:
        raise Http404
    user = request.user
    as_user = user.is_authenticated and user.enterprise_id == enterprise.pk
    by_name = not as_user and services.by_name_allowed(enterprise)
    context = {"enterprise": enterprise, "as_user": as_user, "by_name": by_name, "token": token}
    if not (as_user or by_name):
        login = f"{reverse('login')}?next={quote(request.path)}"
        return render(request, "rewards/public_login.html", {**context, "login": login})
    form = forms.ReportForm(
        request.POST or None,
        request.FILES or None,
        by_name=by_name,
        uploader=user if user.is_authenticated else None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        within = data["within_duty"] == "yes"
        try:
            if as_user:
                report = services.report_as_user(
                    user,
                    enterprise.pk,
                    description=data["description"],
                    place=data["place"],
                    within_duty=within,
                    photos=data["photos"],
                )
            else:
                report = services.report_by_name(
                    enterprise,
                    name=data["name"],
                    phone=data["phone"],
                    description=data["description"],
                    place=data["place"],
                    within_duty=within,
                    photos=data["photos"],
                    address=_address(request),
                )
        except RewardRefused as exc:
            if exc.status in (403, 404):
                refuse_on_page(request, exc)
            form.add_error(None, str(exc))
        else:
            form.photos_stored()
            return render(request, "rewards/public_done.html", {**context, "report": report})
    if request.method == "POST":
        form.keep_photos()
    rule = services.current_rule(enterprise.pk)
    return render(
        request,
        "rewards/public_report.html",
        {**context, "form": form, "rule": rule, "principle": OUTSIDE_DUTY_PAYS_MORE},
    )


@login_required
def index(request):
    if can(request.user, "reward.stats"):
        return redirect("rewards:stats")
    if can(request.user, "report.view_all") and request.user.enterprise_id:
        return redirect("rewards:enterprise", pk=request.user.enterprise_id)
    return redirect("rewards:mine")


@login_required
def mine(request):
    require(request.user, "report.view", "查看隐患报告")
    reports = (
        EmployeeReport.objects.for_user(request.user, "report.view")
        .filter(reporter=request.user)
        .select_related("hazard", "reward", "enterprise")
    )
    token = None
    if request.user.enterprise_id and can(request.user, "report.submit"):
        token = services.channel_for(request.user.enterprise).token
    return render(request, "rewards/mine.html", {"reports": reports[:200], "token": token})


def _enterprise(request, pk, action="report.view_all"):
    require(request.user, action)
    return get_object_or_404(Enterprise.objects.for_user(request.user), pk=pk)


@login_required
def enterprise(request, pk):
    enterprise = _enterprise(request, pk)
    reports = (
        EmployeeReport.objects.for_user(request.user, "report.view_all")
        .filter(enterprise=enterprise)
        .select_related("hazard", "reward", "reward__approved_by")
    )
    manage = can(request.user, "reward.manage")
    channel = services.channel_for(enterprise) if manage else None
    link = (
        request.build_absolute_uri(reverse("public_report", args=[channel.token]))
        if channel
        else ""
    )
    rules = enterprise.reward_rules.select_related("created_by")[:10]
    return render(
        request,
        "rewards/enterprise.html",
        {
            "enterprise": enterprise,
            "reports": reports[:300],
            "rules": rules,
            "rule": rules[0] if rules else None,
            "manage": manage,
            "may_approve": can(request.user, "reward.approve"),
            "may_pay": can(request.user, "reward.pay"),
            "may_export": can(request.user, "reward.export"),
            "link": link,
            "summary": queries.summary(reports),
            "pay_form": forms.PayForm(),
        },
    )


@login_required
def enterprise_tab(request, pk):
    """The enterprise page's summary of its employee reports (loaded by htmx in 隐患排查)."""
    enterprise = _enterprise(request, pk)
    reports = EmployeeReport.objects.for_user(request.user, "report.view_all").filter(
        enterprise=enterprise
    )
    return render(
        request,
        "rewards/_enterprise_tab.html",
        {
            "enterprise": enterprise,
            "summary": queries.summary(reports),
            "rule": services.current_rule(enterprise.pk),
        },
    )


@login_required
def rule(request, pk):
    enterprise = _enterprise(request, pk, "reward.manage")
    current = services.current_rule(enterprise.pk)
    initial = {}
    if current is not None:
        initial = {
            name: getattr(current, name)
            for name in forms.RuleForm.base_fields
            if hasattr(current, name)
        }
    form = forms.RuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_rule(request.user, enterprise.pk, **form.cleaned_data)
        except RewardRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            messages.success(request, "奖励标准已保存（新版本），此后查实的报告按新标准计算")
            return redirect("rewards:enterprise", pk=enterprise.pk)
    return render(
        request,
        "rewards/rule.html",
        {"enterprise": enterprise, "form": form, "principle": OUTSIDE_DUTY_PAYS_MORE},
    )


@login_required
def poster(request, pk):
    enterprise = _enterprise(request, pk, "reward.manage")
    channel = services.channel_for(enterprise)
    url = request.build_absolute_uri(reverse("public_report", args=[channel.token]))
    content = documents.poster(enterprise, url, services.current_rule(enterprise.pk))
    response = HttpResponse(content, content_type=documents.DOCX)
    name = f"{enterprise.name}-隐患报告二维码.docx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
@require_POST
def rotate(request, pk):
    enterprise = _enterprise(request, pk, "reward.manage")
    try:
        services.rotate(request.user, enterprise.pk)
    except RewardRefused as exc:
        refuse_on_page(request, exc)
    else:
        messages.success(request, "已更换报告链接：旧二维码已失效，请重新打印张贴")
    return redirect("rewards:enterprise", pk=enterprise.pk)


def _reward(request, pk, action):
    require(request.user, action)
    return get_object_or_404(Reward.objects.for_user(request.user), pk=pk)


@login_required
@require_POST
def approve(request, pk):
    reward = _reward(request, pk, "reward.approve")
    try:
        services.approve(request.user, reward.pk)
    except RewardRefused as exc:
        refuse_on_page(request, exc)
    else:
        messages.success(request, f"已审批奖励 {reward.amount} 元")
    return redirect("rewards:enterprise", pk=reward.report.enterprise_id)


@login_required
@require_POST
def pay(request, pk):
    reward = _reward(request, pk, "reward.pay")
    form = forms.PayForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("rewards:enterprise", pk=reward.report.enterprise_id)
    try:
        services.pay(request.user, reward.pk, **form.cleaned_data)
    except RewardRefused as exc:
        refuse_on_page(request, exc)
    else:
        messages.success(request, f"已登记发放奖励 {reward.amount} 元")
    return redirect("rewards:enterprise", pk=reward.report.enterprise_id)


@login_required
def ledger_export(request, pk):
    enterprise = _enterprise(request, pk, "reward.export")
    reports = EmployeeReport.objects.for_user(request.user, "reward.export").filter(
        enterprise=enterprise
    )
    today = timezone.localdate()
    return xlsx_response(
        export.workbook(reports), f"{enterprise.name}-隐患报告奖励台账-{today:%Y%m%d}.xlsx"
    )


@login_required
def stats(request):
    require(request.user, "reward.stats", "查看隐患报告奖励统计")
    reports = EmployeeReport.objects.for_user(request.user, "reward.stats")
    return render(
        request,
        "rewards/stats.html",
        {
            "towns": queries.by_town(reports),
            "enterprises": queries.by_enterprise(reports)[:100],
            "total": queries.summary(reports),
            "PAID": RewardState.PAID,
        },
    )
