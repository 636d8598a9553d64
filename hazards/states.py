"""A hazard's states, apart from the models so that the transition table (hazards/transitions.py)
and the models can both read them without importing each other."""

from django.db import models


class State(models.TextChoices):
    REPORTED = "reported", "待确认"
    REJECTED = "rejected", "不予确认"
    CONFIRMED = "confirmed", "已确认"
    PLANNED = "planned", "已制定整改方案"
    RECTIFYING = "rectifying", "整改中"
    SUBMITTED = "submitted", "已提交验收"
    CLOSED = "closed", "已销号"
