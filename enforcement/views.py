"""Pages: plans with progress, draws (form, detail with verify, publish, outcomes), conflicts,
penalties, checklist inspections, statistics, the enterprise page's 执法检查 tab; and the public
draw pages (no log-in)."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.roles import can, require
from core.gate import refuse_on_page
from core.http import xlsx_response
from enforcement import documents, forms, inspections, services, statistics
from enforcement.constants import (
    DEFAULT_RECTIFY_DAYS,
    MIN_INSPECTORS_SOURCE,
    RANDOM_SHARE_MIN,
    RANDOM_SHARE_SOURCE,
)
from enforcement.models import (
    AssignmentInspector,
    ChecklistItem,
    ChecklistTemplate,
    Conflict,
    Draw,
    DrawAssignment,
    EnforcementPlan,
    Inspection,
    InspectionDocument,
    InspectionKind,
    InspectionPhoto,
    InspectionState,
    Penalty,
    PenaltyState,
    PlanItem,
    PlanStatus,
    Result,
)
from enforcement.services import Refused
from enterprises.models import Enterprise

PAGE_SIZE = 50


def _get(queryset, pk):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# --- plans --------------------------------------------------------------------------------------


@login_required
def plan_list(request):
    require(request.user, "plan.view")
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
                refuse_on_page(request, exc)
            else:
                messages.success(request, f"已编制“{plan.title}”，重点检查企业已按分级和行业生成")
                return redirect("enforcement:plan", plan.pk)
    elif request.method == "POST":
        raise PermissionDenied("您的角色无权编制执法计划")
    return render(request, "enforcement/plan_list.html", {"plans": plans, "form": form})


@login_required
def plan_detail(request, pk):
    require(request.user, "plan.view")
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
        "can_inspect": can(request.user, "inspection.manage"),
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
        {"page": _page(request, draws), "can_create": can(request.user, "draw.create")},
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
        "can_inspect": can(request.user, "inspection.manage"),
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
        refuse_on_page(request, exc)
    return redirect("enforcement:draw", pk)


@login_required
@require_POST
def assignment_outcome(request, pk):
    require(request.user, "draw.outcome")
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


# --- penalties ----------------------------------------------------------------------------------


@login_required
def penalty_list(request):
    require(request.user, "penalty.view")
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
    require(request.user, "penalty.manage")
    initial = {"filed_on": timezone.localdate()}
    source = None
    wanted = request.GET.get("inspection", "")
    if wanted.isdigit():
        source = Inspection.objects.for_user(request.user).filter(pk=wanted).first()
        if source is not None:
            wanting = source.answers.filter(result=Result.NOT_COMPLIANT).select_related("item")
            initial.update(
                inspection=source.pk,
                enterprise=source.enterprise.credit_code,
                violation="\n".join(a.note for a in wanting),
                legal_basis="\n".join(dict.fromkeys(a.item.legal_basis for a in wanting)),
            )
    form = forms.PenaltyForm(request.user, request.POST or None, initial=initial)
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
                inspection_id=data["inspection"],
            )
        except Refused as exc:
            refuse_on_page(request, exc)
        else:
            messages.success(request, f"已立案：{penalty.case_number}")
            return redirect("enforcement:penalty", penalty.pk)
    return render(request, "enforcement/penalty_form.html", {"form": form, "source": source})


@login_required
def penalty_detail(request, pk):
    require(request.user, "penalty.view")
    penalty = _get(
        Penalty.objects.for_user(request.user).select_related(
            "enterprise", "state", "created_by", "inspection"
        ),
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
                refuse_on_page(request, exc)
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
    data = services.public_inputs(draw)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="draw-{draw.pk}-inputs.json"'
    return response


# --- inspections --------------------------------------------------------------------------------


def _inspection_or_404(user, pk):
    return _get(
        Inspection.objects.for_user(user).select_related(
            "enterprise", "enterprise__jurisdiction", "jurisdiction", "created_by", "completed_by"
        ),
        pk,
    )


@login_required
def inspection_list(request):
    require(request.user, "inspection.view")
    rows = (
        Inspection.objects.for_user(request.user)
        .select_related("enterprise", "enterprise__jurisdiction")
        .annotate(
            wanting=Count("answers", filter=Q(answers__result=Result.NOT_COMPLIANT)),
        )
        .order_by("-inspected_on", "-id")
    )
    state = request.GET.get("state", "")
    kind = request.GET.get("kind", "")
    if state in InspectionState.values:
        rows = rows.filter(state=state)
    if kind in InspectionKind.values:
        rows = rows.filter(kind=kind)
    extra = "".join(f"&{k}={v}" for k, v in (("state", state), ("kind", kind)) if v)
    return render(
        request,
        "enforcement/inspection_list.html",
        {
            "page": _page(request, rows),
            "extra": extra,
            "state": state,
            "kind": kind,
            "states": InspectionState.choices,
            "kinds": InspectionKind.choices,
            "can_manage": can(request.user, "inspection.manage"),
        },
    )


@login_required
def inspection_new(request):
    require(request.user, "inspection.manage")
    user = request.user
    initial = {"inspected_on": timezone.localdate(), "kind": InspectionKind.ON_SITE}
    source = None
    if request.method == "GET":
        assignment = request.GET.get("assignment")
        plan_item = request.GET.get("plan_item")
        enterprise = request.GET.get("enterprise")
        if assignment and assignment.isdigit():
            found = DrawAssignment.objects.for_user(user).filter(pk=assignment).first()
            if found is not None:
                source = f"双随机抽查：{found.draw.name}"
                initial.update(
                    assignment=found.pk,
                    enterprise=found.enterprise.credit_code,
                    inspected_on=found.planned_date or timezone.localdate(),
                    inspectors=list(found.inspector_rows.values_list("inspector_id", flat=True)),
                )
        elif plan_item and plan_item.isdigit():
            found = PlanItem.objects.for_user(user).filter(pk=plan_item).first()
            if found is not None:
                source = f"重点检查：{found.plan.title}"
                initial.update(plan_item=found.pk, enterprise=found.enterprise.credit_code)
        elif enterprise and enterprise.isdigit():
            found = Enterprise.objects.for_user(user).filter(pk=enterprise).first()
            if found is not None:
                initial["enterprise"] = found.credit_code
    form = forms.InspectionForm(user, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            inspection = inspections.create_inspection(
                user,
                data["enterprise"].pk,
                data["kind"],
                data["inspected_on"],
                [i.pk for i in data["inspectors"]],
                assignment_id=data["assignment"],
                plan_item_id=data["plan_item"],
                place=data["place"],
            )
        except Refused as exc:
            refuse_on_page(request, exc)
        else:
            messages.success(request, "检查已开始，请按清单逐项检查")
            return redirect("enforcement:inspection", inspection.pk)
    return render(
        request,
        "enforcement/inspection_form.html",
        {"form": form, "source": source, "min_source": MIN_INSPECTORS_SOURCE},
    )


@login_required
def inspection_detail(request, pk):
    require(request.user, "inspection.view")
    user = request.user
    inspection = _inspection_or_404(user, pk)
    manage = can(user, "inspection.manage")
    rows = inspections.checklist_rows(inspection)
    context = {
        "inspection": inspection,
        "rows": rows,
        "answered": sum(1 for row in rows if row["answer"]),
        "wanting": sum(
            1 for row in rows if row["answer"] and row["answer"].result == Result.NOT_COMPLIANT
        ),
        "results": Result.choices,
        "inspectors": inspection.inspectors.order_by("id"),
        "documents": InspectionDocument.objects.for_user(user).filter(inspection=inspection),
        "rechecks": inspection.rechecks.all(),
        "penalties": Penalty.objects.for_user(user).filter(inspection=inspection),
        "alarms": inspection.evidence_alarms.select_related("point"),
        "warnings": inspection.evidence_warnings.all(),
        "events": inspection.events.select_related("actor"),
        "can_edit": manage and inspection.is_draft,
        "can_recheck": manage and not inspection.is_draft and inspection.rectify_deadline,
        "can_penalty": can(user, "penalty.manage") and not inspection.is_draft,
        "staff": bool(user.jurisdiction_id),
    }
    if context["can_edit"]:
        alarms, warnings = inspections.evidence_choices(user, inspection.enterprise)
        context["evidence_form"] = forms.EvidenceForm(
            alarms,
            warnings,
            initial={
                "alarms": [a.pk for a in context["alarms"]],
                "warnings": [w.pk for w in context["warnings"]],
            },
        )
        deadline = timezone.localdate() + timedelta(days=DEFAULT_RECTIFY_DAYS)
        context["complete_form"] = forms.CompleteForm(
            initial={"findings": inspection.findings, "rectify_deadline": deadline}
        )
    if context["can_recheck"]:
        context["recheck_form"] = forms.RecheckForm(initial={"rechecked_on": timezone.localdate()})
    return render(request, "enforcement/inspection_detail.html", context)


@login_required
@require_POST
def inspection_answer(request, pk, item_id):
    require(request.user, "inspection.manage")
    _inspection_or_404(request.user, pk)
    form = forms.AnswerForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = [e for field in form.errors.values() for e in field]
        messages.error(request, "；".join(errors) or "请选择检查结果")
    else:
        data = form.cleaned_data
        try:
            inspections.answer(
                request.user, pk, item_id, data["result"], data["note"], data["photos"]
            )
        except Refused as exc:
            refuse_on_page(request, exc)
    return redirect(reverse("enforcement:inspection", args=[pk]) + f"#item-{item_id}")


@login_required
@require_POST
def inspection_complete(request, pk):
    require(request.user, "inspection.manage")
    _inspection_or_404(request.user, pk)
    form = forms.CompleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "检查情况或整改期限有误")
    else:
        try:
            done = inspections.complete(
                request.user,
                pk,
                form.cleaned_data["findings"],
                form.cleaned_data["rectify_deadline"],
            )
        except Refused as exc:
            refuse_on_page(request, exc)
        else:
            found = done.answers.filter(hazard__isnull=False).count()
            messages.success(request, f"检查已完成，{found} 项不符合已登记为隐患，执法文书已生成")
    return redirect("enforcement:inspection", pk)


@login_required
@require_POST
def inspection_evidence(request, pk):
    require(request.user, "inspection.manage")
    _inspection_or_404(request.user, pk)
    try:
        inspections.set_evidence(
            request.user, pk, request.POST.getlist("alarms"), request.POST.getlist("warnings")
        )
        messages.success(request, "已保存引用的监测预警证据")
    except Refused as exc:
        refuse_on_page(request, exc)
    return redirect("enforcement:inspection", pk)


@login_required
@require_POST
def inspection_recheck(request, pk):
    require(request.user, "inspection.manage")
    _inspection_or_404(request.user, pk)
    form = forms.RecheckForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写复查日期和复查意见")
    else:
        try:
            done = inspections.recheck(
                request.user, pk, form.cleaned_data["rechecked_on"], form.cleaned_data["opinion"]
            )
        except Refused as exc:
            refuse_on_page(request, exc)
        else:
            messages.success(request, f"复查已记录：{done.document.number}")
    return redirect("enforcement:inspection", pk)


@login_required
def document_download(request, pk):
    """An issued document as a Word file, for those who may see the inspection."""
    require(request.user, "inspection.view")
    document = _get(
        InspectionDocument.objects.for_user(request.user).filter(
            inspection__in=Inspection.objects.for_user(request.user)
        ),
        pk,
    )
    return documents.response(document)


@login_required
def inspection_photo(request, pk):
    """A photo of an inspection answer, served only to those who may see the inspection."""
    require(request.user, "inspection.view")
    picture = _get(
        InspectionPhoto.objects.filter(
            answer__inspection__in=Inspection.objects.for_user(request.user)
        ),
        pk,
    )
    try:
        return FileResponse(picture.image.open("rb"))
    except FileNotFoundError:
        raise Http404 from None


@login_required
def checklist_list(request):
    require(request.user, "checklist.view")
    templates = ChecklistTemplate.objects.filter(active=True).prefetch_related(
        Prefetch(
            "items",
            queryset=ChecklistItem.objects.filter(active=True).select_related("criterion"),
        )
    )
    return render(request, "enforcement/checklists.html", {"templates": templates})


@login_required
def inspection_statistics(request):
    require(request.user, "inspection.stats")
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    if not 2000 <= year <= 2100:
        year = today.year
    rows = statistics.by_town(request.user, year)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(statistics.workbook(rows, year), f"执法检查统计-{year}.xlsx")
    months = statistics.by_month(rows)
    chart = {
        "months": [f"{m['month']}月" for m in months],
        "inspections": [m["inspections"] for m in months],
        "hazards": [m["hazards"] for m in months],
        "majors": [m["majors"] for m in months],
        "penalties": [m["penalties"] for m in months],
        "towns": [r.town.name for r in rows],
        "town_inspections": [r.total("inspections") for r in rows],
        "town_penalties": [r.total("penalties") for r in rows],
    }
    return render(
        request,
        "enforcement/statistics.html",
        {
            "year": year,
            "years": list(range(today.year, today.year - 5, -1)),
            "rows": rows,
            "months": months,
            "chart": chart,
            "flag_source": statistics.FLAG_SOURCE,
            "flagged": [r for r in rows if r.flags],
        },
    )


# --- an enterprise's enforcement (its page's tab) ------------------------------------------------

# Rows per section on the tab; the lists and the API have the rest.
TAB_ROWS = 20


@login_required
def enterprise_tab(request, pk):
    """The enterprise page's 执法检查 tab (loaded into it by HTMX): its inspections with their
    documents, its penalty cases and the random draws it was picked in, each section only for a
    role that may see it and each row through the scoping gate. An enterprise outside the
    user's scope is a 404; a role that may see none of the three, a 403."""
    user = request.user
    shown = {
        "inspections": can(user, "inspection.view"),
        "penalties": can(user, "penalty.view"),
        "draws": can(user, "draw.view"),
    }
    if not any(shown.values()):
        raise PermissionDenied("您的角色无权查看执法检查信息")
    enterprise = _get(Enterprise.objects.for_user(user), pk)
    context = {"enterprise": enterprise, "shown": shown, "limit": TAB_ROWS}
    if shown["inspections"]:
        rows = (
            Inspection.objects.for_user(user)
            .filter(enterprise=enterprise)
            .annotate(wanting=Count("answers", filter=Q(answers__result=Result.NOT_COMPLIANT)))
            .prefetch_related(
                Prefetch(
                    "documents",
                    queryset=InspectionDocument.objects.for_user(user).order_by("issued_at", "id"),
                    to_attr="visible_documents",
                )
            )
            .order_by("-inspected_on", "-id")
        )
        context["inspections"] = rows[:TAB_ROWS]
        context["inspection_count"] = rows.count()
        context["can_inspect"] = can(user, "inspection.manage")
    if shown["penalties"]:
        rows = (
            Penalty.objects.for_user(user)
            .filter(enterprise=enterprise)
            .select_related("state")
            .order_by("-filed_on", "-id")
        )
        context["penalties"] = rows[:TAB_ROWS]
        context["penalty_count"] = rows.count()
    if shown["draws"]:
        rows = (
            DrawAssignment.objects.for_user(user)
            .filter(enterprise=enterprise, draw__in=Draw.objects.for_user(user))
            .select_related("draw")
            .prefetch_related(
                Prefetch(
                    "inspector_rows",
                    queryset=AssignmentInspector.objects.select_related("inspector").order_by(
                        "position"
                    ),
                )
            )
            .order_by("-draw__drawn_at", "-id")
        )
        context["draws"] = rows[:TAB_ROWS]
        context["draw_count"] = rows.count()
    return render(request, "enforcement/_enterprise_tab.html", context)
