"""The register's pages: the list of risks (filters: colour, accident type, town, enterprise),
an enterprise's register (units → points → risks, with the forms to add each for its managers),
a risk with its assessments and measures, the forms of each step, and the enterprise page's
风险分级 summary. Every query starts at the models' for_user: a row out of the user's scope is
a 404; a role without "risk.view" gets a 403, one that may look but not edit a 403 on the forms
(accounts.roles: "risk.edit")."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Min, Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.roles import can, require
from core.gate import refuse_on_page
from enterprises.models import Enterprise
from risks import documents, forms, queries, services
from risks.models import CheckTask, Measure, Risk, RiskPoint, RiskUnit, SitePlan
from risks.reference import (
    CHECK_FREQUENCY_SOURCE,
    COLOUR_HEX,
    CONTROL_SOURCE,
    SOURCE,
    UNCONFIRMED,
    required_label,
)
from risks.services import RiskRefused

PAGE_SIZE = 30


def _enterprise(request, pk, action="risk.view"):
    require(request.user, action)
    return get_object_or_404(Enterprise.objects.for_user(request.user), pk=pk)


def _risk(request, pk, action="risk.view"):
    require(request.user, action)
    return get_object_or_404(
        Risk.objects.for_user(request.user).select_related(
            "enterprise", "point", "point__unit", "current", "current__assessed_by"
        ),
        pk=pk,
    )


@login_required
def risk_list(request):
    require(request.user, "risk.view")
    form = forms.RiskFilterForm(request.user, request.GET or None)
    risks = (
        form.apply(Risk.objects.for_user(request.user).current())
        .select_related("enterprise", "point", "point__unit", "current")
        .order_by("rank", "-id")
    )
    page = Paginator(risks, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "risks/list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@login_required
def enterprise_register(request, pk):
    enterprise = _enterprise(request, pk)
    risks = (
        Risk.objects.current()
        .select_related("current")
        .prefetch_related(Prefetch("measures", queryset=Measure.objects.active()))
    )
    units = (
        RiskUnit.objects.filter(enterprise=enterprise)
        .annotate(top=Min("points__risks__rank"))
        .prefetch_related(
            Prefetch(
                "points",
                queryset=RiskPoint.objects.order_by("name", "id").prefetch_related(
                    Prefetch("risks", queryset=risks.order_by("rank", "id"))
                ),
            )
        )
    )
    return render(
        request,
        "risks/register.html",
        {
            "enterprise": enterprise,
            "units": units,
            "can_edit": "edit" in services.available_actions(request.user, enterprise),
            "plan": SitePlan.objects.filter(enterprise=enterprise).first(),
            "marks": queries.plan_marks(enterprise),
        },
    )


@login_required
def enterprise_tab(request, pk):
    """The 风险分级 tab's register summary (loaded by htmx beside the grade card)."""
    enterprise = _enterprise(request, pk)
    summary = queries.enterprise_summary(enterprise)
    return render(request, "risks/_enterprise_tab.html", {"enterprise": enterprise, **summary})


def _step(request, form, act, *, title, enterprise, **extra):
    """One step of the register on its form: on a valid POST, `act(cleaned_data)` calls the
    service and answers the success message and where to go next; a refusal is shown on the
    form, nothing saved."""
    if request.method == "POST" and form.is_valid():
        try:
            message, target = act(form.cleaned_data)
        except RiskRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            messages.success(request, message)
            return redirect(target)
    context = {"form": form, "title": title, "enterprise": enterprise, **extra}
    return render(request, "risks/step_form.html", context)


@login_required
def unit_create(request, pk):
    enterprise = _enterprise(request, pk, "risk.edit")

    def act(data):
        services.add_unit(request.user, enterprise.pk, **data)
        return "风险单元已添加", reverse("risks:enterprise", args=[enterprise.pk])

    form = forms.UnitForm(request.POST or None)
    return _step(request, form, act, title="添加风险单元", enterprise=enterprise)


@login_required
def point_create(request, pk):
    require(request.user, "risk.edit")
    unit = get_object_or_404(
        RiskUnit.objects.for_user(request.user).select_related("enterprise"), pk=pk
    )

    def act(data):
        services.add_point(request.user, unit.pk, **data)
        return "风险点已添加", reverse("risks:enterprise", args=[unit.enterprise_id])

    form = forms.PointForm(request.POST or None)
    title = f"在“{unit.name}”添加风险点"
    return _step(request, form, act, title=title, enterprise=unit.enterprise)


@login_required
def risk_create(request, pk):
    require(request.user, "risk.edit")
    point = get_object_or_404(
        RiskPoint.objects.for_user(request.user).select_related("enterprise", "unit"), pk=pk
    )
    form = forms.RiskForm(request.POST or None)

    def act(data):
        risk = services.add_risk(
            request.user,
            point.pk,
            factor_kind=data["factor_kind"],
            accident_type=data["accident_type"],
            description=data["description"],
            emergency_steps=data["emergency_steps"],
            method=data["method"],
            factors=form.factors(),
            note=data["note"],
        )
        message = f"风险已登记：{risk.level_label}（{risk.get_colour_display()}）"
        return message, reverse("risks:detail", args=[risk.pk])

    title = f"在“{point.unit.name} / {point.name}”辨识风险"
    return _step(request, form, act, title=title, enterprise=point.enterprise, method_note=True)


@login_required
def detail(request, pk):
    risk = _risk(request, pk)
    measures = risk.measures.order_by("withdrawn_at", "id")
    return render(
        request,
        "risks/detail.html",
        {
            "risk": risk,
            "assessments": risk.assessments.select_related("assessed_by"),
            "measures": measures,
            "events": risk.events.select_related("actor"),
            "can_edit": "edit" in services.available_actions(request.user, risk.enterprise),
            "required": required_label(risk.colour),
            "source": SOURCE,
            "control_source": CONTROL_SOURCE,
            "unconfirmed": UNCONFIRMED,
            "hex": COLOUR_HEX[risk.colour],
        },
    )


@login_required
def assess(request, pk):
    risk = _risk(request, pk, "risk.edit")
    form = forms.AssessForm(request.POST or None)

    def act(data):
        assessment = services.assess(
            request.user, risk.pk, method=data["method"], factors=form.factors(), note=data["note"]
        )
        message = f"已重新评估：{assessment.formula}，{assessment.get_colour_display()}"
        return message, reverse("risks:detail", args=[risk.pk])

    title = f"重新评估：{risk.description}"
    return _step(request, form, act, title=title, enterprise=risk.enterprise, method_note=True)


@login_required
def measure_create(request, pk):
    risk = _risk(request, pk, "risk.edit")

    def act(data):
        services.add_measure(request.user, risk.pk, **data)
        return "管控措施已添加", reverse("risks:detail", args=[risk.pk])

    form = forms.MeasureForm(request.POST or None)
    hint = (
        f"{risk.get_colour_display()}风险应由{required_label(risk.colour)}管控（{CONTROL_SOURCE}）"
    )
    title = f"添加管控措施：{risk.description}"
    return _step(request, form, act, title=title, enterprise=risk.enterprise, hint=hint)


@login_required
@require_POST
def measure_withdraw(request, pk):
    require(request.user, "risk.edit")
    measure = get_object_or_404(Measure.objects.for_user(request.user), pk=pk)
    form = forms.WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写撤销原因")
    else:
        try:
            services.withdraw_measure(request.user, measure.pk, **form.cleaned_data)
        except RiskRefused as exc:
            refuse_on_page(request, exc)
        else:
            messages.success(request, "管控措施已撤销")
    return redirect("risks:detail", pk=measure.risk_id)


@login_required
def check_list(request):
    require(request.user, "risk.view")
    today = timezone.localdate()
    form = forms.CheckFilterForm(request.GET or None)
    tasks = form.apply(CheckTask.objects.for_user(request.user), today).select_related(
        "enterprise", "measure", "measure__risk", "measure__risk__point", "answered_by"
    )
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "risks/checks.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "today": today,
            "can_answer": can(request.user, "risk.check"),
            "frequency_source": CHECK_FREQUENCY_SOURCE,
        },
    )


@login_required
def check_answer(request, pk):
    require(request.user, "risk.check")
    task = get_object_or_404(
        CheckTask.objects.for_user(request.user).select_related(
            "enterprise", "measure", "measure__risk", "measure__risk__point__unit"
        ),
        pk=pk,
    )
    form = forms.CheckAnswerForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.answer_check(request.user, task.pk, **form.cleaned_data)
        except RiskRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            messages.success(request, "排查结果已填报")
            return redirect("risks:checks")
    return render(request, "risks/check_answer.html", {"form": form, "task": task})


@login_required
def not_running(request):
    """The enterprises of the user's area whose dual-prevention system is not running
    (真建、真用, seed task 12): no control measure, or routine checks missed."""
    require(request.user, "risk.supervise")
    today = timezone.localdate()
    found = queries.not_running(
        Enterprise.objects.for_user(request.user).select_related("jurisdiction"), today
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "risks/not_running.html",
        {"page": page, "window": queries.MISSED_WINDOW_DAYS},
    )


@login_required
def site_plan(request, pk):
    """Upload the site plan and mark the units on it: a click on the plan (an image button:
    the click's pixel is posted, no script) or the coordinates typed in per cent."""
    enterprise = _enterprise(request, pk, "risk.edit")
    plan = SitePlan.objects.filter(enterprise=enterprise).first()
    upload = forms.PlanUploadForm()
    place = forms.PlaceForm(enterprise)
    if request.method == "POST" and "image" in request.FILES:
        upload = forms.PlanUploadForm(request.POST, request.FILES)
        if upload.is_valid():
            try:
                services.upload_site_plan(request.user, enterprise.pk, **upload.cleaned_data)
            except RiskRefused as exc:
                refuse_on_page(request, exc, upload)
            else:
                messages.success(request, "平面图已上传，请在图上标注各风险单元")
                return redirect("risks:plan", pk=enterprise.pk)
    elif request.method == "POST":
        place = forms.PlaceForm(enterprise, request.POST)
        if place.is_valid():
            x, y = place.cleaned_data["x"], place.cleaned_data["y"]
            spot_x, spot_y = request.POST.get("spot.x"), request.POST.get("spot.y")
            if plan is not None and spot_x is not None and spot_y is not None:
                try:
                    x = int(spot_x) * 100 / max(plan.width, 1)
                    y = int(spot_y) * 100 / max(plan.height, 1)
                except ValueError:
                    x = y = None
            try:
                services.place_unit(request.user, place.cleaned_data["unit"].pk, x=x, y=y)
            except RiskRefused as exc:
                refuse_on_page(request, exc, place)
            else:
                messages.success(request, f"已标注：{place.cleaned_data['unit'].name}")
                return redirect("risks:plan", pk=enterprise.pk)
    return render(
        request,
        "risks/plan.html",
        {
            "enterprise": enterprise,
            "plan": plan,
            "upload": upload,
            "place": place,
            "marks": queries.plan_marks(enterprise),
        },
    )


@login_required
def plan_image(request, pk):
    """The site plan's image, served only to those who see the enterprise's register."""
    enterprise = _enterprise(request, pk)
    plan = get_object_or_404(SitePlan.objects.filter(enterprise=enterprise))
    try:
        return FileResponse(plan.image.open("rb"))
    except FileNotFoundError:
        raise Http404 from None


@login_required
def distribution(request):
    """The four-colour distribution of the user's area (county or town): counts by colour, by
    accident type and per town, and the red risks."""
    require(request.user, "risk.supervise")
    form = forms.DistributionForm(request.user, request.GET or None)
    town = form.cleaned_data.get("town") if form.is_bound and form.is_valid() else None
    found = queries.area_distribution(request.user, town)
    chart = {
        "colours": [
            {"name": row["label"], "value": row["count"], "color": row["hex"]}
            for row in found["colours"]
        ],
        "types": [row["type"] for row in found["types"]],
        "type_counts": [row["count"] for row in found["types"]],
        "towns": found["towns"],
    }
    return render(request, "risks/distribution.html", {"form": form, **found, "chart": chart})


@login_required
def card(request, pk):
    """A unit's (a post's) 岗位风险告知卡 as a Word file."""
    require(request.user, "risk.view")
    unit = get_object_or_404(
        RiskUnit.objects.for_user(request.user).select_related("enterprise"), pk=pk
    )
    return documents.response(unit)
