from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import services
from accounts.models import ApiToken


@login_required
def tokens(request):
    new_key = None
    if request.method == "POST":
        try:
            _, new_key = services.create_token(
                request.user, request.POST.get("name", ""), request.POST.get("lifetime", "")
            )
        except ValueError as exc:
            messages.error(request, str(exc))
    return render(
        request,
        "accounts/tokens.html",
        {
            "tokens": ApiToken.objects.for_user(request.user),
            "new_key": new_key,
            "lifetimes": services.TOKEN_LIFETIME_LABELS.items(),
        },
    )


@login_required
@require_POST
def revoke_token(request, pk):
    try:
        services.revoke_token(request.user, pk)
    except ApiToken.DoesNotExist:
        raise Http404 from None
    messages.success(request, "令牌已撤销")
    return redirect("tokens")
