"""What field work keeps of its own: the receipt of each step on an existing hazard recorded
offline, so that the same step sent again (the same client_id) is taken once. The step itself is
the hazard's event (hazards.models.HazardEvent), made by the hazard's own service."""

from django.conf import settings
from django.db import models


class OfflineStep(models.Model):
    """A step on a hazard (开始整改, 提交验收, 复查通过 or 不通过) recorded on a phone without
    signal and taken when it was synced: the phone's id for it and the event it became."""

    client_id = models.UUIDField("客户端编号", unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="办理人", on_delete=models.PROTECT, related_name="+"
    )
    hazard = models.ForeignKey(
        "hazards.Hazard", verbose_name="隐患", on_delete=models.CASCADE, related_name="+"
    )
    event = models.ForeignKey(
        "hazards.HazardEvent",
        verbose_name="处理记录",
        on_delete=models.CASCADE,
        related_name="+",
    )
    action = models.CharField("步骤", max_length=30)
    synced_at = models.DateTimeField("同步时间", auto_now_add=True)

    class Meta:
        verbose_name = "离线办理的隐患步骤"
        verbose_name_plural = "离线办理的隐患步骤"

    def __str__(self):
        return f"{self.action} {self.client_id}"
