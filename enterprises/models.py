from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Upper

from core.models import Jurisdiction, JurisdictionKind
from core.scoping import ScopedQuerySet
from core.search import ALL_MATCHES_SHARE, RARE_SHARE, Bigrams, is_rare
from enterprises import credit_code, pinyin
from enterprises.choices import DustClass, Industry, Standardization, Status


class SectorTag(models.Model):
    """Key-sector tags (重点行业领域) that drive criteria, duties and grading, with their source."""

    code = models.CharField("代码", max_length=40, primary_key=True)
    name = models.CharField("名称", max_length=30, unique=True)
    source = models.CharField("依据", max_length=200, blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "重点行业领域标签"
        verbose_name_plural = "重点行业领域标签"
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name


class ProfileGroup(models.TextChoices):
    EQUIPMENT = "equipment", "设备设施"
    PROCESS = "process", "工艺"
    CONFINED_SPACE = "confined_space", "有限空间"


class ProcessKind(models.Model):
    """An enterprise's equipment and process profile (设备工艺画像), as data with its source:
    accident warnings reach enterprises with similar equipment or a similar process (seed task
    21), and campaigns target them (tasks 8, 10)."""

    code = models.CharField("代码", max_length=40, primary_key=True)
    name = models.CharField("名称", max_length=30, unique=True)
    group = models.CharField("类别", max_length=20, choices=ProfileGroup.choices)
    source = models.CharField("依据", max_length=200, blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "设备工艺类型"
        verbose_name_plural = "设备工艺类型"
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name


# The bigram indexes of the name and its initials (migration 0005, core.search).
NAME_BIGRAMS = "ent_name_bigrams"
INITIALS_BIGRAMS = "ent_initials_bigrams"


class EnterpriseQuerySet(ScopedQuerySet):
    scope_path_lookup = "scope_path"
    scope_enterprise_lookup = "pk"

    def search(self, text: str):
        """Name, credit code, or the pinyin initials of the name ("gtxj" finds 高唐县精…)."""
        text = (text or "").strip()
        if not text:
            return self
        queryset, query = self._by_name(text)
        upper = text.upper()
        if upper.isalnum() and upper.isascii():
            query |= models.Q(credit_code__startswith=upper)
            initials = models.Q(name_initials__contains=text.lower())
            if is_rare(INITIALS_BIGRAMS, text.lower(), self.db):
                queryset = queryset.alias(initials_bigrams=Bigrams("name_initials"))
                initials &= models.Q(initials_bigrams__contains=[text.lower()])
            query |= initials
        return queryset.filter(query)

    def search_name(self, text: str):
        """Every enterprise whose name contains `text`, ignoring case."""
        queryset, query = self._by_name(text, ALL_MATCHES_SHARE)
        return queryset.filter(query)

    def _by_name(self, text: str, share: float = RARE_SHARE):
        # A rare pair of characters is looked up in the bigram index (core.search).
        query = models.Q(name__icontains=text)
        if is_rare(NAME_BIGRAMS, text.upper(), self.db, share):
            queryset = self.alias(name_bigrams=Bigrams(Upper("name")))
            return queryset, query & models.Q(name_bigrams__contains=[text.upper()])
        return self, query


class Enterprise(models.Model):
    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("企业名称", max_length=100)
    name_initials = models.CharField(max_length=100, editable=False, db_index=True, default="")
    address = models.CharField("地址", max_length=200, blank=True)
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name="所属镇街",
        on_delete=models.PROTECT,
        related_name="enterprises",
        limit_choices_to={"kind__in": ["zone", "town", "street"]},
    )
    grid = models.ForeignKey(
        Jurisdiction,
        verbose_name="所属网格",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grid_enterprises",
        limit_choices_to={"kind": "grid"},
    )
    # The path of the grid (or of the town, without a grid): the scoping gate's prefix match.
    scope_path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    industry = models.CharField("行业", max_length=30, choices=Industry.choices)
    sector_tags = models.ManyToManyField(
        SectorTag, verbose_name="重点行业领域", blank=True, related_name="enterprises"
    )
    process_kinds = models.ManyToManyField(
        ProcessKind,
        verbose_name="设备工艺",
        blank=True,
        related_name="enterprises",
        help_text="主要设备设施、工艺和有限空间类型（事故警示、专项整治据此匹配）",
    )
    dust_class = models.CharField("粉尘类别", max_length=20, choices=DustClass.choices, blank=True)
    dust_workers = models.PositiveIntegerField("涉粉作业人数", null=True, blank=True)
    employee_count = models.PositiveIntegerField("从业人数", default=0)
    above_scale = models.BooleanField("规模以上", default=False)
    small_micro = models.BooleanField("小微企业", default=False)
    principal_name = models.CharField("主要负责人", max_length=40)
    principal_phone = models.CharField("主要负责人电话", max_length=20)
    safety_officer_name = models.CharField("安全管理人员", max_length=40, blank=True)
    safety_officer_phone = models.CharField("安全管理人员电话", max_length=20, blank=True)
    standardization = models.CharField(
        "安全生产标准化",
        max_length=20,
        choices=Standardization.choices,
        default=Standardization.NONE,
    )
    status = models.CharField(
        "经营状态",
        max_length=20,
        choices=Status.choices,
        default=Status.OPERATING,
        db_index=True,
    )
    has_monitoring = models.BooleanField(
        "已接入监测预警",
        default=False,
        help_text="接入安全风险监测预警系统的企业适用判定标准第十四条",
    )
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    is_demo = models.BooleanField("演示数据", default=False, editable=False)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = "企业"
        verbose_name_plural = "企业"
        ordering = ["name_initials", "id"]
        # Sized by `manage.py bench` (100,000 enterprises). The list is read in its order
        # (name_initials, id), 50 at a time, filtered by the scope's path prefix and maybe one
        # equality filter; each index below delivers that order and carries scope_path, so a
        # page and its count are read off the index without visiting table rows. The first
        # also carries what the search tests, so a search on SQLite scans that index instead of
        # the table. PostgreSQL's trigram indexes for the search are in migration 0003.
        indexes = [
            models.Index(
                fields=["name_initials", "id", "scope_path", "name", "credit_code"],
                name="ent_order_search",
            ),
            models.Index(
                fields=["industry", "name_initials", "id", "scope_path"], name="ent_industry_order"
            ),
            models.Index(
                fields=["status", "name_initials", "id", "scope_path"], name="ent_status_order"
            ),
            models.Index(
                fields=["standardization", "name_initials", "id", "scope_path"],
                name="ent_standardization_order",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_initials = pinyin.initials(self.name)
        self.scope_path = (self.grid or self.jurisdiction).path
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        if self.credit_code:
            self.credit_code = credit_code.normalize(self.credit_code)
            reason = credit_code.problem(self.credit_code)
            if reason:
                errors["credit_code"] = reason
        if self.jurisdiction_id and not self.jurisdiction.is_town_level:
            errors["jurisdiction"] = "所属镇街应为镇、街道或开发区"
        if self.grid_id and (
            self.grid.kind != JurisdictionKind.GRID or self.grid.parent_id != self.jurisdiction_id
        ):
            errors["grid"] = "所属网格不在所选镇街之下"
        if self.dust_workers and not self.dust_class:
            errors["dust_class"] = "填写了涉粉作业人数，请选择粉尘类别"
        if (
            self.dust_workers is not None
            and self.employee_count
            and self.dust_workers > self.employee_count
        ):
            errors["dust_workers"] = "涉粉作业人数不能多于从业人数"
        if self.above_scale and self.small_micro:
            errors["small_micro"] = "规模以上企业不能同时为小微企业"
        if (self.longitude is None) != (self.latitude is None):
            errors["latitude"] = "经度和纬度需同时填写"
        if errors:
            raise ValidationError(errors)

    @property
    def is_stopped(self) -> bool:
        return self.status in (Status.SUSPENDED, Status.ORDERED_TO_STOP)
