"""The one permission gate: "may this user do this to this object", answered once.

- A list: `Model.objects.for_user(user, action)`, the rows in scope, none for a role that may
  not (core.scoping.ScopedQuerySet); a page or endpoint that must say 403 calls
  `accounts.roles.require(user, action)` first.
- One object: `get_for_user(queryset, user, action, pk=...)`, missing or out of scope = Http404
  (never a 403 that confirms it exists), in scope but the role may not = PermissionDenied (403).
- Inside a service: `check(user, action, label, AppRefused)` raises the app's Refused (403).
- A service's refusal (core.errors.Refused): `refuse_on_page` turns it into the same answer on
  every page: 404 and 403 as such, anything else (409 state, 422 data) shown as its Chinese
  reason on the page it came from. The API answers Refused, Http404 and PermissionDenied in
  anjian/api.py with the same statuses and a JSON `detail`.

accounts.roles.PERMISSIONS is the only role table; no app defines a permission helper of its own.
"""

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Manager, Model, QuerySet
from django.http import Http404, HttpRequest

from accounts.roles import can, require
from core.errors import Refused
from core.scoping import ScopedQuerySet

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.forms import BaseForm

    from accounts.models import User


def get_for_user(
    queryset: "QuerySet[Any] | Manager[Any] | type[Model]",
    user: "User | AnonymousUser",
    action: str,
    label: str = "进行此操作",
    **lookup: Any,
) -> Any:
    """The one object `lookup` names, if it is in the user's scope (else Http404) and the
    user's role may take `action` (else PermissionDenied: the 403 page, or a JSON 403).
    `queryset` is a scoped model, its manager or a queryset of it."""
    if not isinstance(queryset, QuerySet):
        queryset = queryset._default_manager.all() if isinstance(queryset, type) else queryset.all()
    if not isinstance(queryset, ScopedQuerySet):
        raise TypeError(f"{queryset.model.__name__}: not a scoped model (no for_user)")
    obj = queryset.for_user(user).filter(**lookup).first()
    if obj is None:
        raise Http404
    require(user, action, label)
    return obj


def check(
    user: "User | AnonymousUser", action: str, label: str, refusal: type[Refused] = Refused
) -> None:
    """The role check inside a service: the app's Refused (403, "您的角色不能<label>") when
    the user's role may not take `action`."""
    if not can(user, action):
        raise refusal(f"您的角色不能{label}", 403)


def refuse_on_page(request: HttpRequest, exc: Refused, form: "BaseForm | None" = None) -> None:
    """A service's refusal on a page: 404 and 403 as such; a refused transition or bad data is
    its Chinese reason, on the form when there is one, else as a flash message on the page the
    view goes back to."""
    if exc.status == 404:
        raise Http404
    if exc.status == 403:
        raise PermissionDenied(str(exc))
    field = getattr(exc, "field", None)
    if form is not None:
        form.add_error(field if field in form.fields else None, str(exc))
    else:
        messages.error(request, str(exc))
