"""Pages: remote (非现场) inspections, assistance to weak towns, typical cases published, and
the public page of typical cases. Thin: the services check and change; a refusal is shown on
the page it came from (core.gate.refuse_on_page)."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.roles import can, require
from core.errors import Refused
from core.gate import refuse_on_page
from core.models import JurisdictionKind
from enforcement.constants import (
    ASSISTANCE_WINDOW_DAYS,
    FREQUENT_ACCIDENTS_SOURCE,
    REMOTE_EXPLAIN_SOURCE,
)
from enforcement.models import (
    AssistanceMethod,
    AssistanceRecord,
    Penalty,
    PublicCase,
    RemoteInspection,
    RemoteInspectionFile,
    RemoteOutcome,
    RemoteSource,
    RemoteState,
)
from enforcement.pages import get_or_404, paginate
from enforcement.penalties.statistics import FLAG_SOURCE
from enforcement.remote import services
from enterprises.models import Enterprise


def _date(value, label) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Refused(f"{label}格式有误，应为 年-月-日") from None


# --- remote inspections -------------------------------------------------------------------------


@login_required
def remote_list(request):
    require(request.user, "remote.view")
    rows = RemoteInspection.objects.for_user(request.user).select_related(
        "enterprise", "enterprise__jurisdiction"
    )
    state = request.GET.get("state", "")
    if state in RemoteState.values:
        rows = rows.filter(state=state)
    return render(
        request,
        "enforcement/remote_list.html",
        {
            "page": paginate(request, rows),
            "states": RemoteState.choices,
            "state": state,
            "today": timezone.localdate(),
            "can_manage": can(request.user, "remote.manage"),
        },
    )


@login_required
def remote_new(request):
    require(request.user, "remote.manage")
    enterprise = None
    wanted = request.GET.get("enterprise") or request.POST.get("enterprise") or ""
    if wanted.isdigit() and int(wanted) < 2**63:
        enterprise = Enterprise.objects.for_user(request.user).filter(pk=wanted).first()
    if request.method == "POST":
        try:
            remote = services.open_remote(
                request.user,
                request.POST.get("enterprise"),
                request.POST.get("source", ""),
                request.POST.get("question", ""),
                alarm_id=request.POST.get("alarm") or None,
                warning_id=request.POST.get("warning") or None,
                due_on=_date(request.POST.get("due_on"), "说明期限"),
            )
        except Refused as exc:
            refuse_on_page(request, exc)
        else:
            messages.success(request, "已发起非现场执法，已通知企业限期说明")
            return redirect("enforcement:remote", remote.pk)
    alarms, warnings = ([], [])
    if enterprise is not None:
        from enforcement.inspections.services import evidence_choices

        alarms, warnings = evidence_choices(request.user, enterprise)
    return render(
        request,
        "enforcement/remote_form.html",
        {
            "enterprise": enterprise,
            "enterprises": Enterprise.objects.for_user(request.user).order_by("name")[:500],
            "alarms": alarms,
            "warnings": warnings,
            "sources": RemoteSource.choices,
            "posted": request.POST,
            "explain_source": REMOTE_EXPLAIN_SOURCE,
        },
    )


@login_required
def remote_detail(request, pk):
    require(request.user, "remote.view")
    remote = get_or_404(
        RemoteInspection.objects.for_user(request.user).select_related(
            "enterprise", "alarm", "alarm__point", "power_warning", "opened_by", "hazard", "penalty"
        ),
        pk,
    )
    today = timezone.localdate()
    return render(
        request,
        "enforcement/remote_detail.html",
        {
            "remote": remote,
            "files": remote.files.all(),
            "events": [
                (event, services.EVENT_LABELS.get(event.action, event.action))
                for event in remote.events.select_related("actor")
            ],
            "actions": services.remote_actions(request.user, remote, today),
            "overdue": services.is_overdue(remote, today),
            "outcomes": RemoteOutcome.choices,
        },
    )


@login_required
@require_POST
def remote_answer(request, pk):
    try:
        services.answer_remote(
            request.user, pk, request.POST.get("explanation", ""), request.FILES.getlist("files")
        )
    except Refused as exc:
        refuse_on_page(request, exc)
    else:
        messages.success(request, "说明已提交，已通知执法人员")
    return redirect("enforcement:remote", pk)


@login_required
@require_POST
def remote_decide(request, pk):
    try:
        services.decide_remote(
            request.user,
            pk,
            request.POST.get("outcome", ""),
            request.POST.get("decision", ""),
            rectify_deadline=_date(request.POST.get("rectify_deadline"), "整改期限"),
            violation=request.POST.get("violation", ""),
            legal_basis=request.POST.get("legal_basis", ""),
            amount=request.POST.get("amount") or 0,
        )
    except Refused as exc:
        refuse_on_page(request, exc)
    else:
        messages.success(request, "已作出处理")
    return redirect("enforcement:remote", pk)


@login_required
def remote_file(request, pk):
    require(request.user, "remote.view")
    upload = get_or_404(RemoteInspectionFile.objects.for_user(request.user), pk)
    try:
        handle = upload.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=upload.name)


# --- assistance ---------------------------------------------------------------------------------


@login_required
def assistance_list(request):
    require(request.user, "assistance.view")
    user = request.user
    if request.method == "POST":
        try:
            record = services.record_assistance(
                user,
                request.POST.get("town"),
                request.POST.get("method", ""),
                request.POST.getlist("staff"),
                _date(request.POST.get("assisted_on"), "帮扶日期"),
                request.POST.get("findings", ""),
            )
        except Refused as exc:
            refuse_on_page(request, exc)
        else:
            messages.success(request, "已登记执法指导帮扶，已通知该镇街")
            return redirect("enforcement:assistance", record.pk)
    rows = AssistanceRecord.objects.for_user(user).select_related("town")
    can_record = can(user, "assistance.record") and user.jurisdiction.town() is None
    staff = []
    if can_record:
        staff = User.objects.filter(
            is_active=True,
            jurisdiction__path__startswith=user.jurisdiction.path,
            jurisdiction__kind=JurisdictionKind.COUNTY,
        ).order_by("pk")
    return render(
        request,
        "enforcement/assistance_list.html",
        {
            "page": paginate(request, rows),
            "towns": services.town_flags(user),
            "can_record": can_record,
            "methods": AssistanceMethod.choices,
            "staff": staff,
            "today": timezone.localdate(),
            "flag_source": FLAG_SOURCE,
            "accident_source": FREQUENT_ACCIDENTS_SOURCE,
        },
    )


@login_required
def assistance_detail(request, pk):
    require(request.user, "assistance.view")
    record = get_or_404(
        AssistanceRecord.objects.for_user(request.user).select_related("town", "created_by"), pk
    )
    effect = services.before_after(record)
    measures = [
        ("inspections", "完成检查（次）"),
        ("hazards", "检查发现隐患"),
        ("penalties", "立案处罚（件）"),
        ("remote", "非现场执法（件）"),
    ]
    return render(
        request,
        "enforcement/assistance_detail.html",
        {
            "record": record,
            "staff": record.staff.order_by("pk"),
            "effect": effect,
            "measures": [
                (label, effect["before"][key], effect["after"][key]) for key, label in measures
            ],
            "window": ASSISTANCE_WINDOW_DAYS,
        },
    )


# --- typical cases ------------------------------------------------------------------------------


@login_required
def case_list(request):
    require(request.user, "public_case.manage")
    user = request.user
    if request.method == "POST":
        try:
            if request.POST.get("withdraw"):
                services.withdraw_case(user, request.POST.get("withdraw"))
                messages.success(request, "已撤回公开")
            else:
                services.publish_case(
                    user,
                    request.POST.get("penalty"),
                    request.POST.get("violation", ""),
                    request.POST.get("legal_basis", ""),
                    request.POST.get("penalty_text", ""),
                )
                messages.success(request, "已作为典型案例公开")
        except Refused as exc:
            refuse_on_page(request, exc)
        return redirect("enforcement:cases")
    closed = (
        Penalty.objects.for_user(user)
        .filter(state__is_final=True)
        .select_related("enterprise", "public_case")
        .order_by("-closed_on", "-pk")[:200]
    )
    return render(
        request,
        "enforcement/case_list.html",
        {
            "closed": closed,
            "cases": PublicCase.objects.for_user(user).select_related("penalty"),
        },
    )


def public_cases(request):
    """The typical cases published (曝光), readable without logging in: only the published
    fields, never the case's people."""
    rows = PublicCase.objects.published().only(
        "enterprise_name", "violation", "legal_basis", "penalty_text", "published_on"
    )
    return render(request, "enforcement/public_cases.html", {"page": paginate(request, rows)})
