"""A hazard's states and sources, apart from the models so that the transition table
(hazards/transitions.py) and the models can both read them without importing each other."""

from django.db import models


class State(models.TextChoices):
    REPORTED = "reported", "待确认"
    REJECTED = "rejected", "不予确认"
    CONFIRMED = "confirmed", "已确认"
    PLANNED = "planned", "已制定整改方案"
    RECTIFYING = "rectifying", "整改中"
    SUBMITTED = "submitted", "已提交验收"
    CLOSED = "closed", "已销号"


class Source(models.TextChoices):
    """Who found a hazard."""

    SELF_INSPECTION = "self_inspection", "企业自查"
    ENFORCEMENT = "enforcement", "执法检查"
    EXPERT = "expert", "专家检查"
    EMPLOYEE_REPORT = "employee_report", "员工报告"
    PUBLIC_TIP = "public_tip", "群众举报"
    MONITORING = "monitoring", "监测预警"
    CAMPAIGN = "campaign", "专项整治"
    EXPERT_VISIT = "expert_visit", "专家会诊"
    REMOTE_ENFORCEMENT = "remote_enforcement", "非现场执法"
    OTHER = "other", "其他"


# Sources a hazard gets only from the record that found it (a campaign's checklist, an expert
# visit, a remote inspection), never picked in the hazard form.
LINKED_SOURCES = frozenset({Source.CAMPAIGN, Source.EXPERT_VISIT, Source.REMOTE_ENFORCEMENT})
