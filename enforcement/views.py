"""Pages: plans with progress, draws (form, detail with verify, publish, outcomes), conflicts,
penalties; and the public draw pages (no log-in)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.roles import can
from enforcement import forms, services
from enforcement.models import (
    AssignmentInspector,
    Conflict,
    Draw,
    DrawAssignment,
    EnforcementPlan,
    Penalty,
    PenaltyState,
    PlanItem,
    PlanStatus,
)
from enforcement.rules import RANDOM_SHARE_MIN, RANDOM_SHARE_SOURCE
from enforcement.services import Refused

PAGE_SIZE = 50


def _require(user, action):
    if not can(user, action):
        raise PermissionDenied("您的角色无权进行此操作")


def _get(queryset, pk):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def _refused(request, exc: Refused):
    if exc.status == 404:
        raise Http404
    if exc.status == 403:
        raise PermissionDenied(str(exc))
    messages.error(request, str(exc))


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# --- plans --------------------------------------------------------------------------------------


@login_required
def plan_list(request):
    _require(request.user, "plan.view")
    plans = EnforcementPlan.objects.for_user(request.user).select_related("jurisdiction")
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
                _refused(request, exc)
            else:
                messages.success(request, f"已编制“{plan.title}”，重点检查企业已按分级和行业生成")
                return redirect("enforcement:plan", plan.pk)
    elif request.method == "POST":
        raise PermissionDenied("您的角色无权编制执法计划")
    return render(request, "enforcement/plan_list.html", {"plans": plans, "form": form})


@login_required
def plan_detail(request, pk):
    _require(request.user, "plan.view")
    plan = _get(EnforcementPlan.objects.for_user(request.user).select_related("jurisdiction"), pk)
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
    manage = can(request.user, "plan.manage") and plan.status == PlanStatus.DRAFT
    months_form = None
    if manage:
        initial = {f"m{k}": v for k, v in (plan.random_by_month or {}).items()}
        initial["note"] = plan.note
        months_form = forms.PlanMonthsForm(initial=initial)
    context = {
        "plan": plan,
        "items": _page(request, items),
        "progress": progress,
        "chart": chart,
        "totals": totals,
        "coverage": services.plan_coverage(plan),
        "share_min_pct": int(RANDOM_SHARE_MIN * 100),
        "share_pct": round(totals["random_share"] * 100),
        "share_source": RANDOM_SHARE_SOURCE,
        "draws": Draw.objects.for_user(request.user).filter(plan=plan),
        "manage": manage,
        "months_form": months_form,
        "can_approve": can(request.user, "plan.approve") and plan.status == PlanStatus.DRAFT,
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
            _require(user, "plan.manage")
            form = forms.PlanMonthsForm(request.POST)
            if not form.is_valid():
                messages.error(request, "按月抽查数量有误：应为 0 或正整数")
            else:
                services.update_plan(user, pk, form.random_by_month(), form.cleaned_data["note"])
                messages.success(request, "已保存")
        else:
            raise Http404
    except Refused as exc:
        _refused(request, exc)
    return redirect("enforcement:plan", pk)


# --- draws --------------------------------------------------------------------------------------


@login_required
def draw_list(request):
    _require(request.user, "draw.view")
    draws = (
        Draw.objects.for_user(request.user)
        .select_related("jurisdiction", "plan", "drawn_by")
        .annotate(assigned=Count("assignments"))
    )
    return render(
        request,
        "enforcement/draw_list.html",
        {"page": _page(request, draws), "can_create": can(request.user, "draw.create")},
    )


@login_required
def draw_new(request):
    _require(request.user, "draw.create")
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
            _refused(request, exc)
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
    _require(request.user, "draw.view")
    draw = _get(
        Draw.objects.for_user(request.user).select_related("jurisdiction", "plan", "drawn_by"), pk
    )
    assignments = _assignments(DrawAssignment.objects.for_user(request.user).filter(draw=draw))
    verification = None
    if request.method == "POST":
        verification = services.verify(draw)
    context = {
        "draw": draw,
        "assignments": assignments,
        "verification": verification,
        "can_manage": can(request.user, "draw.create"),
        "can_outcome": can(request.user, "draw.outcome"),
        "outcome_form": forms.OutcomeForm(),
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
        _refused(request, exc)
    return redirect("enforcement:draw", pk)


@login_required
@require_POST
def assignment_outcome(request, pk):
    _require(request.user, "draw.outcome")
    assignment = _get(DrawAssignment.objects.for_user(request.user), pk)
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
            _refused(request, exc)
    return redirect("enforcement:draw", assignment.draw_id)


# --- conflicts ----------------------------------------------------------------------------------


@login_required
def conflicts(request):
    _require(request.user, "conflict.view")
    user = request.user
    candidates = services.inspector_pool_candidates(user)
    if user.role == "enforcement_officer":
        candidates = candidates.filter(pk=user.pk)
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
                _refused(request, exc)
    elif request.method == "POST":
        raise PermissionDenied("您的角色无权申报回避")
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
            "page": _page(request, rows),
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
        _refused(request, exc)
    return redirect("enforcement:conflicts")


@login_required
@require_POST
def inspector_toggle(request, pk):
    active = request.POST.get("active") == "1"
    try:
        services.set_in_pool(request.user, pk, active, request.POST.get("note", ""))
        messages.success(request, "已调整执法人员名录库")
    except Refused as exc:
        _refused(request, exc)
    return redirect("enforcement:conflicts")


# --- penalties ----------------------------------------------------------------------------------


@login_required
def penalty_list(request):
    _require(request.user, "penalty.view")
    rows = Penalty.objects.for_user(request.user).select_related(
        "enterprise", "state", "enterprise__jurisdiction"
    )
    state = request.GET.get("state")
    if state:
        rows = rows.filter(state_id=state)
    return render(
        request,
        "enforcement/penalty_list.html",
        {
            "page": _page(request, rows),
            "states": PenaltyState.objects.all(),
            "state": state,
            "can_manage": can(request.user, "penalty.manage"),
        },
    )


@login_required
def penalty_new(request):
    _require(request.user, "penalty.manage")
    form = forms.PenaltyForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            penalty = services.file_penalty(
                request.user,
                data["enterprise"].pk,
                data["violation"],
                data["legal_basis"],
                data["amount"],
                data["filed_on"],
            )
        except Refused as exc:
            _refused(request, exc)
        else:
            messages.success(request, f"已立案：{penalty.case_number}")
            return redirect("enforcement:penalty", penalty.pk)
    return render(request, "enforcement/penalty_form.html", {"form": form})


@login_required
def penalty_detail(request, pk):
    _require(request.user, "penalty.view")
    penalty = _get(
        Penalty.objects.for_user(request.user).select_related("enterprise", "state", "created_by"),
        pk,
    )
    form = None
    if can(request.user, "penalty.manage") and penalty.state.next_states:
        form = forms.PenaltyAdvanceForm(penalty, request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.advance_penalty(
                    request.user,
                    pk,
                    data["to_state"].code,
                    data["note"],
                    data["decided_on"],
                    data["amount"],
                )
                messages.success(request, f"案件已转为“{data['to_state'].name}”")
                return redirect("enforcement:penalty", pk)
            except Refused as exc:
                _refused(request, exc)
    elif request.method == "POST":
        raise PermissionDenied("您的角色无权办理行政处罚")
    states = {s.code: s.name for s in PenaltyState.objects.all()}
    events = [
        {"event": e, "from": states.get(e.from_state, ""), "to": states.get(e.to_state, "")}
        for e in penalty.events.select_related("actor")
    ]
    return render(
        request,
        "enforcement/penalty_detail.html",
        {"penalty": penalty, "form": form, "events": events},
    )


# --- public pages (no log-in) ------------------------------------------------------------------


def public_draws(request):
    draws = (
        Draw.objects.published()
        .select_related("jurisdiction")
        .annotate(assigned=Count("assignments"))
        .order_by("-published_at", "-id")
    )
    return render(request, "enforcement/public_list.html", {"page": _page(request, draws)})


def public_draw(request, pk):
    draw = _get(Draw.objects.published().select_related("jurisdiction"), pk)
    assignments = _assignments(draw.assignments.all())
    return render(
        request, "enforcement/public_detail.html", {"draw": draw, "assignments": assignments}
    )


def public_draw_inputs(request, pk):
    """The draw's inputs and result as JSON, for anyone to re-run it (ids only)."""
    draw = _get(Draw.objects.published(), pk)
    data = services.draw_inputs(draw)
    data["result"] = [
        {"enterprise": pick.enterprise_id, "inspectors": list(pick.inspector_ids)}
        for pick in services.stored_result(draw)
    ]
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="draw-{draw.pk}-inputs.json"'
    return response
