"""The towns' implementation plans (seed 三(一)): the list of the towns in scope (which have filed
a plan, their last progress note), a town's plan (its goals beside the county's, the live
figure against them, the division of work, the notes), the plan form (a goals grid of the
measures × 2024–2026, the county's goal beside each input) and the progress-note form. A town
outside the user's scope is a 404, a role without the action a 403 (asked first)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, OuterRef, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.roles import can, require
from core.gate import refuse_on_page
from targets import plans, services
from targets.measures import PLAN, YEARS
from targets.models import PlanNote
from targets.plan_forms import NoteForm, PlanForm


def _town(request, town_id):
    try:
        return plans.town_for(request.user, town_id)
    except plans.PlanRefused as exc:
        raise Http404 from exc


@login_required
def plan_list(request):
    require(request.user, "targets.view", "查看镇街实施方案")
    last_note = PlanNote.objects.filter(plan__jurisdiction=OuterRef("pk")).order_by(
        "-written_on", "-id"
    )
    towns = (
        plans.towns_for(request.user)
        .select_related("target_plan")
        .annotate(
            last_note=Subquery(last_note.values("written_on")[:1]),
            own_goals=Count("target_plan__targets"),
        )
    )
    towns = list(towns)
    return render(
        request,
        "targets/plan_list.html",
        {
            "towns": towns,
            "filed": sum(1 for t in towns if getattr(t, "target_plan", None)),
            "source": PLAN,
        },
    )


@login_required
def plan_detail(request, town_id):
    require(request.user, "targets.view", "查看镇街实施方案")
    town = _town(request, town_id)
    plan = plans.plan_of(town)
    year = timezone.localdate().year
    board = services.board(town, with_children=False)
    now = {line.measure.key: line.now for line in board.lines}
    rows = [(row, now.get(row.measure.key)) for row in plans.goal_rows(plan)]
    return render(
        request,
        "targets/plan_detail.html",
        {
            "town": town,
            "plan": plan,
            "rows": rows,
            "years": YEARS,
            "year": board.year or year,
            "run": board.run,
            "notes": plan.notes.select_related("author")[:100] if plan else [],
            "can_edit": can(request.user, "targets.plan"),
            "source": PLAN,
        },
    )


@login_required
def plan_edit(request, town_id):
    require(request.user, "targets.plan", "填报镇街实施方案")
    town = _town(request, town_id)
    plan = plans.plan_of(town)
    form = PlanForm(request.POST or None, initial=PlanForm.initial_for(plan))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plans.save_plan(
                request.user,
                town,
                title=data["title"],
                division_of_work=data["division_of_work"],
                safeguards=data["safeguards"],
                targets=form.targets(),
            )
        except plans.PlanRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            messages.success(request, "实施方案已保存")
            return redirect("targets:plan", town.pk)
    rows = [
        (row, [(cell, form.cell(row.measure.key, cell.year)) for cell in row.cells])
        for row in plans.goal_rows(plan)
    ]
    return render(
        request,
        "targets/plan_form.html",
        {"town": town, "plan": plan, "form": form, "rows": rows, "years": YEARS, "source": PLAN},
    )


@login_required
def note_create(request, town_id):
    require(request.user, "targets.plan", "填报实施方案推进情况")
    town = _town(request, town_id)
    if plans.plan_of(town) is None:
        messages.error(request, "本镇街尚未填报实施方案，请先填报方案")
        return redirect("targets:plan_edit", town.pk)
    form = NoteForm(request.POST or None, initial={"written_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            plans.add_note(request.user, town, **form.cleaned_data)
        except plans.PlanRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            messages.success(request, "推进情况已填报")
            return redirect("targets:plan", town.pk)
    return render(request, "targets/plan_note_form.html", {"town": town, "form": form})
