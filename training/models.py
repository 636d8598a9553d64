"""Training records (who was trained, in what, by whom, for how long, with what evidence) and
drills (an enterprise's drills with their 四不 conditions, photos and findings; a town's yearly
observation drill). Task 17's coverage, task 18's periods and task 25's yearly officer
training are computed from these rows (training.services), by the rules in
training.reference."""

from django.conf import settings
from django.db import models

from core.models import Event, Jurisdiction
from core.scoping import ScopedQuerySet
from training.reference import FOUR_NOS, DrillKind, TraineeKind


class TrainingQuerySet(ScopedQuerySet):
    """An enterprise's people's records by the enterprise; an officer's by the officer's
    jurisdiction (scope_path holds either), so the county's staff see their officers' records
    and a town's staff do not."""

    scope_path_lookup = "scope_path"

    def scoped(self, user):
        if user.jurisdiction_id:
            return self.filter(scope_path__startswith=user.jurisdiction.path)
        return super().scoped(user)


class TrainingRecord(models.Model):
    kind = models.CharField("人员类别", max_length=20, choices=TraineeKind.choices)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="企业",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="training_records",
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="执法人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="training_records",
    )
    person_name = models.CharField("姓名", max_length=40)
    course = models.CharField("培训内容", max_length=200)
    organiser = models.CharField("组织单位", max_length=100)
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1)
    trained_on = models.DateField("培训日期", db_index=True)
    certificate_number = models.CharField("证书编号", max_length=60, blank=True)
    evidence = models.FileField("培训证明", upload_to="training/evidence/%Y/", blank=True)
    scope_path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = TrainingQuerySet.as_manager()

    class Meta:
        verbose_name = "培训记录"
        verbose_name_plural = "培训记录"
        ordering = ["-trained_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="officer", officer__isnull=False, enterprise__isnull=True)
                    | (
                        ~models.Q(kind="officer")
                        & models.Q(officer__isnull=True, enterprise__isnull=False)
                    )
                ),
                name="training_record_whose",
            ),
        ]
        indexes = [models.Index(fields=["kind", "enterprise", "trained_on"], name="training_kind")]

    def __str__(self):
        return f"{self.person_name} {self.course}"


class DrillQuerySet(ScopedQuerySet):
    def unannounced(self):
        return self.filter(**{name: True for name, _label in FOUR_NOS})


class Drill(models.Model):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="企业",
        on_delete=models.PROTECT,
        related_name="drills",
    )
    held_on = models.DateField("演练日期", db_index=True)
    kind = models.CharField("演练类型", max_length=20, choices=DrillKind.choices)
    scenario = models.CharField("演练情景", max_length=200)
    participants = models.PositiveIntegerField("参演人数")
    no_notice = models.BooleanField("不提前通知", default=False)
    no_script = models.BooleanField("不设脚本", default=False)
    no_preset_scene = models.BooleanField("不预设场景", default=False)
    no_preset_place = models.BooleanField("不预设地点", default=False)
    summary = models.TextField("演练总结", blank=True, max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = DrillQuerySet.as_manager()

    class Meta:
        verbose_name = "应急演练"
        verbose_name_plural = "应急演练"
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["enterprise", "kind", "held_on"], name="drill_period")]

    def __str__(self):
        return f"{self.held_on} {self.get_kind_display()}"

    @property
    def unannounced(self) -> bool:
        """四不: all four ways, never three of them."""
        return all(getattr(self, name) for name, _label in FOUR_NOS)


class DrillPhoto(models.Model):
    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField("照片", upload_to="training/drills/%Y/%m/")

    class Meta:
        verbose_name = "演练照片"
        verbose_name_plural = "演练照片"
        ordering = ["id"]

    def __str__(self):
        return self.image.name


class FindingQuerySet(ScopedQuerySet):
    scope_path_lookup = "drill__enterprise__scope_path"
    scope_enterprise_lookup = "drill__enterprise"


class DrillFinding(models.Model):
    """A problem the drill showed; it may become a hazard of the ledger (source self-inspection),
    which it then links to."""

    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="findings")
    description = models.CharField("发现的问题", max_length=500)
    hazard = models.OneToOneField(
        "hazards.Hazard",
        verbose_name="隐患",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="drill_finding",
    )

    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = "演练发现问题"
        verbose_name_plural = "演练发现问题"
        ordering = ["id"]

    def __str__(self):
        return self.description


class ObservationQuerySet(ScopedQuerySet):
    scope_path_lookup = "jurisdiction__path"

    def scoped(self, user):
        if user.jurisdiction_id:
            # A town's staff see their town's; the county's every town's below it.
            return self.filter(jurisdiction__path__startswith=user.jurisdiction.path)
        return self.none()


class ObservationDrill(models.Model):
    """A town's or the development zone's yearly observation drill (现场观摩演练, task 18)."""

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name="镇街/开发区",
        on_delete=models.PROTECT,
        related_name="observation_drills",
    )
    held_on = models.DateField("观摩日期")
    host = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="承办企业",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    scenario = models.CharField("演练情景", max_length=200)
    attendees = models.PositiveIntegerField("观摩人数")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ObservationQuerySet.as_manager()

    class Meta:
        verbose_name = "现场观摩演练"
        verbose_name_plural = "现场观摩演练"
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return f"{self.jurisdiction} {self.held_on}"


class EventAction(models.TextChoices):
    TRAINED = "trained", "登记培训"
    DRILLED = "drilled", "登记演练"
    FINDING_TO_HAZARD = "finding_hazard", "演练问题登记为隐患"
    OBSERVATION = "observation", "登记观摩演练"
    DRILL_DUE = "drill_due", "演练即将到期"


class TrainingEvent(Event):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    drill = models.ForeignKey(
        Drill, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    record = models.ForeignKey(
        TrainingRecord, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField("操作", max_length=20, choices=EventAction.choices)

    class Meta:
        verbose_name = "培训演练记录变更"
        verbose_name_plural = "培训演练记录变更"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_action_display()}"
