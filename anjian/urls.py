from django.contrib import admin
from django.urls import include, path

from anjian.api import api
from enforcement.public_urls import case_urlpatterns

urlpatterns = [
    path("", include("workbench.urls")),
    path("", include("core.urls")),
    path("", include("fieldwork.urls")),
    path("accounts/", include("accounts.urls")),
    path("enterprises/", include("enterprises.urls")),
    path("hazards/", include("hazards.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("grading/", include("grading.urls")),
    path("enforcement/", include("enforcement.urls")),
    path("accidents/", include("accidents.urls")),
    path("projects/", include("projects.urls")),
    path("reporting/", include("reporting.urls")),
    path("standardization/", include("standardization.urls")),
    path("public/benchmarks/", include("standardization.public_urls")),
    path("risks/", include("risks.urls")),
    path("rewards/", include("rewards.urls")),
    path("r/", include("rewards.public_urls")),
    path("certificates/", include("certificates.urls")),
    path("training/", include("training.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("experts/", include("experts.urls")),
    path("accident-warnings/", include("accident_warnings.urls")),
    path("public/draws/", include("enforcement.public_urls")),
    path("public/cases/", include(case_urlpatterns)),
    path("tips/", include("tips.urls")),
    path("exchange/", include("exchange.urls")),
    path("targets/", include("targets.urls")),
    path("public/tips/", include("tips.public_urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler400 = "core.views.bad_request"
handler404 = "core.views.not_found"
handler403 = "core.views.forbidden"
handler500 = "core.views.server_error"
