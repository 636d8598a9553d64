"""The rules of confined-space expert services, as data with their source: the hazardous
factors a confined space's ledger names, its entry controls, the four parts of a visit
("四位一体"), and the kinds of process that make an enterprise keep a ledger."""

from django.db import models

SOURCE_TASK9 = (
    "治本攻坚方案 任务9：推广动员培训、现场会诊、交流研讨、讲评反馈“四位一体”的有限空间"
    "专家指导服务工作模式"
)
SOURCE_CONTROLS = (
    "治本攻坚方案 任务3：有限空间作业企业采用挂牌上锁、物理隔离、扫码进入、过程监控、"
    "改进工艺等技术措施"
)
SOURCE_LEDGER = (
    "工贸企业有限空间作业安全规定（应急管理部令第13号）：建立有限空间管理台账，明确有限空间"
    "数量、位置以及危险有害因素等信息"
)

# The ledger's hazardous factors (危险有害因素), as named by 应急管理部令第13号 and the
# 有限空间作业安全指导手册.
HAZARD_FACTORS = [
    ("oxygen_deficiency", "缺氧"),
    ("toxic_gas", "有毒气体"),
    ("flammable_gas", "可燃气体"),
    ("dust", "粉尘"),
    ("drowning", "淹溺"),
    ("burial", "掩埋"),
    ("electric_shock", "触电"),
    ("mechanical", "机械伤害"),
    ("high_temperature", "高温"),
]
HAZARD_LABELS = dict(HAZARD_FACTORS)

# The entry controls (进入管控) each space's row says it has: field name and label.
ENTRY_CONTROLS = [
    ("lockout", "挂牌上锁"),
    ("isolation", "物理隔离"),
    ("scan_entry", "扫码进入"),
    ("monitoring", "过程监控"),
]

# The group of enterprises.ProcessKind that names confined-space kinds, and the sector tag of
# enterprises whose work involves confined spaces: either makes the ledger expected.
SPACE_GROUP = "confined_space"
SPACE_SECTOR = "confined_space"


class Part(models.TextChoices):
    """The four parts of a visit, in their order."""

    MOBILIZE = "mobilize", "动员培训"
    DIAGNOSE = "diagnose", "现场会诊"
    DISCUSS = "discuss", "交流研讨"
    FEEDBACK = "feedback", "讲评反馈"


class VisitState(models.TextChoices):
    PLANNED = "planned", "已计划"
    IN_PROGRESS = "in_progress", "进行中"
    REPORTED = "reported", "已出具反馈报告"
    CLOSED = "closed", "已闭环"


class ReviewResult(models.TextChoices):
    OK = "ok", "符合"
    PROBLEM = "problem", "存在问题"
