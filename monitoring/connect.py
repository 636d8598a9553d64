"""Who must be connected to the monitoring system (应接尽接, seed task 14), and who is.

The rules are data, each with the date from which it applies and its source. An enterprise is
connected when one of its safety devices (not its power meter) sent a reading in the last
CONNECTED_HOURS hours."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from enterprises.choices import DustClass, Status
from monitoring.kinds import SAFETY_DEVICE_KINDS

CONNECTED_HOURS = 24  # "connected": a safety device sent a reading in the last 24 hours
SOURCE = "高唐县工贸行业安全生产治本攻坚三年行动实施方案 任务14"
# "相关重点企业": the key sectors whose major-accident risks the provincial monitoring and
# early-warning system watches (dust explosion, ammonia refrigeration, metal smelting and
# foundry with molten metal, coal gas).
KEY_SECTOR_TAGS = (
    "combustible_dust",
    "ammonia_refrigeration",
    "metal_smelting",
    "foundry",
    "molten_metal",
    "coal_gas",
)


@dataclass(frozen=True)
class Rule:
    code: str
    label: str
    applies_from: date
    where: Callable[[], Q]  # the enterprises it covers, as a filter without joins
    source: str = SOURCE

    @property
    def query(self) -> Q:
        return self.where()


def _key_sectors() -> Q:
    """An enterprise with a key-sector tag: EXISTS over its own tags (no join, so no DISTINCT:
    a province's count took 340 ms joined, 85 ms so)."""
    from enterprises.models import Enterprise

    tags = Enterprise.sector_tags.through.objects.filter(
        enterprise_id=OuterRef("pk"), sectortag_id__in=KEY_SECTOR_TAGS
    )
    return Q(Exists(tags))


RULES = [
    Rule(
        "dust_10",
        "涉粉作业 10 人以上的金属粉尘、木粉尘企业（2024 年底前接入）",
        date(2024, 12, 31),
        lambda: Q(dust_class__in=[DustClass.METAL, DustClass.WOOD], dust_workers__gte=10),
    ),
    Rule(
        "key",
        "相关重点企业应接尽接（2025 年）",
        date(2025, 12, 31),
        _key_sectors,
    ),
]


def rules_in_force(today: date) -> list[Rule]:
    """The rules whose deadline has come; before the first one's, the first (a target)."""
    due = [rule for rule in RULES if rule.applies_from <= today]
    return due or RULES[:1]


def must_connect(enterprises, today: date | None = None):
    """The enterprises (a queryset, already scoped) the rules in force require to connect,
    closed ones left out."""
    today = today or timezone.localdate()
    query = Q()
    for rule in rules_in_force(today):
        query |= rule.query
    return enterprises.filter(query).exclude(status=Status.CLOSED)


def with_connection(enterprises):
    """Annotate last_reading_at: the latest reading of any of the enterprise's safety devices
    (a power meter's data comes from the grid company and says nothing of the monitoring
    system)."""
    return enterprises.annotate(
        last_reading_at=Max(
            "monitoring_points__last_ts",
            filter=Q(
                monitoring_points__kind__in=SAFETY_DEVICE_KINDS,
                monitoring_points__active=True,
            ),
        )
    )


def is_connected(last_reading_at, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return last_reading_at is not None and last_reading_at >= now - timedelta(hours=CONNECTED_HOURS)
