"""The plan's targets as data (seed section 一 and the tasks it names): each measure with its
source, its yearly goals (the county's), which way is better, and how it is computed for every
town at once as of a day.

`compute(as_of)` returns {town id: (numerator, denominator)}: one or a few grouped queries over
the whole platform (the nightly snapshot computes every town of a province in one pass); a
count measure has no denominator. `gaps(enterprises, as_of)` narrows a queryset of enterprises
(already scoped to one town) to those that keep it from its target, for the drill-down; None
where the measure is about the town itself, not its enterprises.

`dated`: the measure reads records by their own dates, so a past day can be computed afterwards
(the year-end figures of years before the platform snapshotted are backfilled so). A measure
that reads only the present state of its records (a gateway's last reading) is snapshotted
from the day the platform runs, never backfilled.

Goals marked `drafted` are this platform's reading of a sentence that sets no figure; the
county edits them in a town plan's stricter targets, never here silently."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from core.models import Jurisdiction
from enforcement.constants import RANDOM_SHARE_MIN, RANDOM_SHARE_SOURCE
from enforcement.models import (
    Inspection,
    Penalty,
    PlanItem,
    PlanStatus,
    RemoteInspection,
    RemoteState,
)
from enterprises.choices import Status
from enterprises.models import Enterprise
from hazards import duties
from hazards.models import OPEN_STATES, Hazard
from hazards.states import State
from hazards.transitions import ZERO_OUT
from monitoring import connect
from monitoring.kinds import SAFETY_DEVICE_KINDS
from monitoring.models import Point
from standardization.models import Rating
from training import reference as training_reference
from training import services as training_services
from training.models import TrainingRecord

PLAN = "高唐县工贸安全生产治本攻坚三年行动实施方案（2024—2026年）"
YEARS = (2024, 2025, 2026)

PERCENT = "percent"  # numerator / denominator, shown as a percentage
COUNT = "count"  # a number of things (hazards, towns), the numerator alone
HIGHER = "higher"
LOWER = "lower"

Figures = dict[int, tuple[int, int | None]]


@dataclass(frozen=True)
class Measure:
    key: str
    short: str  # the name on the large screen's grid and in chart legends
    label: str
    task: str  # the plan's task (or section) number, "任务14"
    source: str  # the sentence the measure and its goals come from
    unit: str
    better: str
    goals: dict[int, Decimal | None]  # the county's goal at each year end
    compute: Callable[[date], Figures]
    gaps: Callable[[object, date], object] | None = None
    drafted: bool = False  # the goal figures are this platform's, not the plan's
    dated: bool = True
    note: str = ""
    # The drill-down's column: what the listed enterprises lack.
    gap_label: str = ""
    per_town: bool = False  # about towns (1 per town), not enterprises

    def goal(self, year: int) -> Decimal | None:
        return self.goals.get(year)

    @property
    def has_gaps(self) -> bool:
        """Whether the drill-down lists enterprises (templates cannot ask `gaps`: a callable)."""
        return self.gaps is not None


def day_end(as_of: date) -> datetime:
    return timezone.make_aware(datetime.combine(as_of + timedelta(days=1), time()))


def _grouped(queryset, flag: str | None = None) -> Figures:
    """{town: (flagged, all)} of a queryset of enterprises; without `flag`, (all, None)."""
    counts: dict = {"den": Count("pk")}
    if flag:
        counts["num"] = Count("pk", filter=Q(**{flag: True}))
    rows = queryset.values("jurisdiction_id").annotate(**counts).order_by()
    if flag:
        return {r["jurisdiction_id"]: (r["num"], r["den"]) for r in rows}
    return {r["jurisdiction_id"]: (r["den"], None) for r in rows}


def _active(as_of: date):
    """The enterprises not closed. The registry keeps no date of registering or closing that
    predates the platform (an import is dated the day it ran), so a past day's figures count
    the registry as it is now: one reason a late-computed period is marked backfilled."""
    return Enterprise.objects.exclude(status=Status.CLOSED)


# --- task 14: must-connect coverage -------------------------------------------------------------


def _connected(as_of: date):
    """The enterprises the rules in force require to connect, annotated `connected`: a safety
    device (monitoring.connect: a power meter says nothing of the monitoring system) sent a
    reading in the CONNECTED_HOURS before the day's end, or before now for today (just after
    midnight the day's own hours would leave every enterprise unconnected)."""
    since = min(day_end(as_of), timezone.now()) - timedelta(hours=connect.CONNECTED_HOURS)
    recent = Point.objects.filter(
        enterprise_id=OuterRef("pk"),
        kind__in=SAFETY_DEVICE_KINDS,
        active=True,
        last_ts__gte=since,
    )
    return connect.must_connect(_active(as_of), as_of).annotate(connected=Exists(recent))


def connect_figures(as_of: date) -> Figures:
    return _grouped(_connected(as_of), "connected")


def connect_gaps(enterprises, as_of: date):
    ids = _connected(as_of).filter(connected=False).values("pk")
    return enterprises.filter(pk__in=ids)


# --- tasks 11–12: standardization coverage ------------------------------------------------------


def _standardized(queryset, as_of: date):
    standing = Rating.objects.standing(as_of).filter(
        enterprise_id=OuterRef("pk"), applied_at__lt=day_end(as_of)
    )
    return queryset.annotate(standardized=Exists(standing))


def standardization_figures(as_of: date) -> Figures:
    return _grouped(_standardized(_active(as_of), as_of), "standardized")


def standardization_gaps(enterprises, as_of: date):
    return _standardized(enterprises.exclude(status=Status.CLOSED), as_of).filter(
        standardized=False
    )


def small_figures(as_of: date) -> Figures:
    return _grouped(_standardized(_active(as_of).filter(small_micro=True), as_of), "standardized")


def small_gaps(enterprises, as_of: date):
    return standardization_gaps(enterprises.filter(small_micro=True), as_of)


# --- task 6: major hazards found, closed, overdue by the 31 January rule -----------------------


def _majors():
    return Hazard.objects.filter(is_major=True).exclude(state=State.REJECTED)


def _open_on(as_of: date) -> Q:
    """Open at the end of the day: found by then and not closed by then (a rejected hazard
    never counts)."""
    return Q(found_on__lte=as_of) & (
        Q(state__in=OPEN_STATES, closed_at__isnull=True) | Q(closed_at__gte=day_end(as_of))
    )


def _by_town(queryset, **counts) -> dict:
    rows = queryset.values("enterprise__jurisdiction_id").annotate(**counts).order_by()
    return {r.pop("enterprise__jurisdiction_id"): r for r in rows}


def majors_found_figures(as_of: date) -> Figures:
    found = _majors().filter(found_on__year=as_of.year, found_on__lte=as_of)
    return {town: (r["n"], None) for town, r in _by_town(found, n=Count("pk")).items()}


def majors_closed_figures(as_of: date) -> Figures:
    """Of the majors found in the year being cleared (last year's through 31 January), those
    closed by the day."""
    year = ZERO_OUT.target_year(as_of)
    found = _majors().filter(found_on__year=year, found_on__lte=as_of)
    rows = _by_town(
        found, n=Count("pk"), closed=Count("pk", filter=Q(closed_at__lt=day_end(as_of)))
    )
    return {town: (r["closed"], r["n"]) for town, r in rows.items()}


def _overdue(as_of: date):
    return _majors().filter(_open_on(as_of), found_on__lt=ZERO_OUT.overdue_before(as_of))


def majors_overdue_figures(as_of: date) -> Figures:
    return {town: (r["n"], None) for town, r in _by_town(_overdue(as_of), n=Count("pk")).items()}


def majors_overdue_gaps(enterprises, as_of: date):
    return enterprises.filter(pk__in=_overdue(as_of).values("enterprise_id"))


def majors_closed_gaps(enterprises, as_of: date):
    year = ZERO_OUT.target_year(as_of)
    still_open = _majors().filter(_open_on(as_of), found_on__year=year)
    return enterprises.filter(pk__in=still_open.values("enterprise_id"))


# --- task 5: principal-led checks ---------------------------------------------------------------


def _operating(as_of: date):
    return _active(as_of).filter(status=Status.OPERATING)


def checks_figures(as_of: date) -> Figures:
    owing = set(duties.missing(_operating(as_of), as_of).values_list("pk", flat=True))
    figures: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for pk, town in _operating(as_of).values_list("pk", "jurisdiction_id"):
        figures[town][1] += 1
        if pk not in owing:
            figures[town][0] += 1
    return {town: (num, den) for town, (num, den) in figures.items()}


def checks_gaps(enterprises, as_of: date):
    operating = enterprises.filter(status=Status.OPERATING)
    return operating.filter(pk__in=duties.missing(operating, as_of).values("pk"))


# --- task 17: principal training ----------------------------------------------------------------


def _trained(queryset, as_of: date):
    start, end = training_reference.PRINCIPAL_TRAINING_WINDOW
    records = TrainingRecord.objects.filter(
        enterprise_id=OuterRef("pk"),
        kind=training_reference.TraineeKind.PRINCIPAL,
        trained_on__gte=start,
        trained_on__lte=min(end, as_of),
    )
    return training_services.principal_required(queryset).annotate(trained=Exists(records))


def training_figures(as_of: date) -> Figures:
    return _grouped(_trained(_active(as_of), as_of), "trained")


def training_gaps(enterprises, as_of: date):
    return _trained(enterprises, as_of).filter(trained=False)


# --- task 18: evacuation drills -----------------------------------------------------------------


def drills_figures(as_of: date) -> Figures:
    return _grouped(training_services.with_drill_period(_active(as_of), as_of), "drilled")


def drills_gaps(enterprises, as_of: date):
    return training_services.with_drill_period(enterprises, as_of).filter(drilled=False)


# --- task 22: the enforcement plan and its random share -----------------------------------------


def _plan_items(as_of: date):
    return PlanItem.objects.filter(
        plan__year=as_of.year, plan__status=PlanStatus.APPROVED
    ).select_related("enterprise")


def _due(months: list, visits: int, as_of: date) -> int:
    """The visits of a key-list entry due by the day: one per planned month passed, all of them
    by the year's end where no month is planned."""
    if months:
        return min(visits, sum(1 for m in months if int(m) <= as_of.month))
    return visits if as_of >= date(as_of.year, 12, 31) else 0


def _plan_rows(as_of: date):
    """Per key-list entry of the year's approved plans: (enterprise, town, due, done)."""
    items = list(_plan_items(as_of).values_list("pk", "enterprise_id", "months", "visits"))
    done = dict(
        Inspection.objects.completed()
        .filter(plan_item_id__in=[i[0] for i in items], inspected_on__lte=as_of)
        .values("plan_item_id")
        .annotate(n=Count("pk"))
        .values_list("plan_item_id", "n")
    )
    towns = dict(
        Enterprise.objects.filter(pk__in={i[1] for i in items}).values_list("pk", "jurisdiction_id")
    )
    for pk, enterprise_id, months, visits in items:
        due = _due(months or [], visits, as_of)
        yield enterprise_id, towns.get(enterprise_id), due, min(done.get(pk, 0), due)


def plan_figures(as_of: date) -> Figures:
    figures: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for _enterprise, town, due, done in _plan_rows(as_of):
        if town is not None and due:
            figures[town][0] += done
            figures[town][1] += due
    return {town: (num, den) for town, (num, den) in figures.items()}


def plan_gaps(enterprises, as_of: date):
    behind = {e for e, _town, due, done in _plan_rows(as_of) if done < due}
    return enterprises.filter(pk__in=behind)


def random_figures(as_of: date) -> Figures:
    done = Inspection.objects.completed().filter(
        inspected_on__year=as_of.year, inspected_on__lte=as_of
    )
    rows = _by_town(done, n=Count("pk"), drawn=Count("pk", filter=Q(assignment__isnull=False)))
    return {town: (r["drawn"], r["n"]) for town, r in rows.items()}


# --- tasks 23, 24: the towns' remote enforcement and their penalties ----------------------------


def _towns() -> list[int]:
    return list(Jurisdiction.objects.town_level().values_list("pk", flat=True))


def remote_figures(as_of: date) -> Figures:
    able = set(
        RemoteInspection.objects.filter(state=RemoteState.DECIDED, decided_on__lte=as_of)
        .values_list("enterprise__jurisdiction_id", flat=True)
        .distinct()
    )
    return {town: (int(town in able), 1) for town in _towns()}


def zero_penalty_figures(as_of: date) -> Figures:
    punished = set(
        Penalty.objects.filter(filed_on__year=as_of.year, filed_on__lte=as_of)
        .values_list("enterprise__jurisdiction_id", flat=True)
        .distinct()
    )
    return {town: (int(town not in punished), None) for town in _towns()}


# --- the table ----------------------------------------------------------------------------------

ALL = Decimal(100)
RANDOM_GOAL = RANDOM_SHARE_MIN * 100

MEASURES: list[Measure] = [
    Measure(
        key="connect",
        short="应接尽接",
        label="监测预警系统应接尽接率",
        task="任务14",
        source=f"{PLAN} 一、任务14：2024年底前涉粉作业10人以上金属粉尘、木粉尘企业"
        "接入监测预警系统；2025年实现相关重点企业“应接尽接”",
        unit=PERCENT,
        better=HIGHER,
        goals={2024: ALL, 2025: ALL, 2026: ALL},
        compute=connect_figures,
        gaps=connect_gaps,
        dated=False,
        note="应接企业按当时生效的应接尽接规则（见“监测预警 → 应接尽接”）；"
        "已接入：24小时内有安全监测数据",
        gap_label="应接未接（24小时无数据）",
    ),
    Measure(
        key="standardization",
        short="标准化达标",
        label="安全生产标准化达标覆盖率",
        task="任务11、12",
        source=f"{PLAN} 一、任务11：2025年底前基本形成自主管理、持续改进的"
        "企业安全生产标准化管理体系",
        unit=PERCENT,
        better=HIGHER,
        goals={2024: None, 2025: Decimal(90), 2026: ALL},
        compute=standardization_figures,
        gaps=standardization_gaps,
        drafted=True,
        note="达标：有有效的标准化定级（含小微企业达标）；方案未给百分比，目标值为本平台设定",
        gap_label="未达标",
    ),
    Measure(
        key="standardization_small",
        short="小微标准化",
        label="小微企业标准化达标覆盖率",
        task="任务11",
        source=f"{PLAN} 任务11：2025年指导小微企业加强安全生产标准化管理体系建设",
        unit=PERCENT,
        better=HIGHER,
        goals={2024: None, 2025: Decimal(80), 2026: ALL},
        compute=small_figures,
        gaps=small_gaps,
        drafted=True,
        note="小微企业按企业登记的“小微企业”标记；目标值为本平台设定",
        gap_label="小微企业未达标",
    ),
    Measure(
        key="majors_found",
        short="重大隐患查出",
        label="本年查出重大事故隐患",
        task="任务6",
        source=f"{PLAN} 任务6：持续开展重大事故隐患专项整治，确保重大事故隐患动态清零",
        unit=COUNT,
        better=HIGHER,
        goals={},
        compute=majors_found_figures,
        note="数量，无目标值",
    ),
    Measure(
        key="majors_closed",
        short="清零销号",
        label="清零年度重大事故隐患整改销号率",
        task="任务6",
        source=f"{PLAN} 任务6：{ZERO_OUT.text}",
        unit=PERCENT,
        better=HIGHER,
        goals={2024: ALL, 2025: ALL, 2026: ALL},
        compute=majors_closed_figures,
        gaps=majors_closed_gaps,
        note="清零年度：1月31日前为上一年度，之后为本年度",
        gap_label="清零年度重大隐患未销号",
    ),
    Measure(
        key="majors_overdue",
        short="逾期重大隐患",
        label="超过1月31日未整改的重大事故隐患",
        task="任务6",
        source=f"{PLAN} 任务6：{ZERO_OUT.text}",
        unit=COUNT,
        better=LOWER,
        goals={2024: Decimal(0), 2025: Decimal(0), 2026: Decimal(0)},
        compute=majors_overdue_figures,
        gaps=majors_overdue_gaps,
        gap_label="有逾期重大隐患",
    ),
    Measure(
        key="principal_checks",
        short="带队检查",
        label="主要负责人带队检查履职率",
        task="任务5",
        source=f"{PLAN} 任务5：企业主要负责人每季度至少带队检查1次（重点行业领域每月至少1次）",
        unit=PERCENT,
        better=HIGHER,
        goals={2024: ALL, 2025: ALL, 2026: ALL},
        compute=checks_figures,
        gaps=checks_gaps,
        note="正常生产企业本周期（月或季度）是否已有主要负责人带队检查",
        gap_label="本周期未带队检查",
    ),
    Measure(
        key="principal_training",
        short="负责人培训",
        label="重点行业领域主要负责人培训覆盖率",
        task="任务17",
        source=f"{PLAN} 任务17：三年内完成重点行业领域企业主要负责人专题安全教育培训全覆盖",
        unit=PERCENT,
        better=HIGHER,
        goals={2024: Decimal(40), 2025: Decimal(70), 2026: ALL},
        compute=training_figures,
        gaps=training_gaps,
        drafted=True,
        note="2026年全覆盖为方案目标；2024、2025年的阶段值为本平台设定",
        gap_label="主要负责人未培训",
    ),
    Measure(
        key="drills",
        short="疏散演练",
        label="疏散逃生演练完成率",
        task="任务18",
        source=f"{PLAN} 任务18：金属冶炼（机械铸造）、劳动密集型及“厂中厂”等企业每半年至少1次，"
        "其他企业每年至少1次",
        unit=PERCENT,
        better=HIGHER,
        goals={2024: ALL, 2025: ALL, 2026: ALL},
        compute=drills_figures,
        gaps=drills_gaps,
        note="本周期（半年或年）已开展疏散逃生演练的企业",
        gap_label="本周期未演练",
    ),
    Measure(
        key="enforcement_plan",
        short="执法计划",
        label="年度执法计划重点检查完成率",
        task="任务22",
        source=f"{PLAN} 任务22：制定年度执法计划，分级确定重点检查企业名单",
        unit=PERCENT,
        better=HIGHER,
        goals={2024: ALL, 2025: ALL, 2026: ALL},
        compute=plan_figures,
        gaps=plan_gaps,
        note="已批准年度计划的重点检查：截至当月应检次数中已完成的",
        gap_label="重点检查未按月完成",
    ),
    Measure(
        key="random_share",
        short="双随机占比",
        label="双随机抽查占比",
        task="任务22",
        source=f"{PLAN} 任务22：对其他工贸企业实行“双随机、一公开”执法抽查；{RANDOM_SHARE_SOURCE}",
        unit=PERCENT,
        better=HIGHER,
        goals={2024: RANDOM_GOAL, 2025: RANDOM_GOAL, 2026: RANDOM_GOAL},
        compute=random_figures,
        note="本年已完成检查中来自双随机抽取的",
    ),
    Measure(
        key="remote_capability",
        short="非现场执法",
        label="具备非现场执法能力的镇街",
        task="任务23",
        source=f"{PLAN} 任务23：指导开发区、各镇街开展非现场执法试点，实现全县具备非现场执法能力",
        unit=PERCENT,
        better=HIGHER,
        goals={2024: None, 2025: Decimal(50), 2026: ALL},
        compute=remote_figures,
        drafted=True,
        per_town=True,
        note="镇街办结过至少1件非现场执法案件；2025年阶段值为本平台设定",
    ),
    Measure(
        key="zero_penalty",
        short="零处罚镇街",
        label="“零处罚”镇街",
        task="任务24",
        source=f"{PLAN} 任务24：选取“零处罚”“只检查不处罚”等工作不力的辖区开展执法指导帮扶",
        unit=COUNT,
        better=LOWER,
        goals={2024: Decimal(0), 2025: Decimal(0), 2026: Decimal(0)},
        compute=zero_penalty_figures,
        drafted=True,
        per_town=True,
        note="本年尚无立案处罚的镇街；目标0为本平台设定",
    ),
]

BY_KEY = {measure.key: measure for measure in MEASURES}


def get(key: str) -> Measure | None:
    return BY_KEY.get(key)


@dataclass
class Figure:
    """One measure's figure at one node: the value (a percentage, or the count), and whether
    there is anything to measure."""

    numerator: int = 0
    denominator: int | None = None
    unit: str = PERCENT

    @property
    def value(self) -> Decimal | None:
        if self.unit == COUNT:
            return Decimal(self.numerator)
        if not self.denominator:
            return None
        return (Decimal(self.numerator) * 100 / self.denominator).quantize(Decimal("0.1"))


GREEN, YELLOW, RED, GREY = "green", "yellow", "red", "grey"
LIGHT_LABELS = {GREEN: "达标", YELLOW: "接近", RED: "未达标", GREY: "无目标"}
YELLOW_MARGIN = Decimal(10)  # percentage points below a goal still counted as close


def light(measure: Measure, value: Decimal | None, goal: Decimal | None) -> str:
    """Green at or past the goal; yellow within YELLOW_MARGIN points below a percentage goal;
    red otherwise; grey without a goal or without anything to measure."""
    if goal is None or value is None:
        return GREY
    if measure.better == LOWER:
        return GREEN if value <= goal else RED
    if value >= goal:
        return GREEN
    if measure.unit == PERCENT and value >= goal - YELLOW_MARGIN:
        return YELLOW
    return RED


def stricter(measure: Measure, goal: Decimal, county_goal: Decimal | None) -> bool:
    """A town's goal is at least as strict as the county's."""
    if county_goal is None:
        return True
    return goal >= county_goal if measure.better == HIGHER else goal <= county_goal
