"""The report pages: the list (scoped: a user sees the reports of their node and below), a new
draft (kind and period), one report (its figures, the text editable while a draft, issue,
Word and Excel downloads). Thin: the services draft, edit and issue; a refusal is shown on the
page (core.gate.refuse_on_page), out of scope a 404, a role without the action a 403.

Mounted by targets/urls.py (app_name "targets") with `path("reports/", include(...))`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from accounts.roles import can, require
from core.gate import get_for_user, refuse_on_page
from core.http import xlsx_response
from targets import documents, reports
from targets.models import Report
from targets.report_forms import DraftForm, EditForm
from targets.services import TargetsRefused


def _report(request, pk, action="targets.view", label="查看治本攻坚报告"):
    return get_for_user(
        Report.objects.select_related("jurisdiction", "drafted_by", "issued_by"),
        request.user,
        action,
        label,
        pk=pk,
    )


@login_required
def report_list(request):
    require(request.user, "targets.view", "查看治本攻坚报告")
    found = Report.objects.for_user(request.user, "targets.view").select_related("jurisdiction")
    page = Paginator(found.order_by("-period_end", "-id"), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "targets/report_list.html",
        {"page": page, "can_draft": can(request.user, "targets.report")},
    )


@login_required
def report_new(request):
    require(request.user, "targets.report", "起草治本攻坚报告")
    form = DraftForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = reports.draft(
                request.user,
                data["kind"],
                node_id=data["node"] or None,
                year=data["year"],
                month=data["month"],
            )
        except TargetsRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            messages.success(request, "报告草稿已生成，请核对修改后印发")
            return redirect("targets:report", pk=report.pk)
    return render(request, "targets/report_form.html", {"form": form})


@login_required
def report_detail(request, pk):
    report = _report(request, pk)
    may = reports.actions(request.user, report)
    form = EditForm(initial={"title": report.title, "text": report.text}) if may["edit"] else None
    return render(
        request,
        "targets/report_detail.html",
        {
            "report": report,
            "content": report.content,
            "sections": documents.sections(report),
            "form": form,
            "may": may,
        },
    )


@login_required
@require_POST
def report_edit(request, pk):
    report = _report(request, pk, "targets.report", "修改治本攻坚报告")
    form = EditForm(request.POST)
    if form.is_valid():
        try:
            reports.edit(request.user, report.pk, **form.cleaned_data)
        except TargetsRefused as exc:
            refuse_on_page(request, exc)
        else:
            messages.success(request, "报告已保存")
    else:
        for errors in form.errors.values():
            messages.error(request, "；".join(errors))
    return redirect("targets:report", pk=report.pk)


@login_required
@require_POST
def report_issue(request, pk):
    report = _report(request, pk, "targets.report", "印发治本攻坚报告")
    try:
        issued = reports.issue(request.user, report.pk)
    except TargetsRefused as exc:
        refuse_on_page(request, exc)
    else:
        messages.success(request, f"报告已印发，文号：{issued.number}")
    return redirect("targets:report", pk=report.pk)


def _attachment(response, name: str):
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
def report_docx(request, pk):
    report = _report(request, pk, "targets.export", "下载治本攻坚报告")
    response = HttpResponse(documents.report_docx(report), content_type=documents.DOCX)
    return _attachment(response, documents.filename(report, "docx"))


@login_required
def report_xlsx(request, pk):
    report = _report(request, pk, "targets.export", "导出治本攻坚报告")
    return xlsx_response(documents.report_workbook(report), documents.filename(report, "xlsx"))


# Included by targets/urls.py as path("reports/", include(report_views.urlpatterns)).
urlpatterns = [
    path("", report_list, name="reports"),
    path("new/", report_new, name="report_new"),
    path("<int:pk>/", report_detail, name="report"),
    path("<int:pk>/edit/", report_edit, name="report_edit"),
    path("<int:pk>/issue/", report_issue, name="report_issue"),
    path("<int:pk>/word/", report_docx, name="report_docx"),
    path("<int:pk>/excel/", report_xlsx, name="report_xlsx"),
]
