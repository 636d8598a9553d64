from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts.roles import can
from core import audit
from core.http import xlsx_response
from enterprises import services, spreadsheet
from enterprises.forms import EnterpriseFilterForm, EnterpriseForm
from enterprises.models import Enterprise

PAGE_SIZE = 50


def _require(user, action):
    if not can(user, action):
        raise PermissionDenied("您的角色无权进行此操作")


class _Paginator(Paginator):
    """Spares the first page a second pass over the table (`manage.py bench`): it reads the
    matching ids in the list's order, up to FIRST_IDS of them. Fewer means that is all of
    them, so their number is the count and a search that finds a few hundred firms reads the
    table once, not twice; the page is the rows of the first ids. Other pages count first, as
    Paginator does."""

    FIRST_IDS = 1000

    def get_page(self, number):
        try:
            first = int(number) == 1
        except (TypeError, ValueError):
            first = True  # Paginator.get_page shows page 1 for a missing or malformed number
        if not first:
            return super().get_page(number)
        ids = list(self.object_list.values_list("pk", flat=True)[: self.FIRST_IDS])
        if len(ids) < self.FIRST_IDS:
            self.count = len(ids)
        rows = list(self.object_list.filter(pk__in=ids[: self.per_page]))
        return self._get_page(rows, 1, self)


def _filtered(request):
    form = EnterpriseFilterForm(request.user, request.GET or None)
    queryset = form.apply(Enterprise.objects.for_user(request.user))
    return form, queryset


@login_required
def enterprise_list(request):
    _require(request.user, "enterprise.list")
    form, queryset = _filtered(request)
    queryset = queryset.select_related("jurisdiction", "grid").prefetch_related("sector_tags")
    page = _Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
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
    _require(request.user, "enterprise.export")
    _, queryset = _filtered(request)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(spreadsheet.export_workbook(queryset), f"企业名录-{stamp}.xlsx")


@login_required
def enterprise_detail(request, pk):
    _require(request.user, "enterprise.view")
    enterprise = get_object_or_404(
        Enterprise.objects.for_user(request.user).select_related("jurisdiction", "grid"), pk=pk
    )
    return render(
        request,
        "enterprises/detail.html",
        {
            "enterprise": enterprise,
            "tags": enterprise.sector_tags.all(),
            "history": audit.history(enterprise),
            "can_edit": can(request.user, "enterprise.edit"),
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
    _require(request.user, "enterprise.create")
    return _edit(request, None)


@login_required
def enterprise_edit(request, pk):
    _require(request.user, "enterprise.edit")
    return _edit(request, get_object_or_404(Enterprise.objects.for_user(request.user), pk=pk))


@login_required
def import_template(request):
    _require(request.user, "enterprise.import")
    return xlsx_response(spreadsheet.template_workbook(request.user), "企业导入模板.xlsx")


@login_required
def enterprise_import(request):
    _require(request.user, "enterprise.import")
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
