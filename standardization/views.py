"""Standardization pages: the ratings list with filters, a rating with its steps, documents and
the actions the user may take now, applying, the enterprise page's section, the town overview
(rated / applied / not started, small and micro separately), the rated list for insurers and
banks (Excel), spot checks and their random draw, benchmark enterprises and their public list.
Every query starts at a scoped manager: a rating out of the user's scope is a 404; a role
without the page's action a 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.roles import can, require
from core.gate import get_for_user, refuse_on_page
from core.http import xlsx_response
from core.models import Jurisdiction
from core.xlsx import Workbook
from enterprises.choices import Standardization
from enterprises.models import Enterprise
from standardization import forms, services
from standardization.models import (
    Benchmark,
    Rating,
    RatingDocument,
    SpotCheck,
    SpotCheckDraw,
)
from standardization.rules import VETO_SOURCE
from standardization.services import StandardizationRefused
from standardization.states import PENDING
from standardization.transitions import TRANSITIONS

PAGE_SIZE = 30
VIEW = "standardization.view"


def _page(request, queryset):
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


@login_required
def rating_list(request):
    require(request.user, VIEW, "查看安全生产标准化")
    form = forms.RatingFilterForm(request.user, request.GET or None)
    ratings = (
        form.apply(Rating.objects.for_user(request.user))
        .select_related("enterprise", "enterprise__jurisdiction")
        .order_by("-applied_at", "-id")
    )
    page, query = _page(request, ratings)
    return render(
        request,
        "standardization/list.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "can_apply": can(request.user, "standardization.apply"),
            "can_export": can(request.user, "standardization.export"),
            "can_stats": can(request.user, "standardization.stats"),
        },
    )


def _rating(request, pk) -> Rating:
    return get_for_user(
        Rating.objects.select_related("enterprise", "enterprise__jurisdiction", "applied_by"),
        request.user,
        VIEW,
        "查看安全生产标准化",
        pk=pk,
    )


@login_required
def detail(request, pk):
    rating = _rating(request, pk)
    actions = services.available_actions(request.user, rating)
    step_forms = [
        (action, TRANSITIONS[action].label, forms.STEP_FORMS[action](prefix=action))
        for action in TRANSITIONS
        if action in actions and action in forms.STEP_FORMS
    ]
    vetoing = list(services.open_major_hazards(rating.enterprise_id)[:3])
    return render(
        request,
        "standardization/detail.html",
        {
            "rating": rating,
            "events": rating.events.select_related("actor"),
            "documents": rating.documents.select_related("uploaded_by"),
            "checks": rating.checks.select_related("hazard", "started_by", "concluded_by"),
            "step_forms": step_forms,
            "document_form": forms.DocumentForm() if _may_upload(request.user) else None,
            "vetoing": vetoing,
            "veto_source": VETO_SOURCE,
        },
    )


def _may_upload(user) -> bool:
    return can(user, "standardization.upload")


def _run_step(user, rating, action, data):
    if action == "renew":
        return services.renew(user, rating, data["note"])
    if action == "start_review":
        return services.start_review(user, rating, data["reviewers"], data["note"])
    if action == "record_review":
        return services.record_review(
            user, rating, data["passed"], data["conclusion"], data["reviewed_on"]
        )
    if action == "announce":
        return services.announce(user, rating, data["announced_on"], data["note"])
    if action == "certify":
        return services.certify(user, rating, data["certificate_no"], data["issued_on"])
    if action == "start_check":
        return services.start_check(user, rating, data["note"])
    return services.conclude_check(
        user, rating, data["outcome"], data["conclusion"], data["new_grade"] or None
    )


@login_required
@require_POST
def act(request, pk, action):
    if action not in forms.STEP_FORMS:
        raise Http404
    transition = TRANSITIONS[action]
    rating = get_for_user(
        Rating, request.user, transition.permission or VIEW, transition.label, pk=pk
    )
    form = forms.STEP_FORMS[action](request.POST, prefix=action)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}：{'；'.join(errors)}" if label else "；".join(errors))
        return redirect("standardization:detail", pk=rating.pk)
    try:
        result = _run_step(request.user, rating, action, form.cleaned_data)
    except StandardizationRefused as exc:
        refuse_on_page(request, exc)
        return redirect("standardization:detail", pk=rating.pk)
    messages.success(request, f"已{transition.label}")
    target = result.rating if isinstance(result, SpotCheck) else result
    return redirect("standardization:detail", pk=target.pk)


@login_required
def apply(request):
    require(request.user, "standardization.apply", "申请安全生产标准化定级")
    form = forms.ApplyForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rating = services.apply(
                request.user, data["enterprise"].pk, data["grade"], data["note"]
            )
        except StandardizationRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            messages.success(request, "定级申请已提交，请上传申请材料")
            return redirect("standardization:detail", pk=rating.pk)
    return render(request, "standardization/apply.html", {"form": form})


@login_required
@require_POST
def upload(request, pk):
    rating = get_for_user(Rating, request.user, "standardization.upload", "上传标准化材料", pk=pk)
    form = forms.DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect("standardization:detail", pk=rating.pk)
    try:
        services.add_document(
            request.user, rating, form.cleaned_data["step"], form.cleaned_data["file"]
        )
    except StandardizationRefused as exc:
        refuse_on_page(request, exc)
    else:
        messages.success(request, "材料已上传")
    return redirect("standardization:detail", pk=rating.pk)


@login_required
def document(request, pk):
    found = get_for_user(RatingDocument, request.user, VIEW, "查看标准化材料", pk=pk)
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name)


@login_required
def enterprise_tab(request, pk):
    """The enterprise page's section: the grade that stands, its ratings, an open veto."""
    require(request.user, VIEW, "查看安全生产标准化")
    enterprise = get_object_or_404(Enterprise.objects.for_user(request.user), pk=pk)
    ratings = Rating.objects.for_user(request.user).filter(enterprise=enterprise)
    return render(
        request,
        "standardization/_enterprise_tab.html",
        {
            "enterprise": enterprise,
            "ratings": ratings.order_by("-applied_at", "-id")[:10],
            "standing": ratings.standing().order_by("-valid_until").first(),
            "vetoing": list(services.open_major_hazards(enterprise.pk)[:3]),
            "can_apply": can(request.user, "standardization.apply"),
            "benchmarks": Benchmark.objects.filter(enterprise=enterprise, withdrawn_at=None),
        },
    )


def _counts(enterprises):
    pending = Rating.objects.filter(enterprise=OuterRef("pk"), state__in=PENDING)
    rated = ~Q(standardization=Standardization.NONE)
    applied = Q(Exists(pending)) & Q(standardization=Standardization.NONE)
    small = Q(small_micro=True)
    return enterprises.annotate(
        total=Count("pk"),
        rated=Count("pk", filter=rated),
        applied=Count("pk", filter=applied),
        small_total=Count("pk", filter=small),
        small_rated=Count("pk", filter=rated & small),
        small_applied=Count("pk", filter=applied & small),
    )


@login_required
def overview(request):
    """Per town: rated / applied / not started, small and micro enterprises separately (the
    plan's 2025 target: 小微企业标准化). Closed enterprises are not counted."""
    require(request.user, "standardization.stats", "查看标准化统计")
    enterprises = Enterprise.objects.for_user(request.user).exclude(status="closed")
    rows = list(
        _counts(enterprises.values("jurisdiction"))
        .order_by("jurisdiction")
        .values(
            "jurisdiction",
            "total",
            "rated",
            "applied",
            "small_total",
            "small_rated",
            "small_applied",
        )
    )
    names = dict(
        Jurisdiction.objects.filter(pk__in=[r["jurisdiction"] for r in rows]).values_list(
            "pk", "name"
        )
    )
    totals = {
        key: 0
        for key in ("total", "rated", "applied", "small_total", "small_rated", "small_applied")
    }
    for row in rows:
        row["name"] = names.get(row["jurisdiction"], "")
        row["not_started"] = row["total"] - row["rated"] - row["applied"]
        row["small_not_started"] = row["small_total"] - row["small_rated"] - row["small_applied"]
        for key in totals:
            totals[key] += row[key]
    totals["not_started"] = totals["total"] - totals["rated"] - totals["applied"]
    totals["small_not_started"] = (
        totals["small_total"] - totals["small_rated"] - totals["small_applied"]
    )
    rows.sort(key=lambda r: r["name"])
    chart = {
        "towns": [r["name"] for r in rows],
        "rated": [r["rated"] for r in rows],
        "applied": [r["applied"] for r in rows],
        "not_started": [r["not_started"] for r in rows],
    }
    return render(
        request,
        "standardization/overview.html",
        {"rows": rows, "totals": totals, "chart": chart},
    )


EXPORT_HEADERS = [
    "企业名称",
    "统一社会信用代码",
    "所属镇街",
    "行业",
    "小微企业",
    "标准化等级",
    "证书编号",
    "发证日期",
    "有效期至",
    "状态",
]


@login_required
def export(request):
    """The enterprises whose rating stands, for insurers and banks (seed task 13: 费率下调、
    信贷支持), through core/xlsx.py."""
    require(request.user, "standardization.export", "导出达标企业名单")
    ratings = (
        Rating.objects.for_user(request.user)
        .standing()
        .select_related("enterprise", "enterprise__jurisdiction")
        .order_by("enterprise__jurisdiction__name", "enterprise__name", "id")
    )
    workbook = Workbook()
    sheet = workbook.sheet("安全生产标准化达标企业", EXPORT_HEADERS, freeze=True)
    for r in ratings.iterator(chunk_size=2000):
        e = r.enterprise
        sheet.append(
            [
                e.name,
                e.credit_code,
                e.jurisdiction.name,
                e.get_industry_display(),
                "是" if e.small_micro else "否",
                r.get_grade_display(),
                r.certificate_no,
                f"{r.issued_on:%Y-%m-%d}" if r.issued_on else "",
                f"{r.valid_until:%Y-%m-%d}" if r.valid_until else "",
                r.get_state_display(),
            ]
        )
    stamp = timezone.localtime().strftime("%Y%m%d")
    return xlsx_response(workbook, f"标准化达标企业-{stamp}.xlsx")


@login_required
def checks(request):
    require(request.user, VIEW, "查看标准化抽查")
    found = (
        SpotCheck.objects.for_user(request.user)
        .select_related("rating", "rating__enterprise", "hazard", "draw")
        .order_by("-started_at", "-id")
    )
    page, query = _page(request, found)
    draws = SpotCheckDraw.objects.none()
    if request.user.jurisdiction_id and can(request.user, "standardization.manage"):
        draws = SpotCheckDraw.objects.filter(
            jurisdiction__path__startswith=request.user.jurisdiction.path
        ).order_by("-drawn_at", "-id")[:10]
    return render(
        request,
        "standardization/checks.html",
        {
            "page": page,
            "query": query,
            "draws": [(d, services.verify_draw(d)) for d in draws],
            "draw_form": forms.DrawForm() if can(request.user, "standardization.manage") else None,
        },
    )


@login_required
@require_POST
def draw(request):
    require(request.user, "standardization.manage", "抽取标准化抽查企业")
    form = forms.DrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect("standardization:checks")
    try:
        made = services.draw_checks(
            request.user, form.cleaned_data["count"], form.cleaned_data["seed"]
        )
    except StandardizationRefused as exc:
        refuse_on_page(request, exc)
    else:
        messages.success(request, f"已随机抽取 {made.count} 家，种子 {made.seed}")
    return redirect("standardization:checks")


@login_required
def benchmarks(request):
    require(request.user, VIEW, "查看标杆企业")
    found = (
        Benchmark.objects.for_user(request.user)
        .select_related("enterprise", "enterprise__jurisdiction")
        .order_by("-year", "industry", "grade", "id")
    )
    manage = can(request.user, "standardization.manage")
    form = forms.BenchmarkForm(request.user, request.POST or None) if manage else None
    if request.method == "POST":
        require(request.user, "standardization.manage", "确定标杆企业")
        if form is not None and form.is_valid():
            data = form.cleaned_data
            try:
                services.choose_benchmark(
                    request.user, data["enterprise"].pk, data["year"], data["citation"]
                )
            except StandardizationRefused as exc:
                refuse_on_page(request, exc, form)
            else:
                messages.success(request, "已确定为标杆企业")
                return redirect("standardization:benchmarks")
    page, query = _page(request, found)
    return render(
        request,
        "standardization/benchmarks.html",
        {"page": page, "query": query, "form": form},
    )


@login_required
@require_POST
def benchmark_withdraw(request, pk):
    found = get_for_user(Benchmark, request.user, "standardization.manage", "撤销标杆企业", pk=pk)
    try:
        services.withdraw_benchmark(request.user, found)
    except StandardizationRefused as exc:
        refuse_on_page(request, exc)
    else:
        messages.success(request, "已撤销标杆企业")
    return redirect("standardization:benchmarks")


def public_benchmarks(request):
    """The benchmark enterprises, readable without logging in (seed task 12), by industry and
    grade: the enterprise's name, town, grade, year and the bureau's citation."""
    found = (
        Benchmark.objects.filter(withdrawn_at=None)
        .select_related("enterprise", "enterprise__jurisdiction")
        .order_by("-year", "industry", "grade", "enterprise__name", "id")
    )
    page, query = _page(request, found)
    return render(request, "standardization/public_benchmarks.html", {"page": page, "query": query})
