"""The pages of construction projects (三同时) and of the equipment register. Every query starts
at the scoped managers (`for_user`): a project, an item or an enterprise out of the user's scope
is a 404; a role without the action is a 403 (accounts.roles.require)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.roles import can, require
from core.gate import refuse_on_page
from core.http import xlsx_response
from enterprises.models import Enterprise
from projects import forms, services, spreadsheet
from projects.models import Equipment, EquipmentMatch, ObsoleteEntry, Project, ProjectEvent
from projects.services import ProjectRefused
from projects.states import State
from projects.transitions import TRANSITIONS

PAGE_SIZE = 30
# Which of the step form's fields each step shows.
STEP_FIELDS = {
    "design": ("on", "designer", "document", "note"),
    "submit_review": ("on", "document", "note"),
    "approve_review": ("on", "reviewers", "document", "note"),
    "reject_review": ("on", "note"),
    "start_construction": ("on", "document", "note"),
    "commission": ("on", "document", "note"),
    "report_unreviewed": ("on", "built", "note", "document"),
    "diagnose": ("on", "document", "note"),
}


def _project(user, pk) -> Project:
    return get_object_or_404(
        Project.objects.for_user(user).select_related(
            "enterprise", "enterprise__jurisdiction", "recorded_by"
        ),
        pk=pk,
    )


def _enterprise(user, pk) -> Enterprise:
    return get_object_or_404(Enterprise.objects.for_user(user), pk=pk)


@login_required
def project_list(request):
    require(request.user, "project.view")
    form = forms.ProjectFilterForm(request.GET or None)
    projects = (
        form.apply(Project.objects.for_user(request.user))
        .select_related("enterprise", "enterprise__jurisdiction")
        .order_by("-unreviewed_construction", "-created_at", "-id")
    )
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "projects/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_record": can(request.user, "project.record"),
            **Project.objects.for_user(request.user).aggregate(
                flagged_count=Count("pk", filter=Q(unreviewed_construction=True)),
                awaiting_review=Count("pk", filter=Q(state=State.UNDER_REVIEW)),
            ),
            "can_review": can(request.user, "project.review"),
        },
    )


@login_required
def create(request):
    require(request.user, "project.record")
    initial = {}
    wanted = request.GET.get("enterprise", "")
    if wanted.isdigit():
        initial["enterprise"] = wanted
    form = forms.ProjectForm(request.user, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.register(request.user, form.service_data())
        except ProjectRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            messages.success(request, "建设项目已登记")
            return redirect("projects:detail", pk=project.pk)
    return render(request, "projects/form.html", {"form": form})


@login_required
def detail(request, pk):
    require(request.user, "project.view")
    project = _project(request.user, pk)
    actions = services.available_actions(request.user, project)
    return render(
        request,
        "projects/detail.html",
        {
            "project": project,
            "events": project.events.select_related("actor"),
            "steps": [(name, TRANSITIONS[name].label, _step_form(name)) for name in actions],
            "today": timezone.localdate(),
            "can_file_penalty": can(request.user, "penalty.manage"),
        },
    )


def _step_form(name, data=None, files=None):
    form = forms.StepForm(data, files, prefix=name)
    for field in list(form.fields):
        if field not in STEP_FIELDS[name]:
            del form.fields[field]
    if TRANSITIONS[name].document:
        form.fields["document"].required = True
    return form


@login_required
@require_POST
def act(request, pk, action):
    if action not in TRANSITIONS:
        raise Http404
    require(request.user, "project.view")
    project = _project(request.user, pk)
    require(request.user, TRANSITIONS[action].permission, TRANSITIONS[action].label)
    form = _step_form(action, request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.act(
                request.user,
                project.pk,
                action,
                on=data.get("on"),
                document=data.get("document"),
                designer=data.get("designer", ""),
                reviewers=data.get("reviewers", ""),
                note=data.get("note", ""),
                built=data.get("built", False),
            )
        except ProjectRefused as exc:
            refuse_on_page(request, exc)
        else:
            messages.success(request, f"已{TRANSITIONS[action].label}")
    else:
        errors = "；".join(
            f"{form.fields[name].label if name in form.fields else ''}：{' '.join(messages_)}"
            for name, messages_ in form.errors.items()
        )
        messages.error(request, f"未保存：{errors}")
    return redirect("projects:detail", pk=project.pk)


@login_required
def document(request, pk):
    """An event's document, to those who see its project."""
    require(request.user, "project.view")
    event = get_object_or_404(
        ProjectEvent.objects.filter(project__in=Project.objects.for_user(request.user)), pk=pk
    )
    if not event.document:
        raise Http404
    return FileResponse(
        event.document.open("rb"),
        as_attachment=True,
        filename=event.document_name.rsplit("/", 1)[-1] or "document",
    )


@login_required
def enterprise_tab(request, pk):
    """The enterprise page's tab (loaded by htmx): its projects and its equipment register with
    their flags."""
    viewer = can(request.user, "project.view") or can(request.user, "equipment.view")
    if not viewer:
        require(request.user, "project.view", "查看建设项目")
    enterprise = _enterprise(request.user, pk)
    return render(
        request,
        "projects/_enterprise_tab.html",
        {
            "enterprise": enterprise,
            "projects": Project.objects.for_user(request.user, "project.view")
            .filter(enterprise=enterprise)
            .order_by("-created_at", "-id"),
            "equipment": Equipment.objects.for_user(request.user, "equipment.view")
            .filter(enterprise=enterprise)
            .prefetch_related("matches__entry", "matches__hazard")
            .order_by("name", "id"),
            "can_record_project": can(request.user, "project.record"),
            "can_record_equipment": can(request.user, "equipment.record"),
            "can_view_equipment": can(request.user, "equipment.view"),
        },
    )


# --- equipment ---------------------------------------------------------------------------------


@login_required
def equipment_create(request, pk):
    require(request.user, "equipment.view")
    enterprise = _enterprise(request.user, pk)
    require(request.user, "equipment.record", "登记设备")
    form = forms.EquipmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.record_equipment(
                request.user, {"enterprise_id": enterprise.pk, **form.cleaned_data}
            )
        except ProjectRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            _said_matched(request, item)
            return redirect("enterprises:detail", pk=enterprise.pk)
    return render(
        request,
        "projects/equipment_form.html",
        {"form": form, "enterprise": enterprise, "item": None},
    )


@login_required
def equipment_edit(request, pk):
    require(request.user, "equipment.view")
    item = get_object_or_404(
        Equipment.objects.for_user(request.user).select_related("enterprise"), pk=pk
    )
    require(request.user, "equipment.record", "修改设备台账")
    initial = {
        name: getattr(item, name)
        for name in ("name", "model", "kind", "quantity", "year", "process", "in_use")
    }
    form = forms.EquipmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.update_equipment(request.user, item.pk, form.cleaned_data)
        except ProjectRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            _said_matched(request, item)
            return redirect("enterprises:detail", pk=item.enterprise_id)
    return render(
        request,
        "projects/equipment_form.html",
        {"form": form, "enterprise": item.enterprise, "item": item},
    )


def _said_matched(request, item):
    found = EquipmentMatch.objects.filter(equipment=item).select_related("entry", "hazard")
    fresh = [m for m in found if m.hazard.is_open]
    if fresh:
        names = "、".join(m.entry.name for m in fresh)
        messages.warning(
            request,
            f"“{item.name}”属于淘汰落后工艺设备目录所列（{names}），已登记隐患并设定整改期限",
        )
    else:
        messages.success(request, "设备台账已保存")


@login_required
def equipment_import(request, pk):
    require(request.user, "equipment.view")
    enterprise = _enterprise(request.user, pk)
    require(request.user, "equipment.record", "导入设备台账")
    form = forms.EquipmentImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            result = spreadsheet.read_import(form.cleaned_data["file"])
        except spreadsheet.ImportRefused as exc:
            form.add_error("file", str(exc))
        else:
            errors = result.errors
            if not errors:
                try:
                    items = services.import_equipment(request.user, enterprise.pk, result.rows)
                except ProjectRefused as exc:
                    refuse_on_page(request, exc, form)
                else:
                    matched = EquipmentMatch.objects.filter(equipment__in=items).count()
                    messages.success(
                        request,
                        f"已导入 {len(items)} 台（套）设备"
                        + (
                            f"；其中 {matched} 项属于淘汰落后工艺设备目录，已登记隐患"
                            if matched
                            else ""
                        ),
                    )
                    return redirect("enterprises:detail", pk=enterprise.pk)
    return render(
        request,
        "projects/equipment_import.html",
        {"form": form, "enterprise": enterprise, "errors": errors},
    )


@login_required
def equipment_template(request):
    require(request.user, "equipment.record", "导入设备台账")
    return xlsx_response(spreadsheet.template_workbook(), "设备台账导入模板.xlsx")


@login_required
def equipment_export(request, pk):
    require(request.user, "equipment.view")
    enterprise = _enterprise(request.user, pk)
    items = (
        Equipment.objects.for_user(request.user)
        .filter(enterprise=enterprise)
        .order_by("name", "id")
    )
    stamp = timezone.localdate().strftime("%Y%m%d")
    return xlsx_response(
        spreadsheet.export_workbook(items), f"设备台账-{enterprise.name}-{stamp}.xlsx"
    )


@login_required
def catalogue(request):
    require(request.user, "equipment.view")
    return render(
        request,
        "projects/catalogue.html",
        {"entries": ObsoleteEntry.objects.order_by("code")},
    )
