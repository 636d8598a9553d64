"""The one scoping gate. Every domain model's manager is built from ScopedQuerySet and answers
`for_user(user)`; pages, exports and API endpoints start their queries there, so an object
outside a user's scope simply is not found (a 404, never a 403 that confirms it exists)."""

from django.db import models


def ancestor_paths(path: str) -> list[str]:
    """The paths of the nodes on a scope path, root first: "/1/4/17/" → ["/1/", "/1/4/",
    "/1/4/17/"]. The users whose jurisdiction path is among them are the ones over that node."""
    ids = [part for part in path.strip("/").split("/") if part]
    return ["/" + "/".join(ids[:n]) + "/" for n in range(1, len(ids) + 1)]


class ScopedQuerySet(models.QuerySet):
    # How rows of the model reach the jurisdiction tree and their enterprise. Enterprise itself
    # uses ("scope_path", "pk"); a model hanging off an enterprise uses
    # ("enterprise__scope_path", "enterprise").
    scope_path_lookup = "enterprise__scope_path"
    scope_enterprise_lookup = "enterprise"

    def for_user(self, user):
        from accounts.roles import Role

        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.jurisdiction_id:
            return self.filter(**{f"{self.scope_path_lookup}__startswith": user.jurisdiction.path})
        if user.role == Role.EXPERT:
            assigned = user.assigned_enterprises.values("pk")
            return self.filter(**{f"{self.scope_enterprise_lookup}__in": assigned})
        if user.enterprise_id:
            return self.filter(**{self.scope_enterprise_lookup: user.enterprise_id})
        return self.none()
