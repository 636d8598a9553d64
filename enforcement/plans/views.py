"""Pages: plans with progress, draws (form, detail with verify, publish, outcomes), conflicts
and the inspector pool; and the public draw pages (no log-in)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.roles import can, require
from core.errors import Refused
from core.gate import refuse_on_page
from enforcement.constants import RANDOM_SHARE_MIN, RANDOM_SHARE_SOURCE
from enforcement.models import (
    AssignmentInspector,
    Conflict,
    Draw,
    DrawAssignment,
    EnforcementPlan,
    Inspection,
    PlanItem,
)
from enforcement.pages import get_or_404, paginate
from enforcement.plans import forms, services

# --- plans --------------------------------------------------------------------------------------


@login_required
def plan_list(request):
    require(request.user, "plan.view")
    plans = EnforcementPlan.objects.for_user(request.user).select_related("jurisdiction")
    if request.method == "POST":
        require(request.user, "plan.manage", "编制执法计划")
    form = None
    if can(request.user, "plan.manage"):
        form = forms.PlanForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                plan = services.create_plan(
                    request.user,
                    form.cleaned_data["year"],
                    form.cleaned_data["title"],
                    form.random_by_month(),
                    form.cleaned_data["note"],
                )
            except Refused as exc:
                refuse_on_page(request, exc)
            else:
                messages.success(request, f"已编制“{plan.title}”，重点检查企业已按分级和行业生成")
                return redirect("enforcement:plan", plan.pk)
    return render(request, "enforcement/plan_list.html", {"plans": plans, "form": form})


@login_required
def plan_detail(request, pk):
    require(request.user, "plan.view")
    plan = get_or_404(
        EnforcementPlan.objects.for_user(request.user).select_related("jurisdiction"), pk
    )
    items = (
        PlanItem.objects.for_user(request.user)
        .filter(plan=plan)
        .select_related("enterprise", "enterprise__jurisdiction")
    )
    progress = services.plan_progress(plan, request.user)
    chart = {
        "months": [f"{row['month']}月" for row in progress],
        "planned_key": [row["planned_key"] for row in progress],
        "planned_random": [row["planned_random"] for row in progress],
        "done_key": [row["done_key"] for row in progress],
        "done_random": [row["done_random"] for row in progress],
    }
    totals = services.plan_totals(plan)
    actions = services.plan_actions(request.user, plan)
    months_form = None
    if "edit" in actions:
        initial = {f"m{k}": v for k, v in (plan.random_by_month or {}).items()}
        initial["note"] = plan.note
        months_form = forms.PlanMonthsForm(initial=initial)
    context = {
        "plan": plan,
        "items": paginate(request, items),
        "progress": progress,
        "chart": chart,
        "totals": totals,
        "coverage": services.plan_coverage(plan),
        "share_min_pct": int(RANDOM_SHARE_MIN * 100),
        "share_pct": round(totals["random_share"] * 100),
        "share_source": RANDOM_SHARE_SOURCE,
        "draws": Draw.objects.for_user(request.user).filter(plan=plan),
        "actions": actions,
        "months_form": months_form,
    }
    return render(request, "enforcement/plan_detail.html", context)


@login_required
@require_POST
def plan_act(request, pk, action):
    user = request.user
    try:
        if action == "approve":
            services.approve_plan(user, pk)
            messages.success(request, "计划已批准")
        elif action == "refresh":
            services.refresh_key_list(user, pk)
            messages.success(request, "重点检查企业名单已按最新分级和行业更新")
        elif action == "months":
            require(user, "plan.manage")
            form = forms.PlanMonthsForm(request.POST)
            if not form.is_valid():
                messages.error(request, "按月抽查数量有误：应为 0 或正整数")
            else:
                services.update_plan(user, pk, form.random_by_month(), form.cleaned_data["note"])
                messages.success(request, "已保存")
        else:
            raise Http404
    except Refused as exc:
        refuse_on_page(request, exc)
    return redirect("enforcement:plan", pk)


# --- draws --------------------------------------------------------------------------------------


@login_required
def draw_list(request):
    require(request.user, "draw.view")
    draws = (
        Draw.objects.for_user(request.user)
        .select_related("jurisdiction", "plan", "drawn_by")
        .annotate(assigned=Count("assignments"))
        .order_by("-drawn_at", "-id")  # a GROUP BY drops Meta.ordering
    )
    return render(
        request,
        "enforcement/draw_list.html",
        {"page": paginate(request, draws), "can_create": can(request.user, "draw.create")},
    )


@login_required
def draw_new(request):
    require(request.user, "draw.create")
    form = forms.DrawForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            draw = services.create_draw(
                request.user,
                services.DrawRequest(
                    name=data["name"],
                    enterprise_count=data["enterprise_count"],
                    inspectors_per_enterprise=data["inspectors_per_enterprise"],
                    avoid_repeat=data["avoid_repeat"],
                    filters=form.filters(),
                    seed=data["seed"],
                    plan_id=data["plan"].pk if data["plan"] else None,
                    planned_from=data["planned_from"],
                    planned_to=data["planned_to"],
                ),
            )
        except Refused as exc:
            refuse_on_page(request, exc)
        else:
            messages.success(
                request, f"已从 {draw.pool_size} 家企业中抽取 {draw.enterprise_count} 家"
            )
            return redirect("enforcement:draw", draw.pk)
    pool = services.inspector_pool(request.user.jurisdiction).count()
    return render(request, "enforcement/draw_form.html", {"form": form, "inspector_pool": pool})


def _assignments(queryset):
    rows = AssignmentInspector.objects.select_related("inspector").order_by("position")
    return queryset.select_related("enterprise", "enterprise__jurisdiction").prefetch_related(
        Prefetch("inspector_rows", queryset=rows)
    )


@login_required
def draw_detail(request, pk):
    require(request.user, "draw.view")
    draw = get_or_404(
        Draw.objects.for_user(request.user).select_related("jurisdiction", "plan", "drawn_by"), pk
    )
    # The checklist inspection that finished an assignment is its record: its outcome form
    # gives way to the inspection's link (services.record_outcome refuses to overwrite it).
    finished = Inspection.objects.completed().order_by("inspected_on", "pk")
    assignments = _assignments(
        DrawAssignment.objects.for_user(request.user).filter(draw=draw)
    ).prefetch_related(Prefetch("inspections", queryset=finished, to_attr="finished"))
    verification = None
    if request.method == "POST":
        verification = services.verify(draw)
    context = {
        "draw": draw,
        "filters": services.describe_filters(draw.filters),
        "assignments": assignments,
        "verification": verification,
        "actions": services.draw_actions(request.user, draw),
        "outcome_form": forms.OutcomeForm(),
        # An outcome is usually recorded on the day of the inspection.
        "today": timezone.localdate(),
        "staff": bool(request.user.jurisdiction_id),
    }
    return render(request, "enforcement/draw_detail.html", context)


@login_required
@require_POST
def draw_publish(request, pk):
    try:
        services.publish_draw(request.user, pk)
        messages.success(request, "抽查结果已公开")
    except Refused as exc:
        refuse_on_page(request, exc)
    return redirect("enforcement:draw", pk)


@login_required
@require_POST
def assignment_outcome(request, pk):
    require(request.user, "draw.outcome")
    assignment = get_or_404(DrawAssignment.objects.for_user(request.user), pk)
    form = forms.OutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择检查结果并填写检查日期")
    else:
        try:
            services.record_outcome(
                request.user,
                pk,
                form.cleaned_data["outcome"],
                form.cleaned_data["note"],
                form.cleaned_data["completed_on"],
            )
            messages.success(request, "检查结果已登记")
        except Refused as exc:
            refuse_on_page(request, exc)
    return redirect("enforcement:draw", assignment.draw_id)


# --- conflicts ----------------------------------------------------------------------------------


@login_required
def conflicts(request):
    require(request.user, "conflict.view")
    user = request.user
    candidates = services.inspector_pool_candidates(user)
    if can(user, "conflict.manage") and not can(user, "conflict.manage_pool"):
        candidates = candidates.filter(pk=user.pk)  # an officer declares their own conflicts
    if request.method == "POST":
        require(user, "conflict.manage", "申报回避")
    form = None
    if can(user, "conflict.manage"):
        form = forms.ConflictForm(user, candidates, request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.declare_conflict(
                    user,
                    form.cleaned_data["inspector"].pk,
                    form.cleaned_data["enterprise"].pk,
                    form.cleaned_data["reason"],
                )
                messages.success(request, "回避申报已登记")
                return redirect("enforcement:conflicts")
            except Refused as exc:
                refuse_on_page(request, exc)
    rows = (
        Conflict.objects.for_user(user)
        .select_related("inspector", "enterprise", "declared_by")
        .order_by("withdrawn_at", "-declared_at")
    )
    pool = services.inspector_pool(user.jurisdiction) if user.jurisdiction_id else []
    return render(
        request,
        "enforcement/conflicts.html",
        {
            "page": paginate(request, rows),
            "form": form,
            "pool": pool,
            "can_manage_pool": can(user, "inspector.manage"),
            "candidates": services.inspector_pool_candidates(user).select_related("inspector"),
        },
    )


@login_required
@require_POST
def conflict_withdraw(request, pk):
    try:
        services.withdraw_conflict(request.user, pk)
        messages.success(request, "回避申报已撤销")
    except Refused as exc:
        refuse_on_page(request, exc)
    return redirect("enforcement:conflicts")


@login_required
@require_POST
def inspector_toggle(request, pk):
    active = request.POST.get("active") == "1"
    try:
        services.set_in_pool(request.user, pk, active, request.POST.get("note", ""))
        messages.success(request, "已调整执法人员名录库")
    except Refused as exc:
        refuse_on_page(request, exc)
    return redirect("enforcement:conflicts")


# --- public pages (no log-in) ------------------------------------------------------------------


def public_draws(request):
    draws = (
        Draw.objects.published()
        .select_related("jurisdiction")
        .annotate(assigned=Count("assignments"))
        .order_by("-published_at", "-id")
    )
    return render(request, "enforcement/public_list.html", {"page": paginate(request, draws)})


def public_draw(request, pk):
    draw = get_or_404(Draw.objects.published().select_related("jurisdiction"), pk)
    assignments = _assignments(draw.assignments.all())
    return render(
        request, "enforcement/public_detail.html", {"draw": draw, "assignments": assignments}
    )


def public_draw_inputs(request, pk):
    """The draw's inputs and result as JSON, for anyone to re-run it (ids only)."""
    draw = get_or_404(Draw.objects.published(), pk)
    data = services.public_inputs(draw)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="draw-{draw.pk}-inputs.json"'
    return response
