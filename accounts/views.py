from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import services
from accounts.models import ApiToken
from accounts.roles import require

TOKENS_LABEL = "使用接口令牌"


@login_required
def tokens(request):
    require(request.user, "api.use", TOKENS_LABEL)
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
    require(request.user, "api.use", TOKENS_LABEL)
    try:
        services.revoke_token(request.user, pk)
    except ApiToken.DoesNotExist:
        raise Http404 from None
    messages.success(request, "令牌已撤销")
    return redirect("tokens")
