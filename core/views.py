from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from accounts.roles import can
from core import health, notification_rules, ops, uploads
from core import inbox as inbox_service
from core.forms import NotificationPreferenceForm
from core.models import NotificationPreference


@login_required
def inbox(request):
    """站内通知: newest first, by kind, all or unread only."""
    kind = request.GET.get("kind", "")
    unread = request.GET.get("unread") == "1"
    rows = inbox_service.notifications(request.user, kind, unread)
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "kinds": inbox_service.kinds(request.user),
        "kind": kind,
        "unread": unread,
        "query": query.urlencode(),
    }
    return render(request, "core/inbox.html", context)


@login_required
def inbox_open(request, pk):
    """Follow a notification: marked read, then to the page it names (the inbox without one)."""
    notification = inbox_service.mark_read(request.user, pk)
    return redirect(inbox_service.safe_link(notification.link) or "inbox")


@login_required
@require_POST
def inbox_read(request, pk):
    inbox_service.mark_read(request.user, pk)
    return redirect(_back_to_inbox(request))


@login_required
@require_POST
def inbox_read_all(request):
    inbox_service.mark_all_read(request.user, request.POST.get("kind", ""))
    return redirect(_back_to_inbox(request))


@login_required
def notification_settings(request):
    preference, _ = NotificationPreference.objects.get_or_create(user=request.user)
    form = NotificationPreferenceForm(request.POST or None, instance=preference, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "通知设置已保存")
        return redirect("notification_settings")
    return render(request, "core/notification_settings.html", {"form": form})


@login_required
def notification_rules_page(request):
    """通知规则: which kinds of event each app announces, and to whom (level and roles). It
    holds no data of anyone's, so every signed-in user may read it."""
    return render(request, "core/notification_rules.html", {"rules": notification_rules.rules()})


def _back_to_inbox(request):
    """Back to the inbox as it was filtered (the form posts its kind and unread)."""
    query = {key: request.POST[key] for key in ("kind", "unread") if request.POST.get(key)}
    return f"{reverse('inbox')}?{urlencode(query)}" if query else reverse("inbox")


def healthz(request):
    """For a load balancer or a monitor, no log-in: each check's result and time, 200 when all
    pass, 503 naming those that failed. `?check=database` (repeatable) asks only those."""
    asked = request.GET.getlist("check")
    unknown = sorted(set(asked) - set(health.CHECKS))
    if unknown:
        return JsonResponse(
            {"detail": f"未知的检查项：{'、'.join(unknown)}", "checks": sorted(health.CHECKS)},
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    results = health.run(asked or None)
    failed = [result for result in results if not result.ok]
    body = {
        "status": "fail" if failed else "ok",
        "checks": {result.key: result.as_dict() for result in results},
    }
    if failed:
        body["failed"] = [result.key for result in failed]
        body["detail"] = "；".join(f"{result.label}：{result.detail}" for result in failed)
    return JsonResponse(
        body, status=503 if failed else 200, json_dumps_params={"ensure_ascii": False}
    )


@login_required
def ops_page(request):
    """运行状况: the health checks, the slow statements and server errors of the last 24 hours
    and 7 days, and the last of each (core/ops.py), for the county administrator and the platform
    superuser."""
    user = request.user
    if not (user.is_superuser or can(user, "ops.view")):
        raise PermissionDenied("您的角色无权查看运行状况")
    context = {"checks": health.run(), **ops.summary()}
    return render(request, "core/ops.html", context)


def bad_request(request, exception=None):
    # Standalone (no base.html): a request refused this early (an unknown Host) has no user.
    # Django's own reasons are English and technical; ours are Chinese and are shown.
    reason = str(exception) if isinstance(exception, uploads.TamperedToken) else ""
    return render(request, "400.html", {"reason": reason}, status=400)


@login_required
def kept_photo(request, token):
    """A photo kept from a refused form (core.uploads), shown to the one who chose it."""
    try:
        name = uploads.kept([token], request.user)[0]
    except (ValidationError, uploads.TamperedToken):
        # Another user's, a changed or an expired token: no such photo for this user.
        raise Http404 from None
    return FileResponse(uploads.reopen(name))


CSRF_REFUSED = "请求未通过 CSRF 校验，请刷新页面后重试"


def csrf_failure(request, reason=""):
    """Django's CSRF refusal of a page, in Chinese (the API answers its own in anjian/api.py)."""
    return render(request, "403.html", {"reason": CSRF_REFUSED}, status=403)


def not_found(request, exception=None):
    return render(request, "404.html", status=404)


def forbidden(request, exception=None):
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def server_error(request):
    return render(request, "500.html", status=500)
