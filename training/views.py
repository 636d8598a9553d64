"""The pages: the enterprise page's 培训演练 tab (its training records and drills, its task 17
and task 18 state, the add buttons), the phone-first drill form, a drill with its findings
(each may become a hazard), the bureau's board per town (task 17 coverage, drills missing this
period, 四不 share, observation drills), the missing lists and their Excel export, and task 25's
officers without a training record per year. Every query starts at for_user: out of scope is a
404, a role without the action a 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.roles import Role, can, require
from core.gate import refuse_on_page
from core.http import xlsx_response
from core.xlsx import Workbook
from enterprises.models import Enterprise
from training import forms, reference, services
from training.models import Drill, DrillFinding, DrillPhoto, ObservationDrill, TrainingRecord
from training.services import TrainingRefused


def _enterprise(request, pk, action):
    require(request.user, action)
    return get_object_or_404(Enterprise.objects.for_user(request.user), pk=pk)


def _year(request, default: int) -> int:
    try:
        year = int(request.GET.get("year", default))
    except ValueError:
        return default
    return year if 2000 <= year <= default + 1 else default


@login_required
def enterprise_tab(request, pk):
    enterprise = _enterprise(request, pk, "training.view")
    today = timezone.localdate()
    required = services.principal_coverage(Enterprise.objects.filter(pk=enterprise.pk)).first()
    [state] = services.drill_states(Enterprise.objects.filter(pk=enterprise.pk), today) or [None]
    drills = Drill.objects.filter(enterprise=enterprise).prefetch_related("findings")[:20]
    return render(
        request,
        "training/_enterprise_tab.html",
        {
            "enterprise": enterprise,
            "records": TrainingRecord.objects.filter(enterprise=enterprise)[:50],
            "drills": drills if can(request.user, "drill.view") else [],
            "principal_required": required is not None,
            "principal_trained": bool(required and required.trained),
            "window": reference.PRINCIPAL_TRAINING_WINDOW,
            "state": state,
            "can_record": can(request.user, "training.record"),
            "can_drill": can(request.user, "drill.record"),
            "source_17": reference.SOURCE_17,
            "source_18": reference.SOURCE_18,
        },
    )


@login_required
def training_create(request, pk):
    enterprise = _enterprise(request, pk, "training.record")
    form = forms.TrainingForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_training(request.user, enterprise_id=enterprise.pk, **form.cleaned_data)
        except TrainingRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            messages.success(request, "培训记录已登记")
            return redirect(f"/enterprises/{enterprise.pk}/#tab-training")
    return render(
        request,
        "training/form.html",
        {"form": form, "title": "登记培训记录", "enterprise": enterprise, "multipart": True},
    )


@login_required
def drill_create(request, pk):
    enterprise = _enterprise(request, pk, "drill.record")
    form = forms.DrillForm(request.POST or None, request.FILES or None, uploader=request.user)
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["findings"] = form.finding_lines()
            try:
                drill = services.record_drill(request.user, enterprise.pk, **data)
            except TrainingRefused as exc:
                refuse_on_page(request, exc, form)
            else:
                form.photos_stored()
                messages.success(request, "演练记录已登记")
                return redirect("training:drill", drill.pk)
        form.keep_photos()
    return render(
        request,
        "training/drill_form.html",
        {"form": form, "enterprise": enterprise, "four_nos": reference.FOUR_NOS},
    )


@login_required
def drill_detail(request, pk):
    require(request.user, "drill.view")
    drill = get_object_or_404(
        Drill.objects.for_user(request.user).select_related("enterprise", "created_by"), pk=pk
    )
    return render(
        request,
        "training/drill.html",
        {
            "drill": drill,
            "findings": drill.findings.select_related("hazard"),
            "photos": drill.photos.all(),
            "can_turn": services.can_turn_findings(request.user),
        },
    )


@login_required
def drill_photo(request, pk):
    require(request.user, "drill.view")
    photo = get_object_or_404(
        DrillPhoto.objects.filter(drill__in=Drill.objects.for_user(request.user)), pk=pk
    )
    return FileResponse(photo.image.open("rb"))


@login_required
@require_POST
def finding_hazard(request, pk):
    require(request.user, "hazard.source.self_inspection", "将演练问题登记为隐患")
    finding = get_object_or_404(DrillFinding.objects.for_user(request.user), pk=pk)
    try:
        hazard = services.finding_to_hazard(request.user, finding.pk)
    except TrainingRefused as exc:
        refuse_on_page(request, exc)
    else:
        messages.success(request, f"已登记为隐患（编号 {hazard.pk}）")
    return redirect("training:drill", finding.drill_id)


@login_required
def evidence(request, pk):
    require(request.user, "training.view")
    record = get_object_or_404(TrainingRecord.objects.for_user(request.user), pk=pk)
    if not record.evidence:
        raise Http404
    return FileResponse(record.evidence.open("rb"), as_attachment=True)


@login_required
def board(request):
    require(request.user, "training.supervise", "查看培训演练统计")
    today = timezone.localdate()
    rows = services.town_rows(request.user, today)
    return render(
        request,
        "training/board.html",
        {
            "rows": rows,
            "today": today,
            "year": today.year,
            "observations": ObservationDrill.objects.for_user(request.user)
            .filter(held_on__year=today.year)
            .select_related("jurisdiction", "host")[:50],
            "can_observe": can(request.user, "drill.observation"),
            "can_officers": can(request.user, "training.record_officer"),
            "source_17": reference.SOURCE_17,
            "source_18": reference.SOURCE_18,
            "source_obs": reference.SOURCE_18_OBSERVATION,
            "source_25": reference.SOURCE_25,
        },
    )


def _town_filter(request, queryset):
    town = request.GET.get("town")
    if town and town.isdigit():
        return queryset.filter(jurisdiction_id=int(town))
    return queryset


@login_required
def principals_missing(request):
    require(request.user, "training.supervise", "查看培训演练统计")
    enterprises = _town_filter(
        request, Enterprise.objects.for_user(request.user, "training.supervise")
    )
    missing = services.principals_missing(enterprises).order_by("jurisdiction__path", "name")
    return render(
        request,
        "training/principals_missing.html",
        {"missing": missing[:500], "count": missing.count(), "source_17": reference.SOURCE_17},
    )


@login_required
def drills_missing(request):
    require(request.user, "training.supervise", "查看培训演练统计")
    enterprises = _town_filter(
        request, Enterprise.objects.for_user(request.user, "training.supervise")
    )
    today = timezone.localdate()
    missing = services.drills_missing(enterprises, today)
    return render(
        request,
        "training/drills_missing.html",
        {"missing": missing[:500], "count": len(missing), "source_18": reference.SOURCE_18},
    )


@login_required
def officers(request):
    require(request.user, "training.supervise", "查看执法人员培训")
    today = timezone.localdate()
    year = _year(request, today.year)
    records = (
        TrainingRecord.objects.for_user(request.user, "training.view")
        .filter(kind=reference.TraineeKind.OFFICER, trained_on__year=year)
        .select_related("officer")
    )
    return render(
        request,
        "training/officers.html",
        {
            "year": year,
            "years": list(range(today.year, 2023, -1)),
            "untrained": services.untrained_officers(request.user, year),
            "records": records,
            "can_record": can(request.user, "training.record_officer"),
            "source_25": reference.SOURCE_25,
        },
    )


@login_required
def officer_training_create(request):
    require(request.user, "training.record_officer", "登记执法人员培训")
    from accounts.models import User

    officers = User.objects.filter(
        role=Role.ENFORCEMENT_OFFICER,
        is_active=True,
        jurisdiction__path__startswith=request.user.jurisdiction.path,
    ).order_by("username")
    form = forms.OfficerTrainingForm(request.POST or None, request.FILES or None, officers=officers)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        officer = data.pop("officer")
        try:
            services.record_training(
                request.user, kind=reference.TraineeKind.OFFICER, officer_id=officer.pk, **data
            )
        except TrainingRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            messages.success(request, "执法人员培训已登记")
            return redirect("training:officers")
    return render(
        request,
        "training/form.html",
        {"form": form, "title": "登记执法人员培训", "multipart": True},
    )


@login_required
def observation_create(request):
    require(request.user, "drill.observation", "登记现场观摩演练")
    form = forms.ObservationForm(request.POST or None, towns=services.towns_of(request.user))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        town = data.pop("jurisdiction")
        try:
            services.record_observation(request.user, town.pk, **data)
        except TrainingRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            messages.success(request, "现场观摩演练已登记")
            return redirect("training:board")
    return render(request, "training/form.html", {"form": form, "title": "登记现场观摩演练"})


@login_required
def export(request):
    """The missing lists in one workbook: principals not trained (task 17), enterprises without
    this period's drill (task 18), officers without this year's training (task 25)."""
    require(request.user, "training.supervise", "导出培训演练缺失名单")
    today = timezone.localdate()
    enterprises = _town_filter(
        request, Enterprise.objects.for_user(request.user, "training.supervise")
    )
    workbook = Workbook()
    sheet = workbook.sheet(
        "主要负责人未培训",
        ["镇街", "企业名称", "统一社会信用代码", "主要负责人", "联系电话"],
        freeze=True,
    )
    for e in services.principals_missing(enterprises).order_by("jurisdiction__path", "name"):
        sheet.append(
            [e.jurisdiction.name, e.name, e.credit_code, e.principal_name, e.principal_phone]
        )
    sheet = workbook.sheet(
        "本期未演练企业",
        ["镇街", "企业名称", "统一社会信用代码", "演练频次", "本期", "应完成日期", "最近演练"],
        freeze=True,
    )
    for state in services.drills_missing(enterprises, today):
        e = state.enterprise
        sheet.append(
            [
                e.jurisdiction.name,
                e.name,
                e.credit_code,
                state.frequency_label,
                state.period_label,
                state.end,
                state.last or "",
            ]
        )
    sheet = workbook.sheet(f"{today.year}年未培训执法人员", ["账号", "姓名"], freeze=True)
    for user in services.untrained_officers(request.user, today.year):
        sheet.append([user.username, user.display_name])
    return xlsx_response(workbook, f"培训演练缺失名单-{today:%Y%m%d}.xlsx")
