"""The people an event about an enterprise may be announced to (<app>/notifications.py):
its managers, the town supervisors over it, the county supervisors over it."""

from accounts.roles import Role
from core.scoping import ancestor_paths


def _active():
    from accounts.models import User

    return User.objects.filter(is_active=True)


def managers(enterprise, roles=(Role.PRINCIPAL, Role.SAFETY_OFFICER)) -> list:
    """The enterprise's principal and safety officers (or the given enterprise roles)."""
    return list(_active().filter(role__in=roles, enterprise_id=enterprise.pk))


def town_supervisors(enterprise) -> list:
    return list(
        _active().filter(role=Role.TOWN_SUPERVISOR, jurisdiction_id=enterprise.jurisdiction_id)
    )


def county_supervisors(enterprise, roles=(Role.SUPERVISOR,)) -> list:
    """The supervisors whose jurisdiction contains the enterprise: the nodes on its scope path
    ("/1/4/17/" → "/1/", "/1/4/", "/1/4/17/"), not every county's."""
    return list(
        _active().filter(
            role__in=roles, jurisdiction__path__in=ancestor_paths(enterprise.scope_path)
        )
    )
