from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render

from accounts.roles import can


@login_required
def home(request):
    user = request.user
    if can(user, "enterprise.list"):
        return redirect("enterprises:list")
    if user.enterprise_id:
        return redirect("enterprises:detail", pk=user.enterprise_id)
    if user.is_superuser and not user.role:
        # The platform's superuser holds no county role: the admin is their page.
        return redirect("admin:index")
    return render(request, "core/home.html")


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})


def bad_request(request, exception=None):
    # Standalone (no base.html): a request refused this early (an unknown Host) has no user.
    return render(request, "400.html", status=400)


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
