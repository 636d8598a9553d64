from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group

from accounts.models import ApiToken, User
from accounts.roles import UPPER_ROLES, Role
from core.admin import ModelAdmin, ReadOnlyAdmin

# Who may do what is the role (accounts/roles.py), not groups of permissions.
admin.site.unregister(Group)

# django-axes' login records are read here, not edited or thinned: a lockout ends by itself after
# LOGIN_COOLOFF_MINUTES, or at once with `manage.py axes_reset_username <name>`.
for _model, _admin in (
    (AccessAttempt, AccessAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
):
    admin.site.unregister(_model)
    admin.site.register(_model, type(_admin.__name__, (ReadOnlyAdmin, _admin), {}))


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """The platform superuser manages every account; a county administrator the accounts of
    their county only (User.objects.managed_by), choosing among its own jurisdictions and
    enterprises. An account is deactivated, never deleted: its actions are on record."""

    list_display = ["username", "full_name", "role", "jurisdiction", "enterprise", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "full_name", "phone"]
    autocomplete_fields = ["jurisdiction", "enterprise", "assigned_enterprises"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("个人信息", {"fields": ["full_name", "phone", "email", "badge_number"]}),
        ("角色与范围", {"fields": ["role", "jurisdiction", "enterprise", "assigned_enterprises"]}),
        ("状态", {"fields": ["is_active", "last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "fields": [
                    "username",
                    "password1",
                    "password2",
                    "full_name",
                    "role",
                    "jurisdiction",
                    "enterprise",
                ]
            },
        ),
    ]
    readonly_fields = ["last_login", "date_joined"]

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        managed = User.objects.managed_by(request.user).values("pk")
        return super().get_queryset(request).filter(pk__in=managed)

    def get_autocomplete_fields(self, request):
        # Autocomplete asks the related models' admins, which are the superuser's alone.
        return self.autocomplete_fields if request.user.is_superuser else []

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        # Experts are assigned across counties: the platform's to manage.
        return [
            (
                name,
                {
                    **options,
                    "fields": [f for f in options["fields"] if f != "assigned_enterprises"],
                },
            )
            for name, options in fieldsets
        ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # The jurisdictions and enterprises of the administrator's own scope (the field's model
        # answers: accounts sits below enterprises and imports none of it).
        if not request.user.is_superuser and db_field.name in ("jurisdiction", "enterprise"):
            kwargs["queryset"] = db_field.related_model.objects.for_user(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role" and not request.user.is_superuser:
            kwargs["choices"] = [("", "---------")] + [
                (value, label)
                for value, label in Role.choices
                if value != Role.EXPERT and value not in UPPER_ROLES
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


@admin.register(ApiToken)
class ApiTokenAdmin(ModelAdmin):
    list_display = ["name", "user", "hint", "created_at", "expires_at", "last_used_at"]
    readonly_fields = ["user", "name", "hint", "created_at", "expires_at", "last_used_at"]
    search_fields = ["name", "user__username"]
    # Deleting a token revokes it; it carries no history of its own (the audit log keeps it).
    deletable = True

    def has_add_permission(self, request):
        # A key is created by its owner on the tokens page, where it is shown once.
        return False
