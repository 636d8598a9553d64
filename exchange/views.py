"""The county administrator's pages: the subscribers with their state and every delivery
attempt, the platforms above that push tasks and the tasks received. Thin: every change is a
service call (exchange.services); every query starts at for_user, so out of scope is a 404."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.roles import require
from core.gate import get_for_user, refuse_on_page
from exchange import forms, outbox, services
from exchange.models import InboundPlatform, InboundTask, Kind, Subscriber

ACTION = "exchange.manage"
ATTEMPTS_SHOWN = 50


@login_required
def index(request):
    require(request.user, ACTION, "管理数据交换")
    platforms = InboundPlatform.objects.for_user(request.user, ACTION)
    context = {
        "subscribers": Subscriber.objects.for_user(request.user, ACTION).select_related(
            "jurisdiction"
        ),
        "platforms": platforms.select_related("jurisdiction"),
        "tasks": InboundTask.objects.filter(platform__in=platforms)
        .select_related("platform", "campaign")
        .order_by("-received_at", "-id")[:50],
        "last_cursor": outbox.last(),
    }
    return render(request, "exchange/index.html", context)


@login_required
def subscriber_new(request):
    require(request.user, ACTION, "管理数据交换")
    form = forms.SubscriberForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            subscriber, secret = services.create_subscriber(
                request.user,
                name=data["name"],
                url=data["url"],
                kinds=data["kinds"],
                adapter=data["adapter"],
                jurisdiction_id=data["jurisdiction"].pk,
            )
        except services.ExchangeRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            return render(
                request, "exchange/secret.html", {"subscriber": subscriber, "secret": secret}
            )
    status = 422 if request.method == "POST" else 200
    return render(request, "exchange/subscriber_form.html", {"form": form}, status=status)


@login_required
def subscriber(request, pk):
    found = get_for_user(Subscriber, request.user, ACTION, "管理数据交换", pk=pk)
    initial = {
        "name": found.name,
        "url": found.url,
        "kinds": found.kinds,
        "active": found.active,
        "adapter": json.dumps(found.adapter, ensure_ascii=False, indent=2) if found.adapter else "",
    }
    form = forms.SubscriberForm(
        request.POST or None, initial=initial, user=request.user, editing=True
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.edit_subscriber(
                request.user,
                found.pk,
                name=data["name"],
                url=data["url"],
                kinds=data["kinds"],
                adapter=data["adapter"],
                active=data["active"],
            )
        except services.ExchangeRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            messages.success(request, "已保存")
            return redirect("exchange:subscriber", found.pk)
    context = {
        "subscriber": found,
        "form": form,
        "replay_form": forms.ReplayForm(initial={"cursor": 0}),
        "attempts": found.attempts.all()[:ATTEMPTS_SHOWN],
        "kind_labels": [Kind(k).label for k in found.kinds if k in Kind.values],
        "last_cursor": outbox.last(),
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "exchange/subscriber.html", context, status=status)


@login_required
@require_POST
def subscriber_replay(request, pk):
    found = get_for_user(Subscriber, request.user, ACTION, "管理数据交换", pk=pk)
    form = forms.ReplayForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写有效的游标")
    else:
        try:
            services.replay(request.user, found.pk, form.cleaned_data["cursor"])
        except services.ExchangeRefused as exc:
            refuse_on_page(request, exc)
        else:
            messages.success(request, "已设置重发，将在下一次推送时从该游标之后发送")
    return redirect("exchange:subscriber", found.pk)


@login_required
@require_POST
def subscriber_secret(request, pk):
    found = get_for_user(Subscriber, request.user, ACTION, "管理数据交换", pk=pk)
    try:
        subscriber, secret = services.regenerate_secret(request.user, found.pk)
    except services.ExchangeRefused as exc:
        refuse_on_page(request, exc)
        return redirect("exchange:subscriber", found.pk)
    context = {"subscriber": subscriber, "secret": secret, "regenerated": True}
    return render(request, "exchange/secret.html", context)


@login_required
def platform_new(request):
    require(request.user, ACTION, "管理数据交换")
    form = forms.PlatformForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            platform, token = services.register_platform(
                request.user,
                name=form.cleaned_data["name"],
                jurisdiction_id=form.cleaned_data["jurisdiction"].pk,
            )
        except services.ExchangeRefused as exc:
            refuse_on_page(request, exc, form)
        else:
            return render(request, "exchange/token.html", {"platform": platform, "token": token})
    status = 422 if request.method == "POST" else 200
    return render(request, "exchange/platform_form.html", {"form": form}, status=status)


@login_required
@require_POST
def platform_toggle(request, pk):
    found = get_for_user(InboundPlatform, request.user, ACTION, "管理数据交换", pk=pk)
    services.set_platform_active(request.user, found.pk, not found.active)
    messages.success(request, "已启用" if not found.active else "已停用")
    return redirect("exchange:index")
