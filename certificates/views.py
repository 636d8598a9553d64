"""The certificate pages. Every query starts at the scoped managers (`for_user`): a certificate
or an enterprise out of the user's scope is a 404; a role without the action is a 403
(accounts.roles.require)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.roles import can, require
from certificates import forms, reference, services, spreadsheet
from certificates.models import Certificate, RequiredOperation
from certificates.services import CertificateRefused
from core.gate import refuse_on_page
from core.http import xlsx_response
from enterprises.models import Enterprise

PAGE_SIZE = 30


def _enterprise(user, pk) -> Enterprise:
    return get_object_or_404(Enterprise.objects.for_user(user), pk=pk)


@login_required
def enterprise_tab(request, pk):
    """The enterprise page's 持证上岗 tab (loaded by htmx): the operations its work needs with
    their holders (an expired holder red), the gap, and every certificate."""
    require(request.user, "certificate.view", "查看特种作业操作证")
    enterprise = _enterprise(request.user, pk)
    today = timezone.localdate()
    items = services.work_items(enterprise, today)
    declared = {item.required.operation for item in items}
    return render(
        request,
        "certificates/_enterprise_tab.html",
        {
            "enterprise": enterprise,
            "today": today,
            "items": items,
            "gaps": [item for item in items if item.missing],
            "suggested": [
                (code, reference.label(code))
                for code in services.suggested_operations(enterprise)
                if code not in declared
            ],
            "certificates": Certificate.objects.for_user(request.user)
            .filter(enterprise=enterprise)
            .order_by("attention_on", "id"),
            "show_id": can(request.user, "certificate.id_number"),
            "can_record": can(request.user, "certificate.record"),
            "can_raise": can(request.user, "certificate.raise_gap"),
            "source": reference.CATALOGUE_SOURCE,
            "unconfirmed": reference.unconfirmed_notes(),
        },
    )


@login_required
def create(request, pk):
    require(request.user, "certificate.view")
    enterprise = _enterprise(request.user, pk)
    require(request.user, "certificate.record", "登记特种作业操作证")
    form = forms.CertificateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        evidence = data.pop("evidence", None)
        try:
            services.record(request.user, {"enterprise_id": enterprise.pk, **data}, evidence)
        except CertificateRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            messages.success(request, "特种作业操作证已登记")
            return redirect("enterprises:detail", pk=enterprise.pk)
    return render(
        request,
        "certificates/form.html",
        {"form": form, "enterprise": enterprise, "title": "登记特种作业操作证"},
    )


@login_required
@require_POST
def review(request, pk):
    require(request.user, "certificate.view")
    certificate = get_object_or_404(Certificate.objects.for_user(request.user), pk=pk)
    require(request.user, "certificate.record", "登记复审")
    form = forms.ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.review(request.user, certificate.pk, form.cleaned_data["on"])
        except CertificateRefused as exc:
            refuse_on_page(request, exc)
        else:
            messages.success(request, "复审已登记")
    else:
        messages.error(request, "未保存：请填写有效的复审日期")
    return redirect("enterprises:detail", pk=certificate.enterprise_id)


@login_required
def required(request, pk):
    require(request.user, "certificate.view")
    enterprise = _enterprise(request.user, pk)
    require(request.user, "certificate.record", "申报需持证作业")
    initial = {"holders_needed": 1}
    if request.GET.get("operation") in reference.BY_CODE:
        initial["operation"] = request.GET["operation"]
    form = forms.RequiredOperationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.declare(request.user, enterprise.pk, **form.cleaned_data)
        except CertificateRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            messages.success(request, "需持证作业已保存")
            return redirect("enterprises:detail", pk=enterprise.pk)
    return render(
        request,
        "certificates/form.html",
        {"form": form, "enterprise": enterprise, "title": "申报需持证作业"},
    )


@login_required
@require_POST
def raise_gap(request, pk):
    require(request.user, "certificate.view")
    item = get_object_or_404(RequiredOperation.objects.for_user(request.user), pk=pk)
    require(request.user, "certificate.raise_gap", "将持证缺口登记为重大事故隐患")
    try:
        hazard = services.raise_gap(request.user, item.pk)
    except CertificateRefused as exc:
        refuse_on_page(request, exc)
    else:
        messages.warning(request, f"已将持证缺口登记为重大事故隐患（编号 {hazard.pk}）")
    return redirect("enterprises:detail", pk=item.enterprise_id)


@login_required
def evidence(request, pk):
    require(request.user, "certificate.view")
    certificate = get_object_or_404(Certificate.objects.for_user(request.user), pk=pk)
    if not certificate.evidence:
        raise Http404
    return FileResponse(
        certificate.evidence.open("rb"),
        as_attachment=True,
        filename=certificate.evidence_name.rsplit("/", 1)[-1] or "evidence",
    )


@login_required
def import_view(request, pk):
    require(request.user, "certificate.view")
    enterprise = _enterprise(request.user, pk)
    require(request.user, "certificate.record", "导入特种作业操作证")
    form = forms.ImportForm(request.POST or None, request.FILES or None)
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
                    items = services.import_certificates(request.user, enterprise.pk, result.rows)
                except CertificateRefused as exc:
                    refuse_on_page(request, exc, form)
                else:
                    messages.success(request, f"已导入 {len(items)} 张特种作业操作证")
                    return redirect("enterprises:detail", pk=enterprise.pk)
    return render(
        request,
        "certificates/import.html",
        {"form": form, "enterprise": enterprise, "errors": errors},
    )


@login_required
def template(request):
    require(request.user, "certificate.record", "导入特种作业操作证")
    return xlsx_response(spreadsheet.template_workbook(), "特种作业操作证导入模板.xlsx")


@login_required
def export(request, pk):
    require(request.user, "certificate.view")
    enterprise = _enterprise(request.user, pk)
    require(request.user, "certificate.id_number", "导出特种作业操作证（含身份证号）")
    items = Certificate.objects.for_user(request.user).filter(enterprise=enterprise).order_by("id")
    stamp = timezone.localdate().strftime("%Y%m%d")
    return xlsx_response(
        spreadsheet.export_workbook(items), f"特种作业操作证-{enterprise.name}-{stamp}.xlsx"
    )


def _listed(request):
    require(request.user, "certificate.list", "查看特种作业操作证到期与复审清单")
    today = timezone.localdate()
    form = forms.ListFilterForm(request.user, request.GET or None)
    certificates = (
        form.apply(Certificate.objects.for_user(request.user), today)
        .select_related("enterprise", "enterprise__jurisdiction")
        .order_by("attention_on", "id")
    )
    return form, certificates, today


@login_required
def certificate_list(request):
    """The county's or town's certificates expiring or due for review within N days (and those
    already expired), by town and category."""
    form, certificates, today = _listed(request)
    page = Paginator(certificates, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "certificates/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "today": today,
            "show_id": can(request.user, "certificate.id_number"),
        },
    )


@login_required
def list_export(request):
    _, certificates, today = _listed(request)
    return xlsx_response(
        spreadsheet.list_workbook(certificates, can(request.user, "certificate.id_number")),
        f"特种作业操作证到期与复审-{today:%Y%m%d}.xlsx",
    )


@login_required
def gap_list(request):
    """The operations of the enterprises in scope without enough valid holders (持证缺口)."""
    require(request.user, "certificate.list", "查看持证缺口")
    today = timezone.localdate()
    found = (
        services.enterprises_with_gap(RequiredOperation.objects.for_user(request.user), today)
        .select_related("enterprise", "enterprise__jurisdiction", "hazard")
        .order_by("enterprise__jurisdiction__name", "enterprise__name", "operation")
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "certificates/gaps.html", {"page": page})
