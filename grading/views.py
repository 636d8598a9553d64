from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.roles import can, require
from core.gate import refuse_on_page
from enterprises.choices import Status
from enterprises.models import Enterprise
from grading import explain, forms, frequency, services
from grading.models import (
    LEVELS_DOWN,
    EnterpriseGrade,
    FrequencyReduction,
    GradeBand,
    GradeOverride,
    GradingFactor,
    GradingRun,
    OverrideState,
    RiskLevel,
    SupervisionFrequency,
)

PAGE_SIZE = 50
COLORS = {"red": "#dc3545", "orange": "#fd7e14", "yellow": "#ffc107", "blue": "#0d6efd"}


@login_required
def grade_list(request):
    require(request.user, "grade.view")
    form = forms.GradeFilterForm(request.user, request.GET or None)
    scoped = EnterpriseGrade.objects.for_user(request.user)
    queryset = form.apply(scoped).select_related("enterprise", "enterprise__jurisdiction")
    page = Paginator(queryset.order_by("-score", "enterprise_id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    table = frequency.Table()
    for grade in page:
        grade.frequency = frequency.for_enterprise_grade(grade, table)
    counts = dict(
        form.apply(scoped, with_level=False)
        .order_by()
        .values_list("level")
        .annotate(n=Count("pk"))
        .values_list("level", "n")
    )
    distribution = [(level, RiskLevel(level).label, counts.get(level, 0)) for level in LEVELS_DOWN]
    ungraded = (
        Enterprise.objects.for_user(request.user)
        .exclude(status=Status.CLOSED)
        .filter(grade__isnull=True)
        .count()
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "distribution": distribution,
        "ungraded": ungraded,
        "chart": {
            "labels": [label for _, label, _ in distribution],
            "values": [
                {"value": n, "itemStyle": {"color": COLORS[level]}} for level, _, n in distribution
            ],
        },
        "last_run": GradingRun.objects.filter(kind=GradingRun.FULL).first(),
        "pending": GradeOverride.objects.for_user(request.user)
        .filter(state=OverrideState.PENDING)
        .select_related("enterprise", "requested_by")[:20],
        "can_approve": can(request.user, "grade.approve"),
    }
    return render(request, "grading/list.html", context)


def _detail_context(user, enterprise):
    grade = (
        EnterpriseGrade.objects.for_user(user)
        .select_related("override__requested_by", "override__decided_by", "enterprise")
        .filter(enterprise=enterprise)
        .first()
    )
    rows = explain.rows(grade) if grade else []
    floor = grade.explanation.get("floor") if grade else None
    overrides = list(
        GradeOverride.objects.for_user(user)
        .filter(enterprise=enterprise)
        .select_related("requested_by", "decided_by", "ended_by")
    )
    open_override = next((o for o in overrides if o.state in ("pending", "approved")), None)
    return {
        "enterprise": enterprise,
        "grade": grade,
        "rows": rows,
        "total": explain.total(rows),
        "by_score": RiskLevel(grade.explanation["by_score"]).label if grade else "",
        "floor": RiskLevel(floor[1]).label if floor else "",
        "frequency": frequency.for_enterprise_grade(grade) if grade else None,
        "history": enterprise.grade_changes.select_related("actor", "approver", "override")[:50],
        "overrides": overrides,
        "open_override": open_override,
    }


def _enterprise(user, pk):
    return get_object_or_404(
        Enterprise.objects.for_user(user).select_related("jurisdiction"), pk=pk
    )


@login_required
def detail(request, pk):
    require(request.user, "grade.view")
    enterprise = _enterprise(request.user, pk)
    context = _detail_context(request.user, enterprise)
    user = request.user
    override = context["open_override"]
    actions = services.available_actions(user, override)
    context.update(
        {
            "request_form": forms.OverrideRequestForm()
            if can(user, "grade.override") and override is None
            else None,
            "decision_form": forms.DecisionForm() if "decide" in actions else None,
            "revoke_form": forms.RevokeForm() if "revoke" in actions else None,
            "can_recompute": can(user, "grade.recompute"),
        }
    )
    return render(request, "grading/detail.html", context)


@login_required
def card(request, pk):
    """The grade on the enterprise page's 风险分级 tab (loaded by htmx)."""
    enterprise = _enterprise(request.user, pk)  # out of scope: 404, like every object
    if not can(request.user, "grade.view"):
        return render(request, "grading/_card.html", {"forbidden": True})
    return render(request, "grading/_card.html", _detail_context(request.user, enterprise))


def _refusal(request, form):
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}：{'；'.join(errors)}" if label else "；".join(errors))


@login_required
@require_POST
def request_override(request, pk):
    enterprise = _enterprise(request.user, pk)
    require(request.user, "grade.override", "申请调整风险等级")
    form = forms.OverrideRequestForm(request.POST)
    if not form.is_valid():
        _refusal(request, form)
    else:
        try:
            services.request_override(request.user, enterprise.pk, **form.cleaned_data)
        except services.GradingRefused as exc:
            refuse_on_page(request, exc)
        else:
            messages.success(request, "已提交风险等级调整申请，待审批")
    return redirect("grading:detail", pk=enterprise.pk)


def _override(user, override_id):
    return get_object_or_404(GradeOverride.objects.for_user(user), pk=override_id)


@login_required
@require_POST
def decide(request, override_id):
    override = _override(request.user, override_id)
    require(request.user, "grade.approve", "审批风险等级调整")
    form = forms.DecisionForm(request.POST)
    if not form.is_valid():
        _refusal(request, form)
    else:
        approved = form.cleaned_data["decision"] == "approve"
        try:
            services.decide_override(
                request.user, override.pk, approved=approved, note=form.cleaned_data["note"]
            )
        except services.GradingRefused as exc:
            refuse_on_page(request, exc)
        else:
            messages.success(request, "已批准，等级已调整" if approved else "已驳回")
    return redirect("grading:detail", pk=override.enterprise_id)


@login_required
@require_POST
def revoke(request, override_id):
    override = _override(request.user, override_id)
    require(request.user, services.revoke_action(request.user, override), "撤销风险等级调整")
    form = forms.RevokeForm(request.POST)
    if not form.is_valid():
        _refusal(request, form)
    else:
        try:
            services.revoke_override(request.user, override.pk, note=form.cleaned_data["note"])
        except services.GradingRefused as exc:
            refuse_on_page(request, exc)
        else:
            messages.success(request, "已撤销人工调整")
    return redirect("grading:detail", pk=override.enterprise_id)


@login_required
@require_POST
def recompute(request, pk):
    enterprise = _enterprise(request.user, pk)
    try:
        services.recompute(request.user, enterprise.pk)
    except services.GradingRefused as exc:
        refuse_on_page(request, exc)
    else:
        messages.success(request, "已重新计算风险等级")
    return redirect("grading:detail", pk=enterprise.pk)


@login_required
def rules(request):
    require(request.user, "grade.view")
    return render(
        request,
        "grading/rules.html",
        {
            "factors": GradingFactor.objects.all(),
            "bands": GradeBand.objects.all(),
            "frequencies": SupervisionFrequency.objects.all(),
            "reductions": FrequencyReduction.objects.all(),
            "runs": GradingRun.objects.all()[:10],
        },
    )
