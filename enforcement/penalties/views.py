"""Pages: penalty cases (list, filing, handling) and the inspection statistics."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.roles import can, require
from core.errors import Refused
from core.gate import refuse_on_page
from core.http import xlsx_response
from enforcement.models import Inspection, Penalty, PenaltyState, Result
from enforcement.pages import get_or_404, paginate
from enforcement.penalties import forms, services, statistics

# --- penalties ----------------------------------------------------------------------------------


@login_required
def penalty_list(request):
    require(request.user, "penalty.view")
    rows = Penalty.objects.for_user(request.user).select_related(
        "enterprise", "state", "enterprise__jurisdiction"
    )
    state = request.GET.get("state")
    if state:
        rows = rows.filter(state_id=state)
    return render(
        request,
        "enforcement/penalty_list.html",
        {
            "page": paginate(request, rows),
            "states": PenaltyState.objects.all(),
            "state": state,
            "can_manage": can(request.user, "penalty.manage"),
        },
    )


@login_required
def penalty_new(request):
    require(request.user, "penalty.manage")
    initial = {"filed_on": timezone.localdate()}
    source = None
    wanted = request.GET.get("inspection", "")
    if wanted.isdigit():
        source = Inspection.objects.for_user(request.user).filter(pk=wanted).first()
        if source is not None:
            wanting = source.answers.filter(result=Result.NOT_COMPLIANT).select_related("item")
            initial.update(
                inspection=source.pk,
                enterprise=source.enterprise.credit_code,
                violation="\n".join(a.note for a in wanting),
                legal_basis="\n".join(dict.fromkeys(a.item.legal_basis for a in wanting)),
            )
    form = forms.PenaltyForm(request.user, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            penalty = services.file_penalty(
                request.user,
                data["enterprise"].pk,
                data["violation"],
                data["legal_basis"],
                data["amount"],
                data["filed_on"],
                inspection_id=data["inspection"],
            )
        except Refused as exc:
            refuse_on_page(request, exc)
        else:
            messages.success(request, f"已立案：{penalty.case_number}")
            return redirect("enforcement:penalty", penalty.pk)
    return render(request, "enforcement/penalty_form.html", {"form": form, "source": source})


@login_required
def penalty_detail(request, pk):
    require(request.user, "penalty.view")
    penalty = get_or_404(
        Penalty.objects.for_user(request.user).select_related(
            "enterprise", "state", "created_by", "inspection"
        ),
        pk,
    )
    if request.method == "POST":
        require(request.user, "penalty.manage", "办理行政处罚")
    form = None
    if "advance" in services.penalty_actions(request.user, penalty):
        form = forms.PenaltyAdvanceForm(penalty, request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.advance_penalty(
                    request.user,
                    pk,
                    data["to_state"].code,
                    data["note"],
                    data["decided_on"],
                    data["amount"],
                )
                messages.success(request, f"案件已转为“{data['to_state'].name}”")
                return redirect("enforcement:penalty", pk)
            except Refused as exc:
                refuse_on_page(request, exc)
    elif request.method == "POST":
        refuse_on_page(request, Refused(f"案件已{penalty.state.name}，不能再办理", 409))
    states = {s.code: s.name for s in PenaltyState.objects.all()}
    events = [
        {"event": e, "from": states.get(e.from_state, ""), "to": states.get(e.to_state, "")}
        for e in penalty.events.select_related("actor")
    ]
    return render(
        request,
        "enforcement/penalty_detail.html",
        {
            "penalty": penalty,
            "form": form,
            "events": events,
            "next_step": services.next_step(penalty),
        },
    )


# --- statistics ---------------------------------------------------------------------------------


@login_required
def inspection_statistics(request):
    require(request.user, "inspection.stats")
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    if not 2000 <= year <= 2100:
        year = today.year
    rows = statistics.by_town(request.user, year)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(statistics.workbook(rows, year), f"执法检查统计-{year}.xlsx")
    months = statistics.by_month(rows)
    chart = {
        "months": [f"{m['month']}月" for m in months],
        "inspections": [m["inspections"] for m in months],
        "hazards": [m["hazards"] for m in months],
        "majors": [m["majors"] for m in months],
        "penalties": [m["penalties"] for m in months],
        "towns": [r.town.name for r in rows],
        "town_inspections": [r.total("inspections") for r in rows],
        "town_penalties": [r.total("penalties") for r in rows],
    }
    return render(
        request,
        "enforcement/statistics.html",
        {
            "year": year,
            "years": list(range(today.year, today.year - 5, -1)),
            "rows": rows,
            "months": months,
            "chart": chart,
            "flag_source": statistics.FLAG_SOURCE,
            "flagged": [r for r in rows if r.flags],
            "remote_rows": statistics.remote_by_town(request.user, year, today),
        },
    )
