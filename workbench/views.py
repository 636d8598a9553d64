from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from accounts.roles import can
from workbench import items


@login_required
def home(request):
    """Every role lands here: what is theirs to do now (the platform superuser, who holds no
    county role, lands on the admin)."""
    user = request.user
    if user.is_superuser and not user.role:
        return redirect("admin:index")
    context = {
        "items": items.items_for(user),
        "overview": items.overview(user),
        "card": items.enterprise_card(user),
        # An enterprise's people report what they find from here (an employee's QR code
        # leads to the same form).
        "perms_report": bool(user.enterprise_id) and can(user, "hazard.report"),
    }
    return render(request, "workbench/home.html", context)
