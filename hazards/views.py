from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.roles import can, require
from core.gate import refuse_on_page
from core.http import xlsx_response
from core.pagination import SEARCH_COUNT_LIMIT, IdFirstPaginator
from core.uploads import KeepsPhotos
from enterprises.choices import Industry
from enterprises.models import Enterprise, SectorTag
from hazards import board, duties, export, forms, services
from hazards.models import Answer, Hazard, HazardPhoto, MajorHazardCriterion, SelfInspection
from hazards.transitions import TRANSITIONS, ZERO_OUT

PAGE_SIZE = 50


def _ledger_queryset(request):
    form = forms.LedgerFilterForm(request.user, request.GET or None)
    return form, form.apply(Hazard.objects.for_user(request.user))


def _first_ids(queryset) -> int:
    """How many ids the ledger's first page reads (see IdFirstPaginator).

    SQLite walks the ledger order for every query, a count included: up to 1,000 ids spare it a
    second walk whenever fewer match. PostgreSQL walks it for a wide scope only, where every id
    read past the page costs a table row (a province-wide search): four pages and one id. With
    fewer, its planner would walk the order for a county's search too, where starting from the
    county's enterprises is several times faster."""
    if connections[queryset.db].vendor == "sqlite":
        return IdFirstPaginator.FIRST_IDS
    return 4 * PAGE_SIZE + 1


@login_required
def ledger(request):
    require(request.user, "hazard.list")
    form, queryset = _ledger_queryset(request)
    queryset = queryset.select_related("enterprise", "enterprise__jurisdiction", "criterion")
    # A search counts up to SEARCH_COUNT_LIMIT matches ("1,000+"): a common term's are many.
    limit = SEARCH_COUNT_LIMIT if form.is_bound and form.cleaned_data.get("q") else None
    paginator = IdFirstPaginator(
        queryset, PAGE_SIZE, first_ids=_first_ids(queryset), count_limit=limit
    )
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    htmx = bool(request.headers.get("HX-Request"))
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "htmx": htmx,
        "can_export": can(request.user, "hazard.export"),
        "can_report": can(request.user, "hazard.report"),
    }
    return render(request, "hazards/_table.html" if htmx else "hazards/ledger.html", context)


def _actions(user, hazard, bound=None):
    """The actions this user may take on this hazard now, each with an empty form, or with
    `bound` (the form just refused, with what was typed and the photos kept) for its action."""
    bound = bound or {}
    return [
        (name, TRANSITIONS[name].label, bound.get(name) or _form_for(name, hazard, user=user))
        for name in services.available_actions(user, hazard)
    ]


def _form_for(name, hazard, data=None, files=None, user=None):
    initial = {}
    if name == "plan":
        initial = {
            "owner": hazard.owner,
            "measures": hazard.measures,
            "funds": hazard.funds,
            "deadline": hazard.deadline,
            "contingency_plan": hazard.contingency_plan,
            "zero_out_reason": hazard.zero_out_reason,
        }
    form_class = ACTION_FORMS[name][0]
    kwargs = {"hazard": hazard} if form_class is forms.JudgeForm else {}
    if issubclass(form_class, KeepsPhotos):
        kwargs["uploader"] = user
    return form_class(data, files, initial=initial, **kwargs)


def _decide_extension(user, hazard, data):
    # A stale page (the request already decided) or a hand-made POST has nothing to decide.
    if hazard.pending_extension is None:
        raise services.TransitionRefused("没有待审批的延期申请")
    return services.decide_extension(user, hazard.pending_extension.pk, **data)


ACTION_FORMS = {
    "confirm": (forms.NoteForm, lambda u, h, d: services.confirm(u, h.pk, d["note"])),
    "reject": (forms.ReasonForm, lambda u, h, d: services.reject(u, h.pk, d["reason"])),
    "plan": (forms.PlanForm, lambda u, h, d: services.plan(u, h.pk, **d)),
    "start": (forms.NoteForm, lambda u, h, d: services.start(u, h.pk, d["note"])),
    "submit": (
        forms.SubmitForm,
        lambda u, h, d: services.submit(u, h.pk, d["evidence"], photos=d["photos"]),
    ),
    "close": (forms.NoteForm, lambda u, h, d: services.close(u, h.pk, d["note"])),
    "return": (forms.ReasonForm, lambda u, h, d: services.send_back(u, h.pk, d["reason"])),
    "request_extension": (
        forms.ExtensionForm,
        lambda u, h, d: services.request_extension(u, h.pk, **d),
    ),
    "decide_extension": (
        forms.DecideExtensionForm,
        lambda u, h, d: _decide_extension(u, h, d),
    ),
    "judge_major": (
        forms.JudgeForm,
        lambda u, h, d: services.judge_major(
            u,
            h.pk,
            is_major=d["is_major"],
            criterion_id=d["criterion"].pk if d["criterion"] else None,
            reason=d["reason"],
        ),
    ),
    "list": (forms.ListForm, lambda u, h, d: services.list_for_supervision(u, h.pk, **d)),
    "suspend": (forms.SuspendForm, lambda u, h, d: services.suspend(u, h.pk, **d)),
}


def _hazard(user, pk):
    hazard = get_object_or_404(
        Hazard.objects.for_user(user).select_related(
            "enterprise", "enterprise__jurisdiction", "criterion", "closed_by", "submitted_by"
        ),
        pk=pk,
    )
    hazard.pending_extension = hazard.extensions.filter(approved__isnull=True).first()
    return hazard


@login_required
def detail(request, pk):
    return _detail_page(request, _hazard(request.user, pk))


def _detail_page(request, hazard, bound=None):
    return render(
        request,
        "hazards/detail.html",
        {
            "hazard": hazard,
            "events": hazard.events.select_related("actor"),
            "photos": hazard.photos.all(),
            "extensions": hazard.extensions.select_related("requested_by", "decided_by"),
            "actions": _actions(request.user, hazard, bound),
            "next_step": services.next_step(hazard),
            "overdue": hazard.is_overdue(),
            "zero_out_overdue": hazard.is_zero_out_overdue(),
            "deadline_provisional": hazard.deadline_provisional(),
        },
    )


@login_required
@require_POST
def act(request, pk, action):
    if action not in ACTION_FORMS:
        raise Http404
    hazard = _hazard(request.user, pk)
    form = _form_for(action, hazard, request.POST, request.FILES, user=request.user)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}：{'；'.join(errors)}" if label else "；".join(errors))
        return _refused_form(request, hazard, action, form)
    try:
        ACTION_FORMS[action][1](request.user, hazard, form.cleaned_data)
    except services.TransitionRefused as exc:
        refuse_on_page(request, exc)
        return _refused_form(request, hazard, action, form)
    messages.success(request, f"已{TRANSITIONS[action].label}")
    if isinstance(form, KeepsPhotos):
        form.photos_stored()
    return redirect("hazards:detail", pk=hazard.pk)


def _refused_form(request, hazard, action, form):
    """The detail page again with the refused form as it was filled in (and its photos kept),
    when the action is still the user's to take; else back to the page (the hazard moved on)."""
    hazard = _hazard(request.user, hazard.pk)
    if action not in services.available_actions(request.user, hazard):
        return redirect("hazards:detail", pk=hazard.pk)
    if isinstance(form, KeepsPhotos):
        form.keep_photos()
    return _detail_page(request, hazard, {action: form})


@login_required
def report(request):
    require(request.user, "hazard.report", "登记隐患")
    enterprise = None
    enterprise_id = request.GET.get("enterprise") or request.POST.get("enterprise")
    if request.user.enterprise_id:
        enterprise_id = request.user.enterprise_id
    if enterprise_id:
        try:
            enterprise = Enterprise.objects.for_user(request.user).get(pk=int(enterprise_id))
        except (Enterprise.DoesNotExist, ValueError):
            raise Http404 from None
    form = forms.ReportForm(
        request.user, request.POST or None, request.FILES or None, enterprise=enterprise
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            hazard = services.report(
                request.user,
                data["enterprise"].pk,
                source=data["source"],
                description=data["description"],
                place=data["place"],
                found_on=data["found_on"],
                found_by=data["found_by"],
                criterion_id=data["criterion"].pk if data["criterion"] else None,
                photos=data["photos"],
            )
        except services.TransitionRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            form.photos_stored()
            messages.success(request, "隐患已登记")
            return redirect("hazards:detail", pk=hazard.pk)
    if request.method == "POST":
        form.keep_photos()
    return render(request, "hazards/report.html", {"form": form, "enterprise": enterprise})


@login_required
def criteria(request):
    require(request.user, "criteria.view")
    industry = request.GET.get("industry", "")
    tag = request.GET.get("tag", "")
    items = MajorHazardCriterion.objects.filter(active=True).select_related("sector_tag")
    if industry in Industry.values:
        items = items.filter(scope__in=["all", "monitoring"]) | items.filter(industry=industry)
    if tag:
        items = items.filter(sector_tag_id=tag)
    return render(
        request,
        "hazards/criteria.html",
        {
            "items": items.order_by("article", "item"),
            "industries": Industry.choices,
            "tags": SectorTag.objects.filter(criteria__isnull=False).distinct(),
            "industry": industry,
            "tag": tag,
        },
    )


@login_required
def ledger_export(request):
    require(request.user, "hazard.export")
    _, queryset = _ledger_queryset(request)
    today = timezone.localdate()
    return xlsx_response(export.workbook(queryset, today), f"隐患台账-{today:%Y%m%d}.xlsx")


@login_required
def zero_out(request):
    require(request.user, "hazard.board")
    data = board.build(request.user)
    chart = {
        "towns": [row.name for row in data.towns],
        "overdue": [row.overdue for row in data.towns],
        "in_time": [row.open_majors - row.overdue for row in data.towns],
        "closed": [row.closed_this_year for row in data.towns],
    }
    return render(
        request, "hazards/zero_out.html", {"board": data, "chart": chart, "rule": ZERO_OUT}
    )


# --- self-inspection and principal-led check duties --------------------------------------------


@login_required
def self_inspections(request):
    # Out of an employee's scope altogether, like a record outside it: a 404.
    if not can(request.user, "self_inspection.view"):
        raise Http404
    inspections = (
        SelfInspection.objects.for_user(request.user)
        .select_related("enterprise", "enterprise__jurisdiction")
        .annotate(hazard_count=Count("items", filter=Q(items__answer=Answer.HAZARD)))
        .order_by("-checked_on", "-id")
    )
    page = Paginator(inspections, PAGE_SIZE).get_page(request.GET.get("page"))
    own = None
    if request.user.enterprise_id:
        enterprise = Enterprise.objects.for_user(request.user).filter(pk=request.user.enterprise_id)
        own = next(iter(duties.statuses(enterprise, timezone.localdate())), None)
    return render(
        request,
        "hazards/self_inspections.html",
        {
            "page": page,
            "own": own,
            "can_record": can(request.user, "self_inspection.record"),
        },
    )


@login_required
def self_inspection_detail(request, pk):
    inspection = get_object_or_404(
        SelfInspection.objects.for_user(request.user).select_related("enterprise", "recorded_by"),
        pk=pk,
    )
    items = inspection.items.select_related("criterion", "hazard").order_by(
        "criterion__article", "criterion__item"
    )
    return render(
        request,
        "hazards/self_inspection_detail.html",
        {"inspection": inspection, "items": items},
    )


@login_required
def self_inspection_new(request):
    require(request.user, "self_inspection.record", "记录自查")
    enterprise = get_object_or_404(
        Enterprise.objects.for_user(request.user), pk=request.user.enterprise_id
    )
    checklist = list(MajorHazardCriterion.objects.for_enterprise(enterprise))
    form = forms.SelfInspectionForm(request.POST or None, user=request.user)
    answers = {}
    if request.method == "POST":
        answers = {
            c.pk: (request.POST.get(f"answer_{c.pk}", ""), request.POST.get(f"note_{c.pk}", ""))
            for c in checklist
            if request.POST.get(f"answer_{c.pk}")
        }
        if form.is_valid():
            data = form.cleaned_data
            try:
                inspection = services.record_self_inspection(
                    request.user, enterprise.pk, answers=answers, **data
                )
            except services.TransitionRefused as exc:
                refuse_on_page(request, exc, form)
            else:
                found = inspection.items.filter(answer=Answer.HAZARD).count()
                messages.success(
                    request, f"自查已记录，发现重大事故隐患 {found} 项，已登记到隐患台账"
                )
                return redirect("hazards:self_inspection", pk=inspection.pk)
    rows = [(c, *answers.get(c.pk, ("", ""))) for c in checklist]
    return render(
        request,
        "hazards/self_inspection_form.html",
        {"form": form, "rows": rows, "enterprise": enterprise, "choices": Answer.choices},
    )


@login_required
def duty_board(request):
    """Which enterprises have not had this period's principal-led check, per town."""
    require(request.user, "hazard.board")
    today = timezone.localdate()
    statuses = duties.for_user(request.user, today)
    towns: dict[str, list] = {}
    for status in statuses:
        towns.setdefault(status.town, []).append(status)
    summary = [
        (town, len(rows), sum(1 for r in rows if not r.done), [r for r in rows if not r.done])
        for town, rows in towns.items()
    ]
    return render(
        request,
        "hazards/duties.html",
        {
            "summary": summary,
            "total": len(statuses),
            "missing": sum(1 for s in statuses if not s.done),
            "today": today,
            "month_label": duties.period_label(today, 1),
            "quarter_label": duties.period_label(today, 3),
        },
    )


@login_required
def photo(request, pk):
    """A hazard's photo, served only to those who may see the hazard (photos are evidence
    about an enterprise, not public files)."""
    picture = get_object_or_404(
        HazardPhoto.objects.filter(hazard__in=Hazard.objects.for_user(request.user)), pk=pk
    )
    try:
        return FileResponse(picture.image.open("rb"))
    except FileNotFoundError:
        raise Http404 from None
