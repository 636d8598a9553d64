"""Pages of safety commitments: the list and the breaches in scope, a commitment with its
breaches and events, recording (an enterprise's managers), withdrawing, recording and revoking a
breach, and one enterprise's commitments for its page's tab. Lists ask for the permission first
(403); a page about one object finds it in the user's scope first (404), then asks (403)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts.roles import can, require
from core.gate import get_for_user, refuse_on_page
from enterprises.models import Enterprise
from reporting import forms, services
from reporting.kinds import KINDS, SHORT_LABELS, WORK_TYPES, CommitmentKind, default_content
from reporting.models import CommitmentBreach, SafetyCommitment

PAGE_SIZE = 50


def _page(request, queryset):
    query = request.GET.copy()
    query.pop("page", None)
    extra = f"&{query.urlencode()}" if query else ""
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page")), extra


@login_required
def commitment_list(request):
    user = request.user
    require(user, "commitment.view")
    form = forms.CommitmentFilterForm(user, request.GET or None)
    rows = (
        form.apply(SafetyCommitment.objects.for_user(user))
        .with_breach_count()
        .select_related("enterprise", "enterprise__jurisdiction")
        .order_by("-period_start", "-id")
    )
    page, extra = _page(request, rows)
    return render(
        request,
        "reporting/commitment_list.html",
        {
            "form": form,
            "page": page,
            "extra": extra,
            "can_record": can(user, "commitment.record"),
            "kinds": [(kind, SHORT_LABELS[kind]) for kind in KINDS],
            "today": timezone.localdate(),
        },
    )


def _commitment(user, pk):
    return get_object_or_404(
        SafetyCommitment.objects.for_user(user).select_related(
            "enterprise", "enterprise__jurisdiction", "recorded_by", "withdrawn_by"
        ),
        pk=pk,
    )


@login_required
def commitment_detail(request, pk):
    user = request.user
    commitment = _commitment(user, pk)
    require(user, "commitment.view")
    breaches = commitment.breaches.select_related("hazard", "recorded_by", "revoked_by")
    actions = services.available_actions(user, commitment)
    return render(
        request,
        "reporting/commitment_detail.html",
        {
            "commitment": commitment,
            "breaches": breaches,
            "events": commitment.events.select_related("actor", "breach"),
            "can_withdraw": "withdraw" in actions,
            "can_breach": "breach" in actions,
            "can_revoke": can(user, "commitment.revoke"),
        },
    )


@login_required
def commitment_create(request):
    user = request.user
    require(user, "commitment.record")
    enterprise = get_object_or_404(Enterprise.objects.for_user(user), pk=user.enterprise_id)
    kind = request.POST.get("kind") or request.GET.get("kind")
    form = forms.CommitmentForm(enterprise, request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            commitment = services.record(user, enterprise_id=enterprise.pk, **form.cleaned_data)
        except services.CommitmentRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            messages.success(request, f"已登记{commitment.title}")
            return redirect("reporting:commitment_detail", pk=commitment.pk)
    defaults = {kind: default_content(kind) for kind in KINDS}
    defaults.update(
        {
            f"{CommitmentKind.HIGH_RISK_WORK}:{work}": default_content(
                CommitmentKind.HIGH_RISK_WORK, work
            )
            for work in WORK_TYPES
        }
    )
    posts = {kind: rule.committer_post for kind, rule in KINDS.items()}
    return render(
        request,
        "reporting/commitment_form.html",
        {
            "form": form,
            "enterprise": enterprise,
            "kinds": [(kind, SHORT_LABELS[kind]) for kind in KINDS],
            "kind": form["kind"].value(),
            "defaults": defaults,
            "posts": posts,
        },
    )


@login_required
def commitment_withdraw(request, pk):
    user = request.user
    commitment = _commitment(user, pk)
    require(user, "commitment.record")
    form = forms.ReasonForm(request.POST or None, label="撤回理由")
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw(user, commitment.pk, reason=form.cleaned_data["reason"])
        except services.CommitmentRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            messages.success(request, "已撤回该承诺")
            return redirect("reporting:commitment_detail", pk=commitment.pk)
    return render(
        request,
        "reporting/reason_form.html",
        {
            "form": form,
            "commitment": commitment,
            "heading": "撤回安全承诺",
            "note": "承诺期开始前可以撤回（例如登记有误或已重新签订），撤回后记录仍保留。",
            "submit": "撤回承诺",
            "allowed": "withdraw" in services.available_actions(user, commitment),
        },
    )


@login_required
def breach_create(request, pk):
    user = request.user
    commitment = _commitment(user, pk)
    require(user, "commitment.breach")
    form = forms.BreachForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_breach(user, commitment.pk, **form.cleaned_data)
        except services.CommitmentRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            messages.success(request, "已记录违反承诺")
            return redirect("reporting:commitment_detail", pk=commitment.pk)
    return render(request, "reporting/breach_form.html", {"form": form, "commitment": commitment})


@login_required
def breach_revoke(request, pk):
    user = request.user
    breach = get_for_user(
        CommitmentBreach.objects.select_related("commitment", "enterprise"),
        user,
        "commitment.revoke",
        "撤销违反承诺记录",
        pk=pk,
    )
    form = forms.ReasonForm(request.POST or None, label="撤销理由")
    if request.method == "POST" and form.is_valid():
        try:
            services.revoke_breach(user, breach.pk, reason=form.cleaned_data["reason"])
        except services.CommitmentRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            messages.success(request, "已撤销该违反承诺记录，不再计入风险分级")
            return redirect("reporting:commitment_detail", pk=breach.commitment_id)
    return render(
        request,
        "reporting/reason_form.html",
        {
            "form": form,
            "commitment": breach.commitment,
            "breach": breach,
            "heading": "撤销违反承诺记录",
            "note": "仅用于撤销误记的违反承诺记录；撤销后记录仍保留，不再计入风险分级。",
            "submit": "撤销记录",
            "allowed": breach.revoked_at is None,
        },
    )


@login_required
def breach_list(request):
    user = request.user
    require(user, "commitment.view")
    form = forms.BreachFilterForm(user, request.GET or None)
    rows = (
        form.apply(CommitmentBreach.objects.for_user(user))
        .select_related("enterprise", "enterprise__jurisdiction", "commitment", "hazard")
        .order_by("-found_on", "-id")
    )
    page, extra = _page(request, rows)
    return render(
        request,
        "reporting/breach_list.html",
        {"form": form, "page": page, "extra": extra},
    )


@login_required
def enterprise_tab(request, pk):
    """One enterprise's commitments and breaches, for its page's tab (loaded by htmx)."""
    user = request.user
    enterprise = get_object_or_404(Enterprise.objects.for_user(user), pk=pk)
    require(user, "commitment.view")
    commitments = (
        SafetyCommitment.objects.for_user(user)
        .filter(enterprise=enterprise)
        .with_breach_count()
        .order_by("-period_start", "-id")[:50]
    )
    breaches = CommitmentBreach.objects.for_user(user).filter(enterprise=enterprise)
    return render(
        request,
        "reporting/_enterprise_tab.html",
        {
            "enterprise": enterprise,
            "commitments": commitments,
            "breaches": breaches.select_related(
                "commitment", "hazard", "recorded_by", "revoked_by"
            ).order_by("-found_on", "-id")[:50],
            "standing": breaches.standing().count(),
            "can_revoke": can(user, "commitment.revoke"),
            "can_record": can(user, "commitment.record") and user.enterprise_id == enterprise.pk,
            "today": timezone.localdate(),
        },
    )
