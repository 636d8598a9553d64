"""The inspector pool, conflicts, the key list and annual plans, random draws and their
outcomes: validate, authorize, change, record. A refusal raises `Refused` (core.errors) with
its reason in Chinese and an HTTP status; nothing changes."""

import math
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role, can
from core.errors import Refused
from core.gate import check
from core.inputs import text_problem
from core.models import Jurisdiction
from enforcement.areas import area_for
from enforcement.constants import FILTER_KEYS, KEY_LEVELS, KEY_SECTORS, RANDOM_SHARE_MIN
from enforcement.models import (
    AssignmentInspector,
    Conflict,
    Draw,
    DrawAssignment,
    EnforcementPlan,
    Inspection,
    Inspector,
    Outcome,
    PlanItem,
    PlanStatus,
    _ancestor_ids,
    pack_ids,
)
from enforcement.plans import draw as algorithm
from enterprises.choices import Industry, Status
from enterprises.models import Enterprise, SectorTag
from grading.models import RiskLevel

# --- inspector pool -----------------------------------------------------------------------------


def inspector_pool(area: Jurisdiction):
    """Users in the pool for draws in `area`: active enforcement officers with a badge number,
    of the area, above it or below it, not taken out of the pool (an inactive Inspector row)."""
    return (
        User.objects.filter(
            Q(jurisdiction__path__startswith=area.path)
            | Q(jurisdiction__in=_ancestor_ids(area.path)),
            role=Role.ENFORCEMENT_OFFICER,
            is_active=True,
        )
        .exclude(badge_number="")
        .exclude(inspector__active=False)
        .order_by("id")
    )


def set_in_pool(user, officer_id: int, active: bool, note: str = "") -> Inspector:
    check(user, "inspector.manage", "管理执法人员名录库")
    officer = inspector_pool_candidates(user).filter(pk=officer_id).first()
    if officer is None:
        raise Refused("执法人员不存在", 404)
    if problem := text_problem(note or "", multiline=False):
        raise Refused(f"备注{problem}")
    inspector, _ = Inspector.objects.update_or_create(
        user=officer,
        defaults={"jurisdiction": officer.jurisdiction, "active": active, "note": note[:200]},
    )
    return inspector


def inspector_pool_candidates(user):
    if not user.jurisdiction_id:
        return User.objects.none()
    return User.objects.filter(
        role=Role.ENFORCEMENT_OFFICER, jurisdiction__path__startswith=user.jurisdiction.path
    ).order_by("id")


# --- conflicts ----------------------------------------------------------------------------------


def declare_conflict(user, inspector_id: int, enterprise_id: int, reason: str) -> Conflict:
    check(user, "conflict.manage", "申报回避")
    reason = (reason or "").strip()
    if not reason:
        raise Refused("请填写回避事由")
    if len(reason) > 200:
        raise Refused("回避事由不能超过 200 字")
    enterprise = Enterprise.objects.for_user(user).filter(pk=enterprise_id).first()
    if enterprise is None:
        raise Refused("企业不存在", 404)
    inspector = inspector_pool_candidates(user).filter(pk=inspector_id).first()
    # An officer declares their own conflicts; a supervisor may declare anyone's.
    if inspector is None or (not can(user, "conflict.manage_pool") and inspector.pk != user.pk):
        raise Refused("执法人员不存在或您不能为其申报回避", 404)
    with transaction.atomic():
        if Conflict.objects.active().filter(inspector=inspector, enterprise=enterprise).exists():
            raise Refused(f"{inspector.display_name}已申报回避“{enterprise.name}”", 409)
        return Conflict.objects.create(
            inspector=inspector, enterprise=enterprise, reason=reason, declared_by=user
        )


def withdraw_conflict(user, conflict_id: int) -> Conflict:
    check(user, "conflict.manage", "撤销回避")
    with transaction.atomic():
        conflict = (
            Conflict.objects.for_user(user).select_for_update().filter(pk=conflict_id).first()
        )
        if conflict is None:
            raise Refused("回避申报不存在", 404)
        if not can(user, "conflict.manage_pool") and conflict.inspector_id != user.pk:
            raise Refused("只能撤销本人的回避申报", 403)
        if conflict.withdrawn_at:
            raise Refused("该回避申报已撤销", 409)
        conflict.withdrawn_at = timezone.now()
        conflict.withdrawn_by = user
        conflict.save(update_fields=["withdrawn_at", "withdrawn_by"])
    return conflict


# --- key list -----------------------------------------------------------------------------------


def _spread_months(visits: int, offset: int) -> list[int]:
    """`visits` months spread over the year, staggered by `offset` so that not every key
    enterprise lands in January."""
    visits = max(1, min(12, visits))
    step = 12 / visits
    start = offset % max(1, int(step))
    return sorted({int(start + i * step) % 12 + 1 for i in range(visits)})


def _grades(enterprise_ids: list[int]) -> dict[int, tuple[str, int]] | None:
    """{enterprise id: (level, visits per year)} for the key levels, from the grading app, or
    None when the app or its tables are not there. Visits: the grading app's supervision
    frequency for the grade (grading.frequency, with its reduction for standardized enterprises
    and the major-hazard veto), rounded up, at least one."""
    try:
        grade_model = apps.get_model("grading", "EnterpriseGrade")
        from grading import frequency
    except (LookupError, ImportError):
        return None
    try:
        with transaction.atomic():
            table = frequency.Table()
            grades = list(
                grade_model.objects.filter(
                    enterprise_id__in=enterprise_ids, level__in=KEY_LEVELS
                ).select_related("enterprise")
            )
    except DatabaseError:
        return None
    result = {}
    for grade in grades:
        found = frequency.for_enterprise_grade(grade, table)
        per_year = found.per_year if found is not None else Decimal(1)
        result[grade.enterprise_id] = (grade.level, max(1, math.ceil(per_year)))
    return result


LEVEL_NAMES = {"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色"}


def key_list(area: Jurisdiction) -> tuple[list[dict], str]:
    """The key list for an area: [{enterprise_id, reason, visits, months}], and its source.

    Grades first: an enterprise graded red or orange is key, visited as often as the grading
    app's frequency for its grade says (less for standardized enterprises, task 13). An
    enterprise without a grade (the grading app absent, or not graded yet) is key when it
    carries a high-risk sector tag (constants.KEY_SECTORS), visited that often. Source: "grading",
    "sectors", or "grading+sectors" when both contributed."""
    operating = Enterprise.objects.filter(scope_path__startswith=area.path, status=Status.OPERATING)
    ids = list(operating.values_list("pk", flat=True))
    grades = _grades(ids)
    graded_ids = set()
    items: list[dict[str, Any]] = []
    used = set()
    if grades is not None:
        grade_model = apps.get_model("grading", "EnterpriseGrade")
        graded_ids = set(
            grade_model.objects.filter(enterprise_id__in=ids).values_list(
                "enterprise_id", flat=True
            )
        )
        for enterprise_id, (level, visits) in sorted(grades.items()):
            items.append(
                {
                    "enterprise_id": enterprise_id,
                    "reason": f"风险等级{LEVEL_NAMES.get(level, level)}",
                    "visits": visits,
                }
            )
        if items:
            used.add("grading")
    tagged = (
        operating.exclude(pk__in=graded_ids)
        .filter(sector_tags__code__in=list(KEY_SECTORS))
        .values_list("pk", "sector_tags__code", "sector_tags__name")
        .order_by("pk")
    )
    by_enterprise = defaultdict(list)
    for enterprise_id, code, name in tagged:
        by_enterprise[enterprise_id].append((code, name))
    for enterprise_id, tags in sorted(by_enterprise.items()):
        items.append(
            {
                "enterprise_id": enterprise_id,
                "reason": "高风险行业领域：" + "、".join(sorted(name for _, name in tags)),
                "visits": max(KEY_SECTORS[code] for code, _ in tags),
            }
        )
        used.add("sectors")
    for item in items:
        item["months"] = _spread_months(item["visits"], item["enterprise_id"])
    source = "+".join(s for s in ("grading", "sectors") if s in used) or (
        "grading" if grades is not None else "sectors"
    )
    return items, source


# --- plans --------------------------------------------------------------------------------------


def _clean_months(random_by_month) -> dict[str, int]:
    if random_by_month is None:
        return {}
    if not isinstance(random_by_month, dict):
        raise Refused("双随机抽查按月数量格式有误")
    cleaned = {}
    for key, value in random_by_month.items():
        try:
            month, count = int(key), int(value)
        except (TypeError, ValueError):
            raise Refused("双随机抽查按月数量应为整数") from None
        if not 1 <= month <= 12:
            raise Refused(f"月份 {key} 无效，应为 1–12")
        if not 0 <= count <= 100000:
            raise Refused(f"{month}月抽查数量应在 0–100000 之间")
        if count:
            cleaned[str(month)] = count
    return cleaned


def create_plan(user, year: int, title: str = "", random_by_month=None, note: str = ""):
    check(user, "plan.manage", "编制执法计划")
    area = area_for(user)
    if not 2000 <= int(year) <= 2100:
        raise Refused("年度应在 2000–2100 之间")
    months = _clean_months(random_by_month)
    title = (title or "").strip() or f"{area.name}{year}年度工贸行业监督检查计划"
    if len(title) > 100:
        raise Refused("计划名称不能超过 100 字")
    items, source = key_list(area)
    try:
        with transaction.atomic():
            plan = EnforcementPlan.objects.create(
                year=year,
                jurisdiction=area,
                title=title,
                random_by_month=months,
                note=(note or "")[:2000],
                key_list_source=source,
                created_by=user,
            )
            PlanItem.objects.bulk_create(
                PlanItem(
                    plan=plan,
                    enterprise_id=item["enterprise_id"],
                    reason=item["reason"][:200],
                    visits=item["visits"],
                    months=item["months"],
                )
                for item in items
            )
    except IntegrityError:
        raise Refused(f"{area.name}{year}年度执法计划已存在", 409) from None
    return plan


def _locked_plan(user, plan_id) -> EnforcementPlan:
    plan = EnforcementPlan.objects.for_user(user).select_for_update().filter(pk=plan_id).first()
    if plan is None:
        raise Refused("执法计划不存在", 404)
    return plan


def update_plan(user, plan_id, random_by_month=None, note=None) -> EnforcementPlan:
    check(user, "plan.manage", "修改执法计划")
    with transaction.atomic():
        plan = _locked_plan(user, plan_id)
        if plan.status != PlanStatus.DRAFT:
            raise Refused("计划已批准，不能修改", 409)
        if random_by_month is not None:
            plan.random_by_month = _clean_months(random_by_month)
        if note is not None:
            plan.note = note[:2000]
        plan.save()
    return plan


def refresh_key_list(user, plan_id) -> EnforcementPlan:
    """Rebuild a draft plan's key list from today's grades and sectors."""
    check(user, "plan.manage", "更新重点检查名单")
    with transaction.atomic():
        plan = _locked_plan(user, plan_id)
        if plan.status != PlanStatus.DRAFT:
            raise Refused("计划已批准，不能更新名单", 409)
        items, source = key_list(plan.jurisdiction)
        plan.items.all().delete()
        PlanItem.objects.bulk_create(
            PlanItem(
                plan=plan,
                enterprise_id=item["enterprise_id"],
                reason=item["reason"][:200],
                visits=item["visits"],
                months=item["months"],
            )
            for item in items
        )
        plan.key_list_source = source
        plan.save(update_fields=["key_list_source"])
    return plan


def plan_actions(user, plan) -> list[str]:
    """What this user may do to this plan now: while it is a draft, change its months and note
    ("edit") and refresh its key list ("refresh") with plan.manage, and approve it ("approve")
    with plan.approve; start a checklist inspection of a listed enterprise ("inspect") with
    inspection.manage. Pages show these as buttons; the services still check each one."""
    actions = []
    if plan.status == PlanStatus.DRAFT:
        if can(user, "plan.manage"):
            actions += ["edit", "refresh"]
        if can(user, "plan.approve"):
            actions.append("approve")
    if can(user, "inspection.manage"):
        actions.append("inspect")
    return actions


def plan_totals(plan) -> dict:
    key_visits = sum(plan.items.values_list("visits", flat=True))
    random_target = plan.random_target
    total = key_visits + random_target
    share = (Decimal(random_target) / total) if total else Decimal(0)
    needed = math.ceil(RANDOM_SHARE_MIN * key_visits / (1 - RANDOM_SHARE_MIN)) if key_visits else 0
    return {
        "key_enterprises": plan.items.count(),
        "key_visits": key_visits,
        "random_target": random_target,
        "total": total,
        "random_share": share,
        "random_needed": needed,
        "meets_share": total > 0 and share >= RANDOM_SHARE_MIN,
    }


def approve_plan(user, plan_id) -> EnforcementPlan:
    check(user, "plan.approve", "批准执法计划")
    with transaction.atomic():
        plan = _locked_plan(user, plan_id)
        if plan.status != PlanStatus.DRAFT:
            raise Refused("计划已批准", 409)
        totals = plan_totals(plan)
        if not totals["meets_share"]:
            raise Refused(
                f"双随机抽查占比 {totals['random_share']:.0%}，低于 {RANDOM_SHARE_MIN:.0%}："
                f"重点检查 {totals['key_visits']} 次时，双随机抽查应不少于 "
                f"{totals['random_needed']} 次",
                409,
            )
        plan.status = PlanStatus.APPROVED
        plan.approved_by = user
        plan.approved_at = timezone.now()
        plan.save()
    return plan


def _inspections_done_by_month(plan, user=None) -> dict[int, int]:
    """{month: key-list inspections done in the plan's year}: completed inspections linked to
    one of the plan's key-list entries, or, unlinked to any plan entry or draw, of an
    enterprise on the key list."""
    done = Inspection.objects.completed().filter(inspected_on__year=plan.year)
    if user is not None:
        done = done.filter(pk__in=Inspection.objects.for_user(user).values("pk"))
    done = done.filter(
        Q(plan_item__plan=plan)
        | Q(
            plan_item__isnull=True,
            assignment__isnull=True,
            enterprise__in=plan.items.values("enterprise"),
        )
    )
    counts: defaultdict[int, int] = defaultdict(int)
    for day in done.values_list("inspected_on", flat=True):
        counts[day.month] += 1
    return dict(counts)


def plan_progress(plan, user=None) -> list[dict]:
    """Per month: planned key visits and random inspections, random inspections drawn and done
    (draws of this plan whose assignments have an outcome), key inspections done (hook)."""
    planned_key: defaultdict[int, int] = defaultdict(int)
    items = plan.items.all() if user is None else PlanItem.objects.for_user(user).filter(plan=plan)
    for months in items.values_list("months", flat=True):
        for month in months or []:
            planned_key[int(month)] += 1
    assignments = DrawAssignment.objects.filter(draw__plan=plan)
    if user is not None:
        assignments = assignments.filter(pk__in=DrawAssignment.objects.for_user(user).values("pk"))
    drawn: defaultdict[int, int] = defaultdict(int)
    done: defaultdict[int, int] = defaultdict(int)
    for planned, completed, outcome in assignments.values_list(
        "planned_date", "completed_on", "outcome"
    ):
        if planned and planned.year == plan.year:
            drawn[planned.month] += 1
        if outcome and completed and completed.year == plan.year:
            done[completed.month] += 1
    key_done = _inspections_done_by_month(plan, user)
    rows = []
    for month in range(1, 13):
        rows.append(
            {
                "month": month,
                "planned_key": planned_key[month],
                "done_key": key_done.get(month, 0),
                "planned_random": int((plan.random_by_month or {}).get(str(month), 0)),
                "drawn_random": drawn[month],
                "done_random": done[month],
            }
        )
    return rows


def plan_coverage(plan) -> dict:
    """How much of the area the plan reaches: key enterprises, enterprises drawn so far."""
    operating = Enterprise.objects.filter(
        scope_path__startswith=plan.jurisdiction.path, status=Status.OPERATING
    ).count()
    key = plan.items.count()
    drawn = DrawAssignment.objects.filter(draw__plan=plan).values("enterprise").distinct().count()
    return {
        "operating": operating,
        "key": key,
        "drawn": drawn,
        "key_share": (key / operating) if operating else 0,
        "covered_share": ((key + drawn) / operating) if operating else 0,
    }


# --- draws --------------------------------------------------------------------------------------


def clean_filters(filters, area: Jurisdiction) -> dict:
    """The pool filter, checked: unknown keys, bad codes and a town outside the area are
    refused with the reason."""
    if filters in (None, ""):
        return {}
    if not isinstance(filters, dict):
        raise Refused("抽取范围格式有误")
    unknown = set(filters) - set(FILTER_KEYS)
    if unknown:
        raise Refused("抽取范围含有未知条件：" + "、".join(sorted(unknown)))
    cleaned: dict[str, Any] = {}
    town = filters.get("town")
    if town is not None and town != "":
        try:
            town = int(town)
        except (TypeError, ValueError):
            raise Refused("镇街编号有误") from None
        node = Jurisdiction.objects.filter(pk=town, path__startswith=area.path).first()
        if node is None or not node.is_town_level:
            raise Refused("所选镇街不在本辖区内")
        cleaned["town"] = town
    for key, valid, label in (
        ("industry", set(Industry.values), "行业"),
        ("sector_tags", None, "重点行业领域"),
        ("grade", set(RiskLevel.values), "风险等级"),
    ):
        values = filters.get(key)
        if values in (None, "", []):
            continue
        if isinstance(values, str):
            values = [values]
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise Refused(f"{label}条件格式有误")
        if valid is None:
            valid = set(SectorTag.objects.values_list("code", flat=True))
        bad = [v for v in values if v not in valid]
        if bad:
            raise Refused(f"{label}代码无效：" + "、".join(bad[:5]))
        cleaned[key] = sorted(set(values))
    if filters.get("exclude_key_list"):
        cleaned["exclude_key_list"] = True
    months = filters.get("exclude_recent_months")
    if months is not None and months not in ("", 0):
        try:
            months = int(months)
        except (TypeError, ValueError):
            raise Refused("排除近期已抽查的月数应为整数") from None
        if not 1 <= months <= 36:
            raise Refused("排除近期已抽查的月数应在 1–36 之间")
        cleaned["exclude_recent_months"] = months
    return cleaned


def describe_filters(filters: dict) -> str:
    """A draw's pool filter (clean_filters) in words, for its page: 全部企业 when none."""
    parts = []
    if filters.get("town"):
        town = Jurisdiction.objects.filter(pk=filters["town"]).values_list("name", flat=True)
        parts.append(f"镇街：{town.first() or '（已删除）'}")
    if filters.get("industry"):
        labels = dict(Industry.choices)
        parts.append("行业：" + "、".join(str(labels.get(v, v)) for v in filters["industry"]))
    if filters.get("sector_tags"):
        names = dict(SectorTag.objects.values_list("code", "name"))
        parts.append("重点行业领域：" + "、".join(names.get(v, v) for v in filters["sector_tags"]))
    if filters.get("grade"):
        levels = dict(RiskLevel.choices)
        parts.append("风险等级：" + "、".join(levels.get(v, v) for v in filters["grade"]))
    if filters.get("exclude_key_list"):
        parts.append("排除重点检查名单企业")
    if filters.get("exclude_recent_months"):
        parts.append(f"排除近 {filters['exclude_recent_months']} 个月已抽查的企业")
    return "；".join(parts) or "全部企业"


def pool_queryset(area: Jurisdiction, filters: dict, plan=None, today=None):
    """Enterprises a draw picks from: operating enterprises of the area, narrowed by the
    filter (see constants.FILTER_KEYS)."""
    pool = Enterprise.objects.filter(scope_path__startswith=area.path, status=Status.OPERATING)
    if filters.get("town"):
        town = Jurisdiction.objects.get(pk=filters["town"])
        pool = pool.filter(scope_path__startswith=town.path)
    if filters.get("industry"):
        pool = pool.filter(industry__in=filters["industry"])
    if filters.get("sector_tags"):
        tagged = Enterprise.sector_tags.through.objects.filter(
            sectortag_id__in=filters["sector_tags"]
        ).values("enterprise_id")
        pool = pool.filter(pk__in=tagged)
    if filters.get("grade"):
        try:
            grade_model = apps.get_model("grading", "EnterpriseGrade")
        except LookupError:
            raise Refused("尚未启用风险分级，不能按风险等级抽取") from None
        graded = grade_model.objects.filter(level__in=filters["grade"]).values("enterprise_id")
        pool = pool.filter(pk__in=graded)
    if filters.get("exclude_key_list") and plan is not None:
        pool = pool.exclude(pk__in=plan.items.values("enterprise_id"))
    if filters.get("exclude_recent_months"):
        since = timezone.now() - timedelta(days=31 * filters["exclude_recent_months"])
        recent = DrawAssignment.objects.filter(draw__drawn_at__gte=since).values("enterprise_id")
        pool = pool.exclude(pk__in=recent)
    return pool.order_by("pk")


def _exclusions(chosen: list[int], inspectors: list[int], avoid_repeat: bool) -> dict:
    """{enterprise id: inspector ids barred}: active conflicts, and with avoid_repeat the
    inspectors of each enterprise's most recent earlier assignment (its last draw)."""
    pool = set(inspectors)
    barred = defaultdict(set)
    for inspector_id, enterprise_id in (
        Conflict.objects.active()
        .filter(enterprise_id__in=chosen, inspector_id__in=inspectors)
        .values_list("inspector_id", "enterprise_id")
    ):
        barred[enterprise_id].add(inspector_id)
    if avoid_repeat and chosen:
        last = dict(
            DrawAssignment.objects.filter(enterprise_id__in=chosen)
            .values("enterprise_id")
            .annotate(last=Max("id"))
            .values_list("enterprise_id", "last")
        )
        if last:
            owner = {assignment_id: ent for ent, assignment_id in last.items()}
            for assignment_id, inspector_id in AssignmentInspector.objects.filter(
                assignment_id__in=list(owner)
            ).values_list("assignment_id", "inspector_id"):
                if inspector_id in pool:
                    barred[owner[assignment_id]].add(inspector_id)
    return {ent: sorted(ids) for ent, ids in barred.items() if ids}


def _planned_dates(count: int, start: date | None, end: date | None) -> list[date | None]:
    """Inspection dates spread evenly over the window, in the order drawn (not random: the
    enterprises' order already is)."""
    if not start or not end:
        return [start] * count
    span = (end - start).days
    if count <= 1:
        return [start] * count
    return [start + timedelta(days=round(i * span / (count - 1))) for i in range(count)]


@dataclass
class DrawRequest:
    name: str
    enterprise_count: int
    inspectors_per_enterprise: int = 2
    avoid_repeat: bool = True
    filters: dict = field(default_factory=dict)
    seed: str = ""
    plan_id: int | None = None
    planned_from: date | None = None
    planned_to: date | None = None


def create_draw(user, request: DrawRequest) -> Draw:
    """Draw enterprises and inspectors, store the inputs and the result. Refused (nothing
    stored) when the count exceeds the pool, when fewer than two inspectors are asked for, or
    when an enterprise drawn has too few eligible inspectors."""
    check(user, "draw.create", "组织双随机抽查")
    area = area_for(user)
    name = (request.name or "").strip()
    if not name:
        raise Refused("请填写抽查名称")
    if len(name) > 100:
        raise Refused("抽查名称不能超过 100 字")
    if request.inspectors_per_enterprise < algorithm.MIN_INSPECTORS:
        raise Refused(f"每户执法人员不得少于 {algorithm.MIN_INSPECTORS} 名")
    if request.inspectors_per_enterprise > 10:
        raise Refused("每户执法人员不得多于 10 名")
    if request.enterprise_count < 1:
        raise Refused("抽取企业数至少为 1")
    seed = (request.seed or "").strip()
    generated = not seed
    if generated:
        seed = secrets.token_hex(16)
    if len(seed) > 64 or not seed.isprintable():
        raise Refused("随机种子最多 64 个可见字符")
    if request.planned_from and request.planned_to and request.planned_to < request.planned_from:
        raise Refused("计划检查止日不能早于起日")
    plan = None
    if request.plan_id:
        plan = EnforcementPlan.objects.for_user(user).filter(pk=request.plan_id).first()
        if plan is None:
            raise Refused("执法计划不存在", 404)
    filters = clean_filters(request.filters, area)
    if filters.get("exclude_key_list") and plan is None:
        raise Refused("排除重点检查企业需选择所属执法计划")
    pool = list(pool_queryset(area, filters, plan).values_list("pk", flat=True))
    inspectors = list(inspector_pool(area).values_list("pk", flat=True))
    n, k = request.enterprise_count, request.inspectors_per_enterprise
    snapshot = {}

    def exclusions(chosen):
        snapshot.update(_exclusions(chosen, inspectors, request.avoid_repeat))
        return snapshot

    def name_of(enterprise_id):
        return Enterprise.objects.filter(pk=enterprise_id).values_list("name", flat=True).first()

    picks = algorithm.run(seed, pool, inspectors, n, k, exclusions, name_of)
    dates = _planned_dates(len(picks), request.planned_from, request.planned_to)
    previous = Draw.objects.filter(jurisdiction=area).order_by("-drawn_at", "-id").first()
    with transaction.atomic():
        draw = Draw.objects.create(
            plan=plan,
            jurisdiction=area,
            name=name,
            filters=filters,
            enterprise_count=n,
            inspectors_per_enterprise=k,
            avoid_repeat=request.avoid_repeat,
            planned_from=request.planned_from,
            planned_to=request.planned_to,
            seed=seed,
            seed_generated=generated,
            algorithm=algorithm.ALGORITHM,
            pool_size=len(pool),
            pool_ids=pack_ids(pool),
            inspector_ids=inspectors,
            exclusions=algorithm.canonical_exclusions(snapshot),
            previous_draw=previous,
            inputs_hash=algorithm.inputs_hash(seed, pool, inspectors, n, k, snapshot),
            result_hash=algorithm.result_hash(picks),
            drawn_by=user,
        )
        assignments = DrawAssignment.objects.bulk_create(
            DrawAssignment(
                draw=draw, position=i + 1, enterprise_id=pick.enterprise_id, planned_date=day
            )
            for i, (pick, day) in enumerate(zip(picks, dates, strict=True))
        )
        if any(a.pk is None for a in assignments):  # backends without RETURNING
            assignments = list(draw.assignments.order_by("position"))
        AssignmentInspector.objects.bulk_create(
            AssignmentInspector(assignment=assignment, position=j + 1, inspector_id=inspector)
            for assignment, pick in zip(assignments, picks, strict=True)
            for j, inspector in enumerate(pick.inspector_ids)
        )
    return draw


def draw_inputs(draw: Draw) -> dict:
    """Everything needed to re-run a draw, as JSON (the public page offers it)."""
    return {
        "algorithm": draw.algorithm,
        "seed": draw.seed,
        "pool": draw.pool,
        "inspectors": list(draw.inspector_ids),
        "n": draw.enterprise_count,
        "k": draw.inspectors_per_enterprise,
        "exclusions": draw.exclusions,
        "inputs_hash": draw.inputs_hash,
        "result_hash": draw.result_hash,
    }


def public_inputs(draw: Draw) -> dict:
    """What anyone needs to re-run a published draw (`draw.replay`) and check its result, and
    nothing more: each drawn enterprise's eligible inspectors after recusals and avoid-repeat,
    not the exclusions (who stood aside from which enterprise is a personal conflict of
    interest), and no planned dates."""
    picks = stored_result(draw)
    candidates = algorithm.candidates_for(
        draw.inspector_ids, draw.exclusions, [pick.enterprise_id for pick in picks]
    )
    return {
        "algorithm": draw.algorithm,
        "seed": draw.seed,
        "pool": draw.pool,
        "n": draw.enterprise_count,
        "k": draw.inspectors_per_enterprise,
        "candidates": {str(key): value for key, value in candidates.items()},
        "result": [
            {"enterprise": pick.enterprise_id, "inspectors": list(pick.inspector_ids)}
            for pick in picks
        ],
        "result_hash": draw.result_hash,
    }


def stored_result(draw: Draw) -> list[algorithm.Pick]:
    inspectors = defaultdict(list)
    for assignment_id, inspector_id in (
        AssignmentInspector.objects.filter(assignment__draw=draw)
        .order_by("assignment__position", "position")
        .values_list("assignment_id", "inspector_id")
    ):
        inspectors[assignment_id].append(inspector_id)
    return [
        algorithm.Pick(enterprise_id, tuple(inspectors[pk]))
        for pk, enterprise_id in draw.assignments.order_by("position").values_list(
            "pk", "enterprise_id"
        )
    ]


@dataclass
class Verification:
    ok: bool
    problems: list[str]


def verify(draw: Draw) -> Verification:
    """Re-run the draw from its stored inputs and compare with what is stored."""
    problems = []
    if draw.algorithm != algorithm.ALGORITHM:
        return Verification(False, [f"算法版本 {draw.algorithm} 无法在本系统重新运行"])
    pool = draw.pool
    inputs = draw_inputs(draw)
    if len(pool) != draw.pool_size:
        problems.append("企业库数量与记录不符")
    digest = algorithm.inputs_hash(
        draw.seed, pool, inputs["inspectors"], inputs["n"], inputs["k"], draw.exclusions
    )
    if digest != draw.inputs_hash:
        problems.append("抽取输入（种子、企业库、人员库或回避）与记录的摘要不符")
    try:
        picks = algorithm.run(
            draw.seed,
            pool,
            inputs["inspectors"],
            inputs["n"],
            inputs["k"],
            {int(key): value for key, value in draw.exclusions.items()},
        )
    except Refused as exc:
        return Verification(False, [*problems, f"按记录的输入重新抽取失败：{exc}"])
    stored = stored_result(draw)
    if algorithm.result_hash(picks) != draw.result_hash:
        problems.append("重新抽取的结果与记录的结果摘要不符")
    if picks != stored:
        differing = sum(1 for a, b in zip(picks, stored, strict=False) if a != b)
        differing += abs(len(picks) - len(stored))
        problems.append(f"重新抽取的结果与保存的抽查名单有 {differing} 处不一致")
    return Verification(not problems, problems)


def draw_actions(user, draw) -> list[str]:
    """What this user may do to this draw now: publish its result while unpublished
    ("publish", draw.create), record an assignment's outcome ("outcome", draw.outcome) and
    start a checklist inspection of a drawn enterprise ("inspect", inspection.manage). Pages
    show these as buttons; the services still check each one."""
    actions = []
    if not draw.published and can(user, "draw.create"):
        actions.append("publish")
    if can(user, "draw.outcome"):
        actions.append("outcome")
    if can(user, "inspection.manage"):
        actions.append("inspect")
    return actions


def _locked_draw(user, draw_id) -> Draw:
    draw = Draw.objects.for_user(user).select_for_update().filter(pk=draw_id).first()
    if draw is None:
        raise Refused("抽查不存在", 404)
    return draw


def publish_draw(user, draw_id) -> Draw:
    check(user, "draw.create", "公开抽查结果")
    with transaction.atomic():
        draw = _locked_draw(user, draw_id)
        if draw.published:
            raise Refused("该抽查已公开", 409)
        draw.published = True
        draw.published_at = timezone.now()
        draw.save(update_fields=["published", "published_at"])
    return draw


def record_outcome(user, assignment_id, outcome: str, note: str = "", completed_on=None):
    check(user, "draw.outcome", "登记检查结果")
    if outcome not in Outcome.values or not outcome:
        raise Refused("检查结果无效")
    note = (note or "").strip()
    if len(note) > 300:
        raise Refused("结果说明不能超过 300 字")
    completed_on = completed_on or timezone.localdate()
    if completed_on > timezone.localdate():
        raise Refused("检查日期不能晚于今天")
    with transaction.atomic():
        assignment = (
            DrawAssignment.objects.for_user(user)
            .select_for_update()
            .select_related("draw")
            .filter(pk=assignment_id)
            .first()
        )
        if assignment is None:
            raise Refused("抽查企业不存在", 404)
        if completed_on < assignment.draw.drawn_at.date():
            raise Refused("检查日期不能早于抽取日期")
        # A checklist inspection that finished this assignment recorded its result: the
        # inspection, not a hand-typed outcome, is the record (a re-check follows it up).
        finished = assignment.inspections.filter(state="completed").first()
        if finished is not None:
            raise Refused(
                f"该抽查已由执法检查（{finished.inspected_on:%Y-%m-%d}）登记结果，不能手工修改", 409
            )
        assignment.outcome = outcome
        assignment.outcome_note = note
        assignment.completed_on = completed_on
        assignment.recorded_by = user
        assignment.save()
    return assignment
