import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from accounts.roles import COUNTY_ROLES, ENTERPRISE_ROLES, JURISDICTION_ROLES, Role
from core.models import JurisdictionKind
from core.scoping import ScopedQuerySet


class UserManager(DjangoUserManager):
    def get_queryset(self):
        # The scoping gate reads the user's jurisdiction path or enterprise on every request.
        return super().get_queryset().select_related("jurisdiction", "enterprise")

    def managed_by(self, user):
        """The accounts a user manages in the admin: all of them for the platform superuser; for
        a county administrator the jurisdiction roles of their county and the enterprise roles
        of its enterprises. Experts (assigned across counties) and platform accounts are the
        superuser's."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.is_superuser:
            return self.all()
        if not (user.is_county_admin and user.jurisdiction_id):
            return self.none()
        path = user.jurisdiction.path
        return self.filter(
            Q(role__in=JURISDICTION_ROLES, jurisdiction__path__startswith=path)
            | Q(role__in=ENTERPRISE_ROLES, enterprise__scope_path__startswith=path),
            is_superuser=False,
        )


class User(AbstractUser):
    full_name = models.CharField("姓名", max_length=40, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True)
    # Blank only for the platform superuser, who runs the admin and holds no county role.
    role = models.CharField("角色", max_length=30, choices=Role.choices, blank=True)
    jurisdiction = models.ForeignKey(
        "core.Jurisdiction",
        verbose_name="所属区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="所属企业",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    assigned_enterprises = models.ManyToManyField(
        "enterprises.Enterprise",
        verbose_name="指派企业（专家）",
        blank=True,
        related_name="assigned_experts",
    )
    badge_number = models.CharField("执法证号", max_length=30, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self):
        return self.full_name or self.username

    def clean(self):
        super().clean()
        errors = {}
        if not self.role and not self.is_superuser:
            errors["role"] = "请选择角色"
        if self.role in JURISDICTION_ROLES:
            if not self.jurisdiction_id:
                errors["jurisdiction"] = "该角色必须指定所属区划"
            elif self.role in COUNTY_ROLES and self.jurisdiction.kind != JurisdictionKind.COUNTY:
                errors["jurisdiction"] = "县局角色的所属区划应为县"
            elif self.role == Role.TOWN_SUPERVISOR and not self.jurisdiction.is_town_level:
                errors["jurisdiction"] = "镇街监管员的所属区划应为镇、街道或开发区"
            elif self.role == Role.GRID_MEMBER and self.jurisdiction.kind != JurisdictionKind.GRID:
                errors["jurisdiction"] = "网格员的所属区划应为网格"
            elif (
                self.role == Role.PROVINCE_SUPERVISOR
                and self.jurisdiction.kind != JurisdictionKind.PROVINCE
            ):
                errors["jurisdiction"] = "省级监管人员的所属区划应为省"
            elif (
                self.role == Role.CITY_SUPERVISOR
                and self.jurisdiction.kind != JurisdictionKind.CITY
            ):
                errors["jurisdiction"] = "市级监管人员的所属区划应为市"
            if self.enterprise_id:
                errors["enterprise"] = "监管人员不能属于企业"
        elif self.role in ENTERPRISE_ROLES:
            if not self.enterprise_id:
                errors["enterprise"] = "企业人员必须指定所属企业"
            if self.jurisdiction_id:
                errors["jurisdiction"] = "企业人员不设所属区划"
        elif self.role == Role.EXPERT and (self.jurisdiction_id or self.enterprise_id):
            errors["jurisdiction"] = "专家按指派企业确定范围，不设区划或企业"
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        # Whoever holds a role is never a superuser: a county administrator reaches the admin
        # (is_staff) only for what accounts.roles.ADMIN_PERMISSIONS grants, in their county.
        if self.role:
            self.is_superuser = False
            self.is_staff = self.role == Role.COUNTY_ADMIN
        super().save(*args, **kwargs)

    @property
    def is_county_admin(self) -> bool:
        return self.role == Role.COUNTY_ADMIN

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(ScopedQuerySet):
    def scoped(self, user):
        if not (user.is_authenticated and user.is_active):
            return self.none()
        return self.filter(user=user)


class ApiToken(models.Model):
    """A per-user API key. The plain key is shown once at creation; only its SHA-256 is kept
    (the key carries 256 bits of randomness, so a slow hash adds nothing)."""

    PREFIX = "aj_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=60)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField("末四位", max_length=8, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    # Optional: a key handed to a contractor's script can end by itself.
    expires_at = models.DateTimeField("到期时间", null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} (…{self.hint})"

    @property
    def expired(self) -> bool:
        from django.utils import timezone

        return self.expires_at is not None and self.expires_at <= timezone.now()

    @classmethod
    def new_key(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)
