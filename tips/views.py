"""The public pages (no log-in, phone first): the tip form with its enterprise search, the
answer with the tracking code, the status by code. The bureau's pages: the list per town with
deadlines, a tip with its steps, the tipster's contact (county administrator, audited), the
statistics per town. Every bureau query starts at Tip.objects.for_user: out of scope = 404."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.lockout import client_ip
from accounts.roles import can, require
from core import workdays
from core.gate import refuse_on_page
from core.models import Jurisdiction
from tips import forms, services
from tips.models import Tip, TipPhoto
from tips.reference import ACCEPT, DEADLINES, REPLY, REWARD_RULES
from tips.services import TipRefused
from tips.states import AWAITING_REPLY, State

PAGE_SIZE = 30
SEARCH_REFUSED = "查询过于频繁，请稍后再试"


def search_allowed(request, term: str) -> bool:
    """The public enterprise search: at most settings.TIPS_SEARCHES_PER_MINUTE searches a
    minute per client address (counted in the cache, keyed by the address's keyed hash); a
    term too short to search (no query) is not counted."""
    limit = settings.TIPS_SEARCHES_PER_MINUTE
    if not limit or len(str(term or "").strip()) < services.MIN_SEARCH:
        return True
    minute = int(timezone.now().timestamp() // 60)
    key = f"tips:search:{services.client_key(client_ip(request))}:{minute}"
    cache.add(key, 0, 120)
    try:
        count = cache.incr(key)
    except ValueError:
        count = 1
    return count <= limit


# --- public -----------------------------------------------------------------------------------


def public_form(request):
    form = forms.TipForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            submission = services.submit(
                address=client_ip(request),
                what=data["what"],
                place=data["place"],
                enterprise_id=data["enterprise"],
                enterprise_text=data["enterprise_text"],
                anonymous=data["anonymous"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                photos=request.FILES.getlist("photos"),
            )
        except TipRefused as exc:
            status = 429 if exc.status == 429 else 422
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, str(exc))
        else:
            return render(
                request,
                "tips/public_done.html",
                {"code": submission.grouped_code, "tip": submission.tip},
            )
    elif request.method == "POST":
        status = 422
    chosen = None
    if form.is_bound and form.data.get("enterprise"):
        chosen = (
            services.searchable_enterprises()
            .filter(
                pk=form.data.get("enterprise") if str(form.data.get("enterprise")).isdigit() else 0
            )
            .values("pk", "name")
            .first()
        )
    return render(
        request,
        "tips/public_form.html",
        {"form": form, "chosen": chosen, "deadlines": DEADLINES},
        status=status,
    )


def public_search(request):
    """The fragment of enterprise choices for the form's search box (htmx)."""
    if not search_allowed(request, request.GET.get("q", "")):
        return render(request, "tips/_search.html", {"refused": SEARCH_REFUSED}, status=429)
    results = services.search(request.GET.get("q", ""))
    return render(request, "tips/_search.html", {"results": results, "q": request.GET.get("q", "")})


def public_status(request):
    """The tipster's view: the code is posted (not put in the address), and an unknown or a
    malformed code get the same page."""
    form = forms.StatusForm(request.POST or None)
    found, status, asked = None, 200, False
    if request.method == "POST" and form.is_valid():
        asked = True
        found = services.public_status(form.cleaned_data["code"])
        if found is None:
            status = 404
    return render(
        request,
        "tips/public_status.html",
        {"form": form, "found": found, "asked": asked},
        status=status,
    )


# --- the bureau -------------------------------------------------------------------------------


def _tip(request, pk, action="tip.view"):
    require(request.user, action, "查看群众举报")
    return get_object_or_404(
        Tip.objects.for_user(request.user).select_related(
            "enterprise", "jurisdiction", "hazard", "reward"
        ),
        pk=pk,
    )


@login_required
def tip_list(request):
    require(request.user, "tip.view", "查看群众举报")
    form = forms.TipFilterForm(request.user, request.GET or None)
    today = timezone.localdate()
    tips = form.apply(Tip.objects.for_user(request.user), today).select_related(
        "enterprise", "jurisdiction"
    )
    page = Paginator(tips, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "tips/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "today": today,
            "awaiting_reply": [str(s) for s in AWAITING_REPLY],
            "deadlines": DEADLINES,
        },
    )


@login_required
def detail(request, pk):
    tip = _tip(request, pk)
    return render(
        request,
        "tips/detail.html",
        {
            "tip": tip,
            "events": tip.events.select_related("actor"),
            "photos": tip.photos.all(),
            "actions": services.actions_for(request.user, tip),
            "can_contact": can(request.user, "tip.contact"),
            "can_handle": can(request.user, "tip.handle"),
            "can_decide": can(request.user, "tip.reward_decide"),
            "can_approve": can(request.user, "tip.reward_approve"),
            "can_pay": can(request.user, "tip.reward_pay"),
            "reward": getattr(tip, "reward", None),
            "reward_rules": REWARD_RULES,
            "today": timezone.localdate(),
            "provisional": workdays.is_provisional(tip.submitted_on, tip.reply_due),
            "deadlines": DEADLINES,
        },
    )


@login_required
def contact(request, pk):
    """The tipster's contact: a county administrator only; each view is audited."""
    tip = _tip(request, pk, "tip.contact")
    try:
        found = services.contact_of(request.user, tip)
    except TipRefused as exc:
        refuse_on_page(request, exc)
        return redirect("tips:detail", pk)
    return render(request, "tips/contact.html", {"tip": tip, "contact": found})


@login_required
def photo(request, pk):
    picture = get_object_or_404(
        TipPhoto.objects.filter(tip__in=Tip.objects.for_user(request.user, "tip.view")), pk=pk
    )
    try:
        return FileResponse(picture.image.open("rb"))
    except FileNotFoundError:
        raise Http404 from None


@login_required
@require_POST
def act(request, pk, action):
    _tip(request, pk)
    try:
        if action == "verify":
            services.verify(
                request.user, pk, request.POST.get("note"), request.POST.get("description")
            )
        elif action == "link":
            services.link_enterprise(request.user, pk, request.POST.get("enterprise"))
        elif action == "reward":
            services.decide_reward(
                request.user,
                pk,
                request.POST.get("rule"),
                request.POST.get("amount"),
                request.POST.get("note"),
            )
        elif action in ("approve", "pay"):
            services.advance_reward(request.user, pk, action)
        else:
            services.act(request.user, pk, action, request.POST.get("note"))
    except TipRefused as exc:
        refuse_on_page(request, exc)
    else:
        messages.success(request, "已保存")
    return redirect("tips:detail", pk)


@login_required
def statistics(request):
    """Per town: tips, waiting for acceptance, overdue acceptance and reply, verified, answered,
    rewards paid."""
    require(request.user, "tip.view", "查看群众举报统计")
    today = timezone.localdate()
    rows = (
        Tip.objects.for_user(request.user)
        .values("jurisdiction")
        .annotate(
            total=Count("pk"),
            waiting=Count("pk", filter=Q(state=State.SUBMITTED)),
            accept_overdue=Count("pk", filter=Q(state=State.SUBMITTED, accept_due__lt=today)),
            reply_overdue=Count("pk", filter=Q(state__in=AWAITING_REPLY, reply_due__lt=today)),
            verified=Count("pk", filter=Q(hazard__isnull=False)),
            replied=Count("pk", filter=Q(state__in=[State.REPLIED, State.NOT_ACCEPTED])),
            paid=Sum("reward__amount", filter=Q(reward__state="paid")),
        )
        .order_by("jurisdiction")
    )
    names = dict(
        Jurisdiction.objects.filter(pk__in=[r["jurisdiction"] for r in rows]).values_list(
            "pk", "name"
        )
    )
    rows = [{**row, "name": names.get(row["jurisdiction"], "")} for row in rows]
    return render(
        request,
        "tips/statistics.html",
        {"rows": rows, "accept": ACCEPT, "reply": REPLY, "today": today},
    )
