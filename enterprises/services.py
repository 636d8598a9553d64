"""Every change to an enterprise goes through here: authorize, save, and keep the audit actor
(django-auditlog records create/change rows with before and after values)."""

from auditlog.context import auditlog_value, set_actor
from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.roles import can
from enterprises.forms import EnterpriseForm
from enterprises.models import Enterprise


def _audit_as(user):
    """set_actor(user), keeping the client address AuditlogMiddleware took from the request: a
    bare set_actor replaces the request's audit context, and the entries would have no address.
    (The actor must be set here: an API request authenticated by token has no user yet when the
    middleware runs.)"""
    request_context = auditlog_value.get({})
    return set_actor(
        user,
        remote_addr=request_context.get("remote_addr"),
        remote_port=request_context.get("remote_port"),
    )


# Fields no form writes: they are derived by the app that owns them (standardization sets the
# grade from the rating that stands). A form loaded before such a change must not write the old
# value back, so the stored value is read under the row's lock just before saving.
DERIVED_FIELDS = ("standardization",)


def _keep_derived(instance: Enterprise) -> None:
    if instance.pk is None:
        return
    stored = (
        Enterprise.objects.select_for_update()
        .filter(pk=instance.pk)
        .values(*DERIVED_FIELDS)
        .first()
    )
    for field, value in (stored or {}).items():
        setattr(instance, field, value)


def save_enterprise(user, form: EnterpriseForm) -> Enterprise:
    """Save a validated form, creating or updating. The form must have been built for `user`."""
    creating = form.instance.pk is None
    if not can(user, "enterprise.create" if creating else "enterprise.edit"):
        raise PermissionDenied("您没有权限" + ("新增企业" if creating else "修改企业信息"))
    with transaction.atomic(), _audit_as(user):
        _keep_derived(form.instance)
        enterprise = form.save()
        # After saving, the object must still be in the user's scope (a town supervisor cannot
        # move an enterprise into another town and keep editing it).
        if not Enterprise.objects.for_user(user).filter(pk=enterprise.pk).exists():
            raise PermissionDenied("保存后的企业不在您的管辖范围内")
    return enterprise


def import_enterprises(user, upload):
    """Validate a spreadsheet and, only if every row is valid, save all of it in one
    transaction. Returns the ImportResult; raises spreadsheet.ImportRefused for a bad file."""
    from enterprises import spreadsheet

    if not can(user, "enterprise.import"):
        raise PermissionDenied("您没有权限导入企业")
    result = spreadsheet.read_import(user, upload)
    if result.errors:
        return result
    with transaction.atomic(), _audit_as(user):
        for form in result.forms:
            _keep_derived(form.instance)
            form.save()
    return result
