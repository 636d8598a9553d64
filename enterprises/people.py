"""The people an event about an enterprise may be announced to (<app>/notifications.py), as
data: each app names, per kind of event it announces, a tuple of Audiences (a level of the
jurisdiction tree and the roles heard there) in one table, RECIPIENTS, and asks `audience()`
for the users. Escalations go up the tree: the enterprise's own people, the supervisors of
its town, then those of every jurisdiction above it.

The levels:
- enterprise: the enterprise's own users of those roles;
- town: the users of those roles at the enterprise's town (its jurisdiction);
- county: the users of those roles at any node on the enterprise's scope path ("/1/4/17/" →
  "/1/", "/1/4/", "/1/4/17/"): the county over it, never another county's;
- requester: the person the event answers (a request's requester, a report's reporter), whom
  the app names
  (`requester=`), whatever their role."""

from dataclasses import dataclass

from django.db.models import Q

from accounts.roles import Role
from core.scoping import ancestor_paths

ENTERPRISE, TOWN, COUNTY, REQUESTER = "enterprise", "town", "county", "requester"
LEVELS = {
    ENTERPRISE: "本企业",
    TOWN: "所在镇街/开发区",
    COUNTY: "县局（企业所属区划及其上级）",
    REQUESTER: "申请人或登记人本人",
}

# The enterprise's managers: its principal and safety officers.
MANAGERS = (Role.PRINCIPAL, Role.SAFETY_OFFICER)


@dataclass(frozen=True)
class Audience:
    """Who hears of an event at one level of the tree: the users of `roles` there."""

    level: str
    roles: tuple[str, ...] = ()

    def __post_init__(self):
        if self.level not in LEVELS:
            raise ValueError(f"unknown audience level {self.level!r}")
        # A frozenset of roles (PERMISSIONS' values) is kept in a stable order.
        order = list(Role)
        object.__setattr__(self, "roles", tuple(sorted(set(self.roles), key=order.index)))

    @property
    def level_label(self) -> str:
        return LEVELS[self.level]

    @property
    def role_labels(self) -> list[str]:
        """The roles' Chinese names; a requester's audience: whatever their role."""
        return [Role(role).label for role in self.roles]


def _active():
    from accounts.models import User

    return User.objects.filter(is_active=True)


def audience(enterprise, audiences, exclude=None, requester=None) -> list:
    """The distinct active users the audiences name for `enterprise` (one query), in a stable
    order, without `exclude` (the actor's id: who acts is never told). A `requester` audience
    is the given user (None: nobody)."""
    where = Q(pk__in=[])
    for item in audiences:
        if item.level == REQUESTER:
            if requester is not None:
                where |= Q(pk=requester.pk)
        elif item.level == ENTERPRISE:
            where |= Q(role__in=item.roles, enterprise_id=enterprise.pk)
        elif item.level == TOWN:
            where |= Q(role__in=item.roles, jurisdiction_id=enterprise.jurisdiction_id)
        else:  # COUNTY
            paths = ancestor_paths(enterprise.scope_path)
            where |= Q(role__in=item.roles, jurisdiction__path__in=paths)
    found = _active().filter(where)
    if exclude is not None:
        found = found.exclude(pk=exclude)
    return list(found.order_by("pk"))


def heard(recipients: dict, kinds) -> tuple:
    """The audiences of the given kinds of one app's RECIPIENTS table, together."""
    return tuple(item for kind in kinds for item in recipients[kind])
