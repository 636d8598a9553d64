"""A construction project's states and kinds, apart from the models so that the transition
table (projects/transitions.py) and the models both read them without importing each other."""

from django.db import models


class ProjectKind(models.TextChoices):
    NEW = "new", "新建"
    REBUILD = "rebuild", "改建"
    EXPAND = "expand", "扩建"


class State(models.TextChoices):
    """Where the safety facilities stand against the three simultaneities (三同时): designed with
    the main works, built with them, put into production and use with them."""

    REGISTERED = "registered", "已登记"
    DESIGNED = "designed", "安全设施已设计"
    UNDER_REVIEW = "under_review", "设计审查中"
    REVIEW_APPROVED = "review_approved", "设计审查通过"
    CONSTRUCTING = "constructing", "施工中"
    COMMISSIONED = "commissioned", "已投入生产和使用"


class Action(models.TextChoices):
    """Each step a project's history records (ProjectEvent.action)."""

    REGISTER = "register", "登记项目"
    DESIGN = "design", "同时设计：安全设施设计完成"
    SUBMIT_REVIEW = "submit_review", "提交安全设施设计审查"
    APPROVE_REVIEW = "approve_review", "设计审查通过"
    REJECT_REVIEW = "reject_review", "设计审查未通过"
    START_CONSTRUCTION = "start_construction", "同时施工：安全设施开工"
    COMMISSION = "commission", "同时投入生产和使用：竣工验收"
    REPORT_UNREVIEWED = "report_unreviewed", "登记未经审查擅自建设"
    DIAGNOSE = "diagnose", "安全设施设计诊断"
