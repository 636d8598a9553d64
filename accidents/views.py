"""Accident pages: the list with filters, a record with its history, recording, correcting and
voiding, and the enterprise page's tab. Every query starts at AccidentCase.objects.for_user: a
record out of the user's scope is a 404; a role without "accident.view" (an employee) gets a
403 on every page, and one that may look but not record gets a 403 on the forms."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from accidents import forms, services
from accidents.models import AccidentCase
from accidents.services import AccidentRefused
from accounts.roles import can, require
from enterprises.models import Enterprise

PAGE_SIZE = 30
RELEVANT_EXTERNAL = 5  # external cases shown on an enterprise's tab


def _accident(user, pk) -> AccidentCase:
    return get_object_or_404(
        AccidentCase.objects.for_user(user).select_related(
            "enterprise", "enterprise__jurisdiction", "recorded_by", "voided_by"
        ),
        pk=pk,
    )


def _changeable(request, pk):
    """The record if the user may correct or void it now; else the refusal: 404 out of scope,
    403 for the role (or an external case for a town), back to the record if it is voided."""
    require(request.user, "accident.view")
    accident = _accident(request.user, pk)
    try:
        services.authorize_change(request.user, accident)
    except AccidentRefused as exc:
        if exc.status == 404:
            raise Http404 from None
        if exc.status == 403:
            raise PermissionDenied(str(exc)) from None
        messages.error(request, str(exc))
        return accident, redirect("accidents:detail", pk=accident.pk)
    return accident, None


def _attach(form, exc: AccidentRefused):
    """A service refusal shown on the form, beside the field at fault where there is one."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc))


@login_required
def accident_list(request):
    require(request.user, "accident.view")
    form = forms.AccidentFilterForm(request.user, request.GET or None)
    accidents = (
        form.apply(AccidentCase.objects.for_user(request.user))
        .select_related("enterprise", "enterprise__jurisdiction")
        .order_by("-occurred_at", "-id")
    )
    page = Paginator(accidents, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accidents/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_record": can(request.user, "accident.record"),
        },
    )


@login_required
def detail(request, pk):
    require(request.user, "accident.view")
    accident = _accident(request.user, pk)
    return render(
        request,
        "accidents/detail.html",
        {
            "accident": accident,
            "tags": accident.sector_tags.all(),
            "process_kinds": accident.process_kinds.all(),
            "events": accident.events.select_related("actor"),
            "actions": services.available_actions(request.user, accident),
            # Accident warnings (seed task 21) are issued from the case.
            "can_warn": can(request.user, "accident_warning.issue"),
        },
    )


@login_required
def create(request):
    require(request.user, "accident.record")
    initial = {"source": "local"}
    wanted = request.GET.get("enterprise", "")
    if wanted.isdigit():
        initial["enterprise"] = wanted
    form = forms.AccidentForm(request.user, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            accident = services.record(request.user, form.service_data())
        except AccidentRefused as exc:
            _attach(form, exc)
        else:
            messages.success(request, f"事故已登记（{accident.get_level_display()}）")
            return redirect("accidents:detail", pk=accident.pk)
    return render(request, "accidents/form.html", {"form": form, "accident": None})


@login_required
def edit(request, pk):
    accident, refused = _changeable(request, pk)
    if refused:
        return refused
    form = forms.AccidentForm(request.user, request.POST or None, accident=accident)
    if request.method == "POST" and form.is_valid():
        try:
            corrected = services.correct(
                request.user, accident, form.service_data(), note=form.cleaned_data["note"]
            )
        except AccidentRefused as exc:
            _attach(form, exc)
        else:
            changed = corrected.updated_at != accident.updated_at
            messages.success(request, "事故记录已更正" if changed else "没有修改任何内容")
            return redirect("accidents:detail", pk=accident.pk)
    return render(request, "accidents/form.html", {"form": form, "accident": accident})


@login_required
def void(request, pk):
    accident, refused = _changeable(request, pk)
    if refused:
        return refused
    form = forms.VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.void(request.user, accident, form.cleaned_data["reason"])
        except AccidentRefused as exc:
            _attach(form, exc)
        else:
            messages.success(request, "事故记录已作废，不再计入企业风险分级")
            return redirect("accidents:detail", pk=accident.pk)
    return render(request, "accidents/void.html", {"form": form, "accident": accident})


@login_required
def enterprise_tab(request, pk):
    """One enterprise's accidents, and the typical cases elsewhere that concern it (same
    industry or key sector), for the enterprise page (loaded by htmx)."""
    require(request.user, "accident.view")
    enterprise = get_object_or_404(Enterprise.objects.for_user(request.user), pk=pk)
    visible = AccidentCase.objects.for_user(request.user)
    return render(
        request,
        "accidents/_enterprise_tab.html",
        {
            "enterprise": enterprise,
            "accidents": visible.filter(enterprise=enterprise).order_by("-occurred_at", "-id"),
            "relevant": visible.relevant_to(enterprise).order_by("-occurred_at", "-id")[
                :RELEVANT_EXTERNAL
            ],
            "can_record": can(request.user, "accident.record"),
        },
    )
