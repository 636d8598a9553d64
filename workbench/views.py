from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

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
    }
    return render(request, "workbench/home.html", context)
