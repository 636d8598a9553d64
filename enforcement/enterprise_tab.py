"""The enterprise page's 执法检查 tab."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.shortcuts import render

from accounts.roles import can
from enforcement.models import (
    AssignmentInspector,
    Draw,
    DrawAssignment,
    Inspection,
    InspectionDocument,
    Penalty,
    Result,
)
from enforcement.pages import get_or_404
from enterprises.models import Enterprise

# --- an enterprise's enforcement (its page's tab) ------------------------------------------------

# Rows per section on the tab; the lists and the API have the rest.
TAB_ROWS = 20


@login_required
def enterprise_tab(request, pk):
    """The enterprise page's 执法检查 tab (loaded into it by HTMX): its inspections with their
    documents, its penalty cases and the random draws it was picked in, each section only for a
    role that may see it and each row through the scoping gate. An enterprise outside the
    user's scope is a 404; a role that may see none of the three, a 403."""
    user = request.user
    shown = {
        "inspections": can(user, "inspection.view"),
        "penalties": can(user, "penalty.view"),
        "draws": can(user, "draw.view"),
    }
    if not any(shown.values()):
        raise PermissionDenied("您的角色无权查看执法检查信息")
    enterprise = get_or_404(Enterprise.objects.for_user(user), pk)
    context = {"enterprise": enterprise, "shown": shown, "limit": TAB_ROWS}
    if shown["inspections"]:
        rows = (
            Inspection.objects.for_user(user)
            .filter(enterprise=enterprise)
            .annotate(wanting=Count("answers", filter=Q(answers__result=Result.NOT_COMPLIANT)))
            .prefetch_related(
                Prefetch(
                    "documents",
                    queryset=InspectionDocument.objects.for_user(user).order_by("issued_at", "id"),
                    to_attr="visible_documents",
                )
            )
            .order_by("-inspected_on", "-id")
        )
        context["inspections"] = rows[:TAB_ROWS]
        context["inspection_count"] = rows.count()
        context["can_inspect"] = can(user, "inspection.manage")
    if shown["penalties"]:
        rows = (
            Penalty.objects.for_user(user)
            .filter(enterprise=enterprise)
            .select_related("state")
            .order_by("-filed_on", "-id")
        )
        context["penalties"] = rows[:TAB_ROWS]
        context["penalty_count"] = rows.count()
    if shown["draws"]:
        rows = (
            DrawAssignment.objects.for_user(user)
            .filter(enterprise=enterprise, draw__in=Draw.objects.for_user(user))
            .select_related("draw")
            .prefetch_related(
                Prefetch(
                    "inspector_rows",
                    queryset=AssignmentInspector.objects.select_related("inspector").order_by(
                        "position"
                    ),
                )
            )
            .order_by("-draw__drawn_at", "-id")
        )
        context["draws"] = rows[:TAB_ROWS]
        context["draw_count"] = rows.count()
    return render(request, "enforcement/_enterprise_tab.html", context)
