"""The rules of accident warnings (seed task 21), as data with their source. Where the plan
names what matters but fixes no figure, the figure is this platform's draft and says so: a
county adjusts it here and the pages follow."""

from dataclasses import dataclass

from django.db import models

PLAN = "高唐县工贸行业安全生产治本攻坚三年行动实施方案（2024—2026年）"
TASK21 = f"{PLAN} 任务21（行业相同、设备相似、工艺相近的企业开展警示教育）"
DRAFT = "本平台设定（草拟，待县局确认）"


@dataclass(frozen=True)
class Rule:
    value: int
    source: str
    note: str = ""


# Recipients that have not acknowledged a warning are reminded after this many days, and again
# every as many days until they do.
REMIND_AFTER_DAYS = Rule(3, DRAFT, "警示下发后未阅知的企业，每隔此天数提醒一次")
# Accidents of one category recurring this many times in 12 months prompt a campaign.
RECURRENCE_THRESHOLD = Rule(
    3, f"{TASK21}；次数{DRAFT}", "同一事故类别12个月内（含本次）达到此次数的，提示开展专项整治"
)
RECURRENCE_WINDOW_DAYS = 365
# Accident levels (accidents.reference.Level) that prompt a campaign: 较大及以上.
CAMPAIGN_LEVELS = ("larger", "major", "especially_major")
CAMPAIGN_LEVELS_SOURCE = f"{PLAN} 任务21（较大及以上事故后开展专项整治）"

# The campaign a prompted warning starts: its length, and the checklist template
# (campaigns.reference) fitting the accident's category (GB 6441); another category starts
# without a template and the organiser adds the items.
CAMPAIGN_DAYS = Rule(30, DRAFT, "事故警示发起的专项整治默认期限（天）")
CAMPAIGN_TEMPLATE_FOR_CATEGORY = {
    "object_strike": "falling_objects",
    "lifting": "falling_objects",
    "machinery": "machinery",
    "fall_from_height": "falls",
    "poisoning_asphyxia": "confined_space",
    "fire": "hot_work",
    "other_explosion": "hot_work",
    "vessel_explosion": "chemicals",
}

ATTACHMENT_MAX_MB = 100
ATTACHMENT_DOCUMENT_KINDS = ("pdf", "docx", "jpg", "png")
ATTACHMENT_VIDEO_KINDS = ("mp4",)


class MatchField(models.TextChoices):
    INDUSTRY = "industry", "行业相同"
    SECTOR_TAG = "sector_tag", "重点行业领域相同"
    PROCESS_KIND = "process_kind", "设备工艺相似"


class AckState(models.TextChoices):
    PENDING = "pending", "未阅"
    READ = "read", "已阅"
    STUDIED = "studied", "已组织学习"


class WarningState(models.TextChoices):
    DRAFT = "draft", "草稿（调整接收企业）"
    ISSUED = "issued", "已下发"


class SupervisionKind(models.TextChoices):
    INTERVIEW = "interview", "约谈"
    KEY_ATTENTION = "key_attention", "重点关注"
    ASSISTANCE = "assistance", "帮扶指导"


SUPERVISION_SOURCE = f"{PLAN} 任务21（约谈、重点关注、帮扶指导）"
