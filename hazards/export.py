"""The hazard ledger as a 台账 spreadsheet: one row per hazard with its five elements, dates
and state.

A county exports its whole ledger (72,000 hazards) routinely, so the rows are read in one
ordered query of just the columns written (no model instances; the labels of choices and
criteria are looked up in dicts) and written by the streaming core.xlsx writer."""

from django.db.models import Case, FloatField, IntegerField, Value, When
from django.db.models.functions import Cast
from django.utils import timezone

from core.xlsx import Workbook
from hazards.models import ListedLevel, MajorHazardCriterion, Source, State, Suspension

HEADERS = [
    "序号", "企业名称", "统一社会信用代码", "所属镇街", "隐患描述", "部位/场所", "来源",
    "隐患等级", "判定依据", "发现日期", "发现人", "状态", "整改责任人", "整改措施",
    "整改资金（元）", "整改期限", "应急预案/防范措施", "是否逾期", "挂牌督办", "督办单位",
    "停产停用", "整改情况说明", "销号时间", "验收人",
]  # fmt: skip
COLUMNS = [
    "enterprise__name", "enterprise__credit_code", "enterprise__jurisdiction__name",
    "description", "place", "source", "is_major", "criterion_id", "major_reason", "found_on",
    "found_by", "state", "owner", "measures", "export_funds", "deadline", "contingency_plan",
    "export_overdue", "listed_level", "listed_by", "suspension", "evidence", "closed_at",
    "closed_by__full_name", "closed_by__username",
]  # fmt: skip
CHUNK = 2000


def workbook(queryset, today) -> Workbook:
    book = Workbook()
    sheet = book.sheet("隐患排查治理台账", HEADERS)
    sources, states = dict(Source.choices), dict(State.choices)
    levels, suspensions = dict(ListedLevel.choices), dict(Suspension.choices)
    suspensions[Suspension.NONE] = ""
    criteria = {c.pk: c.label for c in MajorHazardCriterion.objects.all()}
    zone = timezone.get_current_timezone()
    # Overdue as the ledger's own filter defines it (HazardQuerySet.overdue), in the same query.
    # Funds as a float and overdue as 0/1: values the cell takes as they come, with none of the
    # per-row conversion a Decimal or a boolean column costs.
    overdue = queryset.overdue(today).values("pk")
    rows = (
        queryset.annotate(
            export_overdue=Case(
                When(pk__in=overdue, then=Value(1)), default=Value(0), output_field=IntegerField()
            ),
            export_funds=Cast("funds", FloatField()),
        )
        .order_by(
            "enterprise__jurisdiction__sort_order", "enterprise__name_initials", "found_on", "pk"
        )
        .values_list(*COLUMNS)
    )
    append = sheet.append
    for number, (
        name,
        credit_code,
        town,
        description,
        place,
        source,
        is_major,
        criterion_id,
        major_reason,
        found_on,
        found_by,
        state,
        owner,
        measures,
        funds,
        deadline,
        contingency_plan,
        is_overdue,
        listed_level,
        listed_by,
        suspension,
        evidence,
        closed_at,
        closer_name,
        closer_username,
    ) in enumerate(rows.iterator(chunk_size=CHUNK), start=1):
        append(
            [
                number,
                name,
                credit_code,
                town,
                description,
                place,
                sources.get(source, source),
                "重大" if is_major else "一般",
                criteria[criterion_id] if criterion_id else major_reason,
                found_on,
                found_by,
                states.get(state, state),
                owner,
                measures,
                funds,
                deadline,
                contingency_plan,
                "是" if is_overdue else "否",
                levels.get(listed_level, listed_level),
                listed_by,
                suspensions.get(suspension, suspension),
                evidence,
                closed_at.astimezone(zone).isoformat(" ", "minutes")[:16] if closed_at else "",
                closer_name or closer_username or "",
            ]
        )
    return book
