from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts.roles import can, require
from core import audit
from core.http import xlsx_response
from core.pagination import SEARCH_COUNT_LIMIT, IdFirstPaginator
from enterprises import services, spreadsheet
from enterprises.forms import EnterpriseFilterForm, EnterpriseForm
from enterprises.models import Enterprise

PAGE_SIZE = 50


def _filtered(request):
    form = EnterpriseFilterForm(request.user, request.GET or None)
    queryset = form.apply(Enterprise.objects.for_user(request.user))
    return form, queryset


@login_required
def enterprise_list(request):
    require(request.user, "enterprise.list")
    form, queryset = _filtered(request)
    queryset = queryset.select_related("jurisdiction", "grid").prefetch_related("sector_tags")
    # A search counts up to SEARCH_COUNT_LIMIT matches ("1,000+"): a common term's are many.
    limit = SEARCH_COUNT_LIMIT if form.is_bound and form.cleaned_data.get("q") else None
    page = IdFirstPaginator(queryset, PAGE_SIZE, count_limit=limit).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    htmx = bool(request.headers.get("HX-Request"))
    context = {
        "htmx": htmx,
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_create": can(request.user, "enterprise.create"),
        "can_export": can(request.user, "enterprise.export"),
    }
    template = "enterprises/_table.html" if htmx else "enterprises/list.html"
    return render(request, template, context)


@login_required
def enterprise_export(request):
    require(request.user, "enterprise.export")
    _, queryset = _filtered(request)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(spreadsheet.export_workbook(queryset), f"企业名录-{stamp}.xlsx")


@login_required
def enterprise_detail(request, pk):
    require(request.user, "enterprise.view")
    enterprise = get_object_or_404(
        Enterprise.objects.for_user(request.user).select_related("jurisdiction", "grid"), pk=pk
    )
    return render(
        request,
        "enterprises/detail.html",
        {
            "enterprise": enterprise,
            "tags": enterprise.sector_tags.all(),
            "process_kinds": enterprise.process_kinds.all(),
            "history": audit.history(enterprise),
            "can_edit": can(request.user, "enterprise.edit"),
            "can_report": can(request.user, "hazard.report"),
        },
    )


def _edit(request, instance):
    form = EnterpriseForm(request.user, request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        enterprise = services.save_enterprise(request.user, form)
        messages.success(request, f"已保存：{enterprise.name}")
        return redirect("enterprises:detail", pk=enterprise.pk)
    return render(request, "enterprises/form.html", {"form": form, "enterprise": instance})


@login_required
def enterprise_create(request):
    require(request.user, "enterprise.create")
    return _edit(request, None)


@login_required
def enterprise_edit(request, pk):
    require(request.user, "enterprise.edit")
    return _edit(request, get_object_or_404(Enterprise.objects.for_user(request.user), pk=pk))


@login_required
def import_template(request):
    require(request.user, "enterprise.import")
    return xlsx_response(spreadsheet.template_workbook(request.user), "企业导入模板.xlsx")


@login_required
def enterprise_import(request):
    require(request.user, "enterprise.import")
    context = {"max_size": spreadsheet.size_limit_label()}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["refused"] = "请选择要导入的 Excel 文件"
        else:
            try:
                result = services.import_enterprises(request.user, upload)
            except spreadsheet.ImportRefused as exc:
                context["refused"] = str(exc)
            else:
                if result.errors:
                    context["errors"] = result.errors
                else:
                    messages.success(
                        request,
                        f"导入成功：新增 {result.created} 家，更新 {result.updated} 家",
                    )
                    return redirect("enterprises:list")
    status = 400 if ("refused" in context or "errors" in context) else 200
    return render(request, "enterprises/import.html", context, status=status)
