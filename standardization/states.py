"""A rating's states, apart from the models so that the transition table and the models both
read them."""

from django.db import models


class State(models.TextChoices):
    APPLIED = "applied", "已申请"
    REVIEWING = "reviewing", "评审中"
    REJECTED = "rejected", "评审未通过"
    REVIEWED = "reviewed", "评审通过，待公告"
    ANNOUNCED = "announced", "已公告，待发证"
    VALID = "valid", "有效"
    CHECKING = "checking", "抽查/复核中"
    REVOKED = "revoked", "已撤销"
    EXPIRED = "expired", "已过期"
    REPLACED = "replaced", "已换证"


# States in which a rating stands: the enterprise's standardization grade is its grade.
STANDING = (State.ANNOUNCED, State.VALID, State.CHECKING)
# States of an application still under way (an enterprise has at most one).
PENDING = (State.APPLIED, State.REVIEWING, State.REVIEWED)


class CheckReason(models.TextChoices):
    DRAW = "draw", "随机抽查"
    MANUAL = "manual", "指定抽查"
    MAJOR_HAZARD = "major_hazard", "有效期内认定重大事故隐患，复核"


class Outcome(models.TextChoices):
    KEPT = "kept", "维持等级"
    DOWNGRADED = "downgraded", "降级"
    REVOKED = "revoked", "撤销等级"
    ENDED = "ended", "定级终止，抽查结束"  # the rating expired or was replaced meanwhile
