"""The one scoping gate. Every domain model's manager is built from ScopedQuerySet and answers
`for_user(user)`; pages, exports and API endpoints start their queries there, so an object
outside a user's scope simply is not found (a 404, never a 403 that confirms it exists)."""

from django.db import models


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
