"""Pages: checklist inspections (list, start, answer, evidence, complete, re-check), their
documents and photos, and the checklists."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.roles import can, require
from core.errors import Refused
from core.gate import refuse_on_page
from enforcement.constants import DEFAULT_RECTIFY_DAYS, MIN_INSPECTORS_SOURCE
from enforcement.inspections import documents, forms, services
from enforcement.models import (
    ChecklistItem,
    ChecklistTemplate,
    DrawAssignment,
    Inspection,
    InspectionDocument,
    InspectionKind,
    InspectionPhoto,
    InspectionState,
    Penalty,
    PlanItem,
    Result,
)
from enforcement.pages import get_or_404, paginate
from enterprises.models import Enterprise
from monitoring.models import PowerWarning

# --- inspections --------------------------------------------------------------------------------


def _inspection_or_404(user, pk):
    return get_or_404(
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
    # The workbench's 待整改复查: the enterprise submitted what an inspection ordered.
    awaiting = "recheck" if request.GET.get("awaiting") == "recheck" else ""
    if awaiting:
        rows = services.awaiting_recheck(rows)
    pairs = (("state", state), ("kind", kind), ("awaiting", awaiting))
    extra = "".join(f"&{k}={v}" for k, v in pairs if v)
    return render(
        request,
        "enforcement/inspection_list.html",
        {
            "page": paginate(request, rows),
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
        elif (warning := request.GET.get("warning")) and warning.isdigit():
            found = PowerWarning.objects.for_user(user).filter(pk=warning).first()
            if found is not None:
                source = (
                    f"电力预警转执法：{found.get_kind_display()}（{found.window_end:%Y-%m-%d}）"
                )
                initial.update(
                    warning=found.pk,
                    enterprise=found.enterprise.credit_code,
                    kind=InspectionKind.REMOTE,
                )
        elif enterprise and enterprise.isdigit():
            found = Enterprise.objects.for_user(user).filter(pk=enterprise).first()
            if found is not None:
                initial["enterprise"] = found.credit_code
    form = forms.InspectionForm(user, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            inspection = services.create_inspection(
                user,
                data["enterprise"].pk,
                data["kind"],
                data["inspected_on"],
                [i.pk for i in data["inspectors"]],
                assignment_id=data["assignment"],
                plan_item_id=data["plan_item"],
                place=data["place"],
                warning_id=data["warning"],
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
    return _detail(request, _inspection_or_404(request.user, pk))


def _detail(request, inspection, recheck_form=None):
    """The inspection's page; `recheck_form`: a refused re-check, shown again as typed."""
    user = request.user
    actions = services.inspection_actions(user, inspection)
    rows = services.checklist_rows(inspection)
    context = {
        "inspection": inspection,
        "rows": rows,
        "sections": services.checklist_sections(rows),
        "progress": {
            "answered": sum(1 for row in rows if row["answer"]),
            "total": len(rows),
            "wanting": sum(
                1 for row in rows if row["answer"] and row["answer"].result == Result.NOT_COMPLIANT
            ),
        },
        "results": Result.choices,
        "inspectors": inspection.inspectors.order_by("id"),
        "documents": InspectionDocument.objects.for_user(user).filter(inspection=inspection),
        "rechecks": inspection.rechecks.all(),
        "penalties": Penalty.objects.for_user(user).filter(inspection=inspection),
        "alarms": inspection.evidence_alarms.select_related("point"),
        "warnings": inspection.evidence_warnings.all(),
        "events": inspection.events.select_related("actor"),
        "actions": actions,
        "staff": bool(user.jurisdiction_id),
    }
    if "evidence" in actions:
        alarms, warnings = services.evidence_choices(user, inspection.enterprise)
        context["evidence_form"] = forms.EvidenceForm(
            alarms,
            warnings,
            initial={
                "alarms": [a.pk for a in context["alarms"]],
                "warnings": [w.pk for w in context["warnings"]],
            },
        )
    if "complete" in actions:
        deadline = timezone.localdate() + timedelta(days=DEFAULT_RECTIFY_DAYS)
        context["complete_form"] = forms.CompleteForm(
            initial={"findings": inspection.findings, "rectify_deadline": deadline}
        )
    if "recheck" in actions:
        context["recheck_form"] = recheck_form or forms.RecheckForm(
            initial={"rechecked_on": timezone.localdate()},
            hazards=services.submitted_hazards(inspection),
        )
    return render(request, "enforcement/inspection_detail.html", context)


def _htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _refused_by_htmx(request, exc: Refused) -> str:
    """A refusal answering an htmx request: 404 and 403 as such (refuse_on_page raises them);
    anything else is the Chinese reason, shown in the fragment returned with the refusal's
    status (templates/base.html lets htmx swap 409, 413 and 422). No flash message: it would
    turn up on the next full page instead."""
    if exc.status in (403, 404):
        refuse_on_page(request, exc)
    return str(exc)


def _answer_fragment(request, inspection, item_id, error="", status=200):
    """One item's stored answer (result, note, photos) with "已保存 HH:MM" or the reason it was
    not saved, and out of band: the progress count, the heading of the item's section (its
    unanswered count) and, once saved, an empty photo input (so that the photos just sent are
    not sent again with the next change; photos refused stay chosen until changed)."""
    # The item first, by its key (an id beyond 64 bits finds nothing there, not a database error).
    item = ChecklistItem.objects.select_related("template").filter(pk=item_id).first()
    answer = None
    if item is not None:
        answer = (
            inspection.answers.filter(item=item)
            .select_related("hazard")
            .prefetch_related("photos")
            .first()
        )
    context = {
        "inspection": inspection,
        "item_id": item_id,
        "answer": answer,
        "error": error,
        "saved_at": None if error else timezone.now(),
        "progress": services.progress(inspection),
        "actions": services.inspection_actions(request.user, inspection),
    }
    if item is not None and inspection.is_draft:
        section = services.section_summary(inspection, item.template)
        # A section not on the page (an item of another enterprise's checklist) is left out.
        context["section"] = section if section["total"] else None
    return render(request, "enforcement/_answer_response.html", context, status=status)


@login_required
@require_POST
def inspection_answer(request, pk, item_id):
    """Answer one item: by htmx on every change of the item's form (the item's answer as a
    fragment, see _answer_fragment), or as a plain form post without JavaScript (back to the
    page at the item)."""
    require(request.user, "inspection.manage")
    inspection = _inspection_or_404(request.user, pk)
    htmx = _htmx(request)
    error, status = "", 200
    form = forms.AnswerForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            errors = [e for field in form.errors.values() for e in field]
            raise Refused("；".join(errors) or "请选择检查结果")
        data = form.cleaned_data
        services.answer(
            request.user, pk, item_id, data["result"] or None, data["note"], data["photos"]
        )
    except Refused as exc:
        if not htmx:
            refuse_on_page(request, exc)
        else:
            error, status = _refused_by_htmx(request, exc), exc.status
    if not htmx:
        return redirect(reverse("enforcement:inspection", args=[pk]) + f"#item-{item_id}")
    return _answer_fragment(request, inspection, item_id, error, status)


@login_required
@require_POST
def inspection_section(request, pk, section_id):
    """本节不适用: every unanswered item of one section (checklist) answered 不适用. By htmx the
    section comes back as a fragment with the progress count out of band."""
    require(request.user, "inspection.manage")
    _inspection_or_404(request.user, pk)
    htmx = _htmx(request)
    error, status = "", 200
    try:
        done = services.answer_section(request.user, pk, section_id, Result.NOT_APPLICABLE)
    except Refused as exc:
        if not htmx:
            refuse_on_page(request, exc)
        else:
            error, status = _refused_by_htmx(request, exc), exc.status
    else:
        if not htmx:
            messages.success(request, f"本节 {done} 个未作答条目已标为不适用")
    if not htmx:
        return redirect(reverse("enforcement:inspection", args=[pk]) + f"#section-{section_id}")
    inspection = _inspection_or_404(request.user, pk)
    rows = services.checklist_rows(inspection)
    section = next(
        (s for s in services.checklist_sections(rows) if s["template"].pk == section_id), None
    )
    context = {
        "inspection": inspection,
        "section": section,
        "section_id": section_id,
        "section_error": error,
        "actions": services.inspection_actions(request.user, inspection),
        "results": Result.choices,
        "progress": services.progress(inspection),
    }
    return render(request, "enforcement/_section_response.html", context, status=status)


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
            done = services.complete(
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
        services.set_evidence(
            request.user, pk, request.POST.getlist("alarms"), request.POST.getlist("warnings")
        )
        messages.success(request, "已保存引用的监测预警证据")
    except Refused as exc:
        refuse_on_page(request, exc)
    return redirect("enforcement:inspection", pk)


@login_required
@require_POST
def inspection_recheck(request, pk):
    """Record a re-check; refused, the page comes back with the form as typed and the reason."""
    require(request.user, "inspection.manage")
    inspection = _inspection_or_404(request.user, pk)
    form = forms.RecheckForm(request.POST, hazards=services.submitted_hazards(inspection))
    if not form.is_valid():
        messages.error(request, "复查未记录，请按提示修改")
        return _detail(request, inspection, recheck_form=form)
    try:
        done = services.recheck(
            request.user,
            pk,
            form.cleaned_data["rechecked_on"],
            form.cleaned_data["opinion"],
            verdicts=form.verdicts(),
        )
    except Refused as exc:
        refuse_on_page(request, exc, form)
        return _detail(request, _inspection_or_404(request.user, pk), recheck_form=form)
    messages.success(request, f"复查已记录：{done.document.number}")
    return redirect("enforcement:inspection", pk)


@login_required
def document_download(request, pk):
    """An issued document as a Word file, for those who may see the inspection."""
    require(request.user, "inspection.view")
    document = get_or_404(
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
    picture = get_or_404(
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
