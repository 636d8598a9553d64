"""Pages of field work without signal: the offline page (离线检查), the service worker at the
site's root and the web app manifest."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from accounts.roles import can, require
from enterprises.models import Enterprise
from fieldwork import services

# What the offline page needs to run without signal: cached by 离线准备 along with the page.
OFFLINE_ASSETS = [
    "vendor/bootstrap/css/bootstrap.min.css",
    "vendor/bootstrap-icons/bootstrap-icons.min.css",
    "vendor/bootstrap-icons/fonts/bootstrap-icons.woff2",
    "css/anjian.css",
    "vendor/htmx/htmx.min.js",
    "js/anjian.js",
    "vendor/bootstrap/js/bootstrap.bundle.min.js",
    "js/offline-sync.js",
    "js/offline.js",
    "img/favicon.svg",
    "img/icon-192.png",
    "img/icon-512.png",
]
# A staff user chooses the enterprise to prepare from a list this long at most (by name).
CHOICES_MAX = 2000


@login_required
def offline(request):
    require(request.user, "fieldwork.use")
    user = request.user
    enterprises = Enterprise.objects.for_user(user)
    if user.enterprise_id:
        enterprises = enterprises.filter(pk=user.enterprise_id)
    choices = list(enterprises.order_by("name").values_list("pk", "name")[:CHOICES_MAX])
    assets = [static(path) for path in OFFLINE_ASSETS]
    return render(
        request,
        "fieldwork/offline.html",
        {
            "choices": choices,
            "truncated": len(choices) == CHOICES_MAX,
            "assets": " ".join([request.path, "/manifest.webmanifest", *assets]),
            "may_inspect": services.may_inspect(user),
            "may_self_check": can(user, "self_inspection.record"),
        },
    )


@require_GET
def service_worker(request):
    """The service worker, served from the root so that its scope is the whole site."""
    body = render_to_string("fieldwork/sw.js", request=request)
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    # A new version is picked up on the next visit.
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request):
    """The web app manifest: installable on a phone's home screen, opening the offline page."""
    body = {
        "name": "安监",
        "short_name": "安监",
        "description": "工贸企业安全生产监管平台",
        "lang": "zh-Hans",
        "start_url": "/offline/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1f4e79",
        "icons": [
            {"src": static("img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("img/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response
