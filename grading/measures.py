"""What a grading factor measures. Each measure reads the project's own data for many
enterprises at once (one aggregate query, never one per enterprise) and returns
{enterprise_id: value}; an enterprise missing from the answer has the measure's `default`.
Accidents come from accidents.AccidentCase, broken commitments from reporting.CommitmentBreach,
red risks without company-level control and missed routine checks from the risk register
(risks).

MEASURES is a registry: an app above grading that grading must not import registers its own
measure with @measure from its AppConfig.ready() (enforcement's penalties: enforcement/
grading_measures.py), so grading reads no app that reads grading."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count
from django.utils import timezone

from enterprises.choices import Status

WINDOW = timedelta(days=365)  # "in the last 12 months"


@dataclass
class Context:
    """The enterprises being graded (`ids`, or None for all) and the moment of grading."""

    ids: list[int] | None
    now: datetime
    today: date
    cache: dict = field(default_factory=dict)

    @classmethod
    def at(cls, ids=None, now=None):
        now = now or timezone.now()
        return cls(ids=None if ids is None else list(ids), now=now, today=timezone.localdate(now))

    def only(self, queryset, lookup="enterprise_id"):
        if self.ids is None:
            return queryset
        return queryset.filter(**{f"{lookup}__in": self.ids})

    @property
    def since(self) -> datetime:
        return self.now - WINDOW

    def enterprises(self) -> dict[int, tuple]:
        """The enterprise facts every registry measure reads, in one query."""
        if "base" not in self.cache:
            from enterprises.models import Enterprise

            rows = self.only(Enterprise.objects.exclude(status=Status.CLOSED), "pk").values_list(
                "pk",
                "industry",
                "employee_count",
                "above_scale",
                "standardization",
                "dust_class",
                "dust_workers",
                "status",
            )
            self.cache["base"] = {row[0]: row for row in rows.order_by()}
        return self.cache["base"]

    def tags(self) -> dict[str, set[int]]:
        """Sector tag code → the ids of the enterprises that carry it."""
        if "tags" not in self.cache:
            from enterprises.models import Enterprise

            through = Enterprise.sector_tags.through
            pairs = self.only(through.objects.all()).values_list("sectortag_id", "enterprise_id")
            by_tag = defaultdict(set)
            for tag, enterprise_id in pairs.order_by().iterator(chunk_size=20_000):
                by_tag[tag].add(enterprise_id)
            self.cache["tags"] = by_tag
        return self.cache["tags"]


@dataclass(frozen=True)
class Measure:
    code: str
    label: str
    unit: str
    compute: Callable[[Context, str], dict]
    argument: str = ""  # what the factor's argument means, when it needs one
    default: object = 0


MEASURES: dict[str, Measure] = {}


def measure(code, label, unit="", argument="", default=0):
    """Register `function(ctx, argument) -> {enterprise_id: value}` as the measure `code`
    (a GradingFactor's `measure`)."""

    def register(function):
        MEASURES[code] = Measure(code, label, unit, function, argument, default)
        return function

    return register


def counts(queryset) -> dict[int, int]:
    """{enterprise_id: rows} of a queryset with an enterprise (the count measures')."""
    rows = queryset.order_by().values("enterprise_id").annotate(n=Count("pk"))
    return {row["enterprise_id"]: row["n"] for row in rows}


# --- The registry -------------------------------------------------------------------------------


@measure("industry", "行业", default="")
def industry(ctx: Context, argument: str) -> dict:
    return {pk: row[1] for pk, row in ctx.enterprises().items()}


@measure("sector_tag", "重点行业领域标签", argument="标签代码，如 foundry")
def sector_tag(ctx: Context, argument: str) -> dict:
    return dict.fromkeys(ctx.tags().get(argument, ()), 1)


@measure("employee_count", "从业人数", "人")
def employee_count(ctx: Context, argument: str) -> dict:
    return {pk: row[2] for pk, row in ctx.enterprises().items()}


@measure("above_scale", "规模以上企业")
def above_scale(ctx: Context, argument: str) -> dict:
    return {pk: 1 for pk, row in ctx.enterprises().items() if row[3]}


@measure("standardization", "安全生产标准化等级", default="none")
def standardization(ctx: Context, argument: str) -> dict:
    return {pk: row[4] for pk, row in ctx.enterprises().items()}


@measure("dust_workers", "涉粉作业人数（金属、木粉尘）", "人", argument="")
def dust_workers(ctx: Context, argument: str) -> dict:
    """Workers exposed to metal or wood dust: task 14's threshold of 10 names these two."""
    classes = set(argument.split(",")) if argument else {"metal", "wood"}
    return {
        pk: row[6] or 0 for pk, row in ctx.enterprises().items() if row[5] in classes and row[6]
    }


# --- Hazards ------------------------------------------------------------------------------------


@measure("open_major_hazards", "未销号重大事故隐患", "项")
def open_major_hazards(ctx: Context, argument: str) -> dict:
    from hazards.models import Hazard

    return counts(ctx.only(Hazard.objects.open().major()))


@measure("overdue_major_hazards", "逾期未整改重大事故隐患", "项")
def overdue_major_hazards(ctx: Context, argument: str) -> dict:
    from hazards.models import Hazard

    return counts(ctx.only(Hazard.objects.overdue(ctx.today).major()))


@measure("overdue_general_hazards", "逾期未整改一般隐患", "项")
def overdue_general_hazards(ctx: Context, argument: str) -> dict:
    from hazards.models import Hazard

    return counts(ctx.only(Hazard.objects.overdue(ctx.today).filter(is_major=False)))


# --- Monitoring ---------------------------------------------------------------------------------


@measure("alarms_12m", "近12个月监测报警", "次")
def alarms_12m(ctx: Context, argument: str) -> dict:
    """Alarms raised in the last 12 months; `argument` may list conditions to leave out
    (comma-separated, e.g. offline)."""
    from monitoring.models import Alarm

    queryset = Alarm.objects.filter(raised_at__gte=ctx.since)
    if argument:
        queryset = queryset.exclude(condition__in=argument.split(","))
    return counts(ctx.only(queryset))


@measure("power_warnings_12m", "近12个月电力预警（未排除）", "次")
def power_warnings_12m(ctx: Context, argument: str) -> dict:
    """Power analytics findings (明停暗开, 虚假离线, 超负荷) of the last 12 months that were not
    reviewed as unfounded."""
    from monitoring.models import PowerWarning, WarningState

    queryset = PowerWarning.objects.filter(detected_at__gte=ctx.since).exclude(
        state=WarningState.DISMISSED
    )
    return counts(ctx.only(queryset))


@measure("not_connected", "应接入监测预警而未接入")
def not_connected(ctx: Context, argument: str) -> dict:
    """Must connect under the rules in force (monitoring.connect, task 14) and no point has sent
    a reading in the last CONNECTED_HOURS hours."""
    from enterprises.models import Enterprise
    from monitoring import connect
    from monitoring.models import Point

    must = ctx.only(Enterprise.objects.all(), "pk")
    must = set(connect.must_connect(must, ctx.today).values_list("pk", flat=True).order_by())
    if not must:
        return {}
    recent = ctx.now - timedelta(hours=connect.CONNECTED_HOURS)
    connected = set(
        ctx.only(Point.objects.filter(last_ts__gte=recent))
        .order_by()
        .values_list("enterprise_id", flat=True)
        .distinct()
    )
    return dict.fromkeys(must - connected, 1)


# --- Accidents and commitments (penalties: enforcement/grading_measures.py) -----------------------


@measure("accidents_12m", "近12个月生产安全事故", "起")
def accidents_12m(ctx: Context, argument: str) -> dict:
    """Accidents at the enterprise in the last 12 months (accidents.AccidentCase; a record
    voided as entered in error does not count)."""
    from accidents.models import AccidentCase

    queryset = AccidentCase.objects.counted().filter(
        enterprise__isnull=False, occurred_at__gte=ctx.since
    )
    return counts(ctx.only(queryset))


@measure("broken_commitments_12m", "近12个月违反安全承诺", "次")
def broken_commitments_12m(ctx: Context, argument: str) -> dict:
    """Breaches of the enterprise's safety commitments found in the last 12 months
    (reporting.CommitmentBreach: a 动态清零 commitment broken by an overdue major hazard, or a
    breach a supervisor recorded; one revoked as recorded in error does not count)."""
    from reporting.models import CommitmentBreach

    queryset = CommitmentBreach.objects.standing().filter(found_on__gte=ctx.since.date())
    return counts(ctx.only(queryset))


# --- The risk register (risks/) ---------------------------------------------------------------


@measure("uncontrolled_red_risks", "红色风险未落实公司级管控", "项")
def uncontrolled_red_risks(ctx: Context, argument: str) -> dict:
    """Current red risks of the register (risks.Risk) without an active company-level control
    measure: the level the colour requires (risks.reference.REQUIRED_CONTROL)."""
    from risks.models import Risk
    from risks.queries import company_controlled

    queryset = Risk.objects.current().filter(colour="red").filter(~company_controlled())
    return counts(ctx.only(queryset))


@measure("missed_checks_30d", "近30日漏检的风险管控排查任务", "项")
def missed_checks_30d(ctx: Context, argument: str) -> dict:
    """Routine checks of control measures (risks.CheckTask) left unanswered past their period
    in the last 30 days (risks.queries.MISSED_WINDOW_DAYS)."""
    from risks.models import CheckTask
    from risks.queries import missed_since

    queryset = CheckTask.objects.missed(ctx.today).filter(due_on__gte=missed_since(ctx.today))
    return counts(ctx.only(queryset))


def evaluate(ctx: Context, code: str, argument: str) -> dict:
    """Run a measure (KeyError for an unknown one)."""
    return MEASURES[code].compute(ctx, argument)
