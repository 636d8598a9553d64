"""The pages: the visit list (the bureau's, a town's, an expert's assigned visits, an
enterprise's own), planning a visit from an enterprise, a visit with its four parts, findings,
ledger review and report, the phone-first diagnosis page for the experts, the feedback report
(Word), and the enterprise's confined-space ledger (its tab, its page, add and edit, Excel).
Every query starts at for_user: out of scope is a 404, a role without the action a 403."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.roles import can, require
from core.gate import refuse_on_page
from core.http import xlsx_response
from core.xlsx import Workbook
from enterprises.models import Enterprise
from experts import forms, reference, services
from experts.documents import report_docx
from experts.models import ConfinedSpace, ExpertVisit
from experts.reference import ENTRY_CONTROLS, Part, VisitState
from experts.services import ExpertRefused

PAGE_SIZE = 50
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _enterprise(request, pk, action, label="进行此操作"):
    require(request.user, action, label)
    return get_object_or_404(Enterprise.objects.for_user(request.user), pk=pk)


def _visit(request, pk, action="expert_visit.view", label="查看专家会诊"):
    require(request.user, action, label)
    return get_object_or_404(services.visit_rows(ExpertVisit.objects.for_user(request.user)), pk=pk)


# --- visits ------------------------------------------------------------------------------------


@login_required
def visit_list(request):
    require(request.user, "expert_visit.view", "查看专家会诊")
    visits = services.visit_rows(ExpertVisit.objects.for_user(request.user)).prefetch_related(
        "experts"
    )
    state = request.GET.get("state", "")
    if state in VisitState.values:
        visits = visits.filter(state=state)
    page = Paginator(visits, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "experts/list.html",
        {
            "visits": page.object_list,
            "page": page,
            "states": VisitState.choices,
            "state": state,
            "source": reference.SOURCE_TASK9,
        },
    )


@login_required
def visit_create(request, pk):
    enterprise = _enterprise(request, pk, "expert_visit.manage", "计划专家会诊")
    form = forms.VisitForm(request.POST or None, experts=services.experts_available())
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.plan_visit(
                request.user,
                enterprise.pk,
                planned_on=form.cleaned_data["planned_on"],
                expert_ids=form.cleaned_data["experts"],
            )
        except ExpertRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            messages.success(request, "专家会诊已计划，已通知专家和企业")
            return redirect("experts:visit", visit.pk)
    return render(
        request,
        "experts/form.html",
        {"form": form, "title": "计划有限空间专家会诊", "enterprise": enterprise},
    )


@login_required
def visit_detail(request, pk):
    visit = _visit(request, pk)
    parts = {p.part: p for p in visit.parts.all()}
    return render(
        request,
        "experts/visit.html",
        {
            "visit": visit,
            "parts": [(value, label, parts.get(value)) for value, label in Part.choices],
            "findings": visit.findings.select_related("hazard", "space"),
            "reviews": visit.reviews.select_related("space", "finding"),
            "experts": visit.experts.order_by("pk"),
            "active": visit.state in services.ACTIVE_STATES,
            "can_diagnose": can(request.user, "expert_visit.diagnose"),
            "can_manage": can(request.user, "expert_visit.manage"),
            "can_report": visit.state == VisitState.IN_PROGRESS
            and can(request.user, "expert_visit.diagnose"),
            "source": reference.SOURCE_TASK9,
        },
    )


@login_required
def part_record(request, pk):
    visit = _visit(request, pk, "expert_visit.diagnose", "登记会诊环节")
    initial = {"part": request.GET.get("part", ""), "held_on": timezone.localdate()}
    form = forms.PartForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_part(request.user, visit.pk, **form.cleaned_data)
        except ExpertRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            messages.success(request, "会诊环节已登记")
            return redirect("experts:visit", visit.pk)
    return render(
        request,
        "experts/form.html",
        {"form": form, "title": "登记会诊环节", "enterprise": visit.enterprise, "visit": visit},
    )


def _diagnose_page(request, visit, finding_form=None):
    spaces = ConfinedSpace.objects.filter(enterprise=visit.enterprise).select_related("kind")
    reviews = {r.space_id: r for r in visit.reviews.all()}
    return render(
        request,
        "experts/diagnose.html",
        {
            "visit": visit,
            "finding_form": finding_form or forms.FindingForm(spaces=spaces),
            "spaces": [(space, reviews.get(space.pk)) for space in spaces],
            "findings": visit.findings.select_related("hazard", "space"),
            "controls": ENTRY_CONTROLS,
            "review_form": forms.ReviewForm(),
            "active": visit.state in services.ACTIVE_STATES,
        },
    )


@login_required
def diagnose(request, pk):
    """The experts' phone page on site: a finding in one form (a hazard at once), and each
    space of the ledger with its verdict."""
    visit = _visit(request, pk, "expert_visit.diagnose", "登记现场会诊")
    if request.method != "POST":
        return _diagnose_page(request, visit)
    spaces = ConfinedSpace.objects.filter(enterprise=visit.enterprise)
    form = forms.FindingForm(request.POST, spaces=spaces)
    if form.is_valid():
        data = form.cleaned_data
        try:
            finding = services.add_finding(
                request.user,
                visit.pk,
                description=data["description"],
                place=data["place"],
                space_id=data["space"],
            )
        except ExpertRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            messages.success(request, f"已登记为隐患（编号 {finding.hazard_id}）")
            return redirect("experts:diagnose", visit.pk)
    return _diagnose_page(request, visit, form)


@login_required
@require_POST
def review(request, pk, confined_space_id):
    visit = _visit(request, pk, "expert_visit.diagnose", "审核有限空间台账")
    space = get_object_or_404(ConfinedSpace, pk=confined_space_id, enterprise=visit.enterprise)
    form = forms.ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect("experts:diagnose", visit.pk)
    try:
        services.review_space(request.user, visit.pk, space.pk, **form.cleaned_data)
    except ExpertRefused as exc:
        refuse_on_page(request, exc)
    else:
        messages.success(request, f"{space.name}：审核结论已保存")
    return redirect("experts:diagnose", visit.pk)


@login_required
def report_issue(request, pk):
    visit = _visit(request, pk, "expert_visit.diagnose", "出具反馈报告")
    form = forms.ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.issue_report(request.user, visit.pk, **form.cleaned_data)
        except ExpertRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            messages.success(request, "反馈报告已出具，已通知企业")
            return redirect("experts:visit", visit.pk)
    return render(
        request,
        "experts/form.html",
        {
            "form": form,
            "title": "出具讲评反馈报告",
            "enterprise": visit.enterprise,
            "visit": visit,
        },
    )


@login_required
def report_download(request, pk):
    visit = _visit(request, pk)
    if not visit.report_number:
        raise Http404
    response = HttpResponse(report_docx(visit.report_data), content_type=DOCX)
    name = quote(f"有限空间专家会诊反馈报告-{visit.report_number}.docx")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


@login_required
@require_POST
def close(request, pk):
    visit = _visit(request, pk, "expert_visit.manage", "闭环专家会诊")
    try:
        services.close(request.user, visit.pk)
    except ExpertRefused as exc:
        refuse_on_page(request, exc)
    else:
        messages.success(request, "专家会诊已闭环")
    return redirect("experts:visit", visit.pk)


# --- the ledger --------------------------------------------------------------------------------


def _ledger_context(request, enterprise):
    spaces = ConfinedSpace.objects.for_user(request.user).filter(enterprise=enterprise)
    return {
        "enterprise": enterprise,
        "spaces": spaces.select_related("kind"),
        "expected": services.ledger_expected(Enterprise.objects.filter(pk=enterprise.pk)).exists(),
        "controls": ENTRY_CONTROLS,
        "can_edit": can(request.user, "confined_space.edit"),
        "can_plan": can(request.user, "expert_visit.manage"),
        "visits": services.visit_rows(
            ExpertVisit.objects.for_user(request.user, "expert_visit.view").filter(
                enterprise=enterprise
            )
        )[:20],
        "source": reference.SOURCE_LEDGER,
        "source_controls": reference.SOURCE_CONTROLS,
    }


@login_required
def enterprise_tab(request, pk):
    enterprise = _enterprise(request, pk, "confined_space.view", "查看有限空间台账")
    return render(request, "experts/_enterprise_tab.html", _ledger_context(request, enterprise))


@login_required
def ledger(request, pk):
    enterprise = _enterprise(request, pk, "confined_space.view", "查看有限空间台账")
    return render(request, "experts/ledger.html", _ledger_context(request, enterprise))


def _space_form(request, enterprise, space=None):
    initial = None
    if space is not None:
        initial = {
            field: getattr(space, field)
            for field in (
                "name",
                "location",
                "kind",
                "hazards",
                "lockout",
                "isolation",
                "scan_entry",
                "monitoring",
                "responsible",
                "last_checked_on",
            )
        }
    form = forms.SpaceForm(request.POST or None, initial=initial, kinds=services.space_kinds())
    if request.method == "POST" and form.is_valid():
        try:
            services.save_space(
                request.user,
                enterprise.pk,
                space_id=space.pk if space else None,
                **form.cleaned_data,
            )
        except ExpertRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            messages.success(request, "有限空间台账已保存")
            return redirect("experts:ledger", enterprise.pk)
    title = "修改有限空间" if space else "登记有限空间"
    return render(
        request, "experts/form.html", {"form": form, "title": title, "enterprise": enterprise}
    )


@login_required
def space_create(request, pk):
    enterprise = _enterprise(request, pk, "confined_space.edit", "登记有限空间台账")
    return _space_form(request, enterprise)


@login_required
def space_edit(request, pk):
    require(request.user, "confined_space.edit", "登记有限空间台账")
    space = get_object_or_404(
        ConfinedSpace.objects.for_user(request.user).select_related("enterprise"), pk=pk
    )
    return _space_form(request, space.enterprise, space)


@login_required
def ledger_export(request, pk):
    enterprise = _enterprise(request, pk, "confined_space.view", "导出有限空间台账")
    workbook = Workbook()
    headers = ["有限空间名称", "所在位置", "类型", "危险有害因素"]
    headers += [label for _name, label in ENTRY_CONTROLS] + ["责任人", "最近检查日期"]
    sheet = workbook.sheet("有限空间台账", headers, freeze=True)
    spaces = ConfinedSpace.objects.for_user(request.user).filter(enterprise=enterprise)
    for space in spaces.select_related("kind"):
        sheet.append(
            [
                space.name,
                space.location,
                space.kind.name,
                "、".join(space.hazard_labels),
                *["是" if getattr(space, name) else "否" for name, _label in ENTRY_CONTROLS],
                space.responsible,
                space.last_checked_on or "",
            ]
        )
    today = timezone.localdate()
    return xlsx_response(workbook, f"有限空间台账-{enterprise.name}-{today:%Y%m%d}.xlsx")
