"""Computing grades in bulk: every measure once for all the enterprises graded (one aggregate
query each), the scores in Python, then one transaction that writes only what changed (an
upsert of the changed `EnterpriseGrade` rows, a `GradeChange` for every change of the grade in
force) and records the run. The same path grades one enterprise or a province."""

import time
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from grading.measures import MEASURES, Context, NotAvailable, evaluate
from grading.models import (
    LEVEL_RANK,
    ChangeKind,
    EnterpriseGrade,
    GradeBand,
    GradeChange,
    GradeOverride,
    GradingFactor,
    GradingRun,
    OverrideState,
    RiskLevel,
)

CENT = Decimal("0.01")
ZERO = Decimal(0)
WRITE_BATCH = 2000
# Serializes the write phase of concurrent runs on PostgreSQL (SQLite has one writer anyway).
ADVISORY_LOCK = 5_020_417


@dataclass
class Rules:
    factors: list[GradingFactor]
    bands: list[tuple[Decimal, str]]  # (min_score, level), highest first

    @classmethod
    def load(cls):
        factors = list(GradingFactor.objects.filter(active=True))
        bands = sorted(
            ((band.min_score, band.level) for band in GradeBand.objects.all()),
            key=lambda band: band[0],
            reverse=True,
        )
        return cls(factors, bands)

    def level_for(self, score: Decimal) -> str:
        for min_score, level in self.bands:
            if score >= min_score:
                return level
        return RiskLevel.BLUE

    def labels(self) -> dict[str, str]:
        return {factor.code: factor.label for factor in self.factors}


def points_for(factor: GradingFactor, value) -> Decimal:
    """The factor's points for a value, before its weight (see GradingFactor)."""
    bands = factor.bands
    if isinstance(bands, dict) and bands:
        points = Decimal(str(bands.get(str(value), bands.get("*", 0))))
    elif isinstance(bands, list) and bands:
        points = ZERO
        number = _number(value)
        for start, band_points in sorted(bands):
            if number >= start:
                points = Decimal(str(band_points))
    else:
        points = Decimal(str(_number(value))) * factor.points_per_unit
    if factor.cap is not None:
        points = max(min(points, factor.cap), -factor.cap)
    return points


def _number(value) -> float:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float | Decimal):
        return value
    return 0


def _positive(value) -> bool:
    return not isinstance(value, str) and value is not None and _number(value) > 0


def _json(number: Decimal):
    """A Decimal of at most two places as a JSON number (an int when whole)."""
    return int(number) if number == number.to_integral_value() else float(number)


@dataclass
class Computed:
    enterprise_id: int
    score: Decimal
    level: str
    explanation: dict


def compute(ctx: Context, rules: Rules) -> tuple[dict[int, Computed], dict[str, str]]:
    """Grade every enterprise of the context. Returns the grades and, for each factor whose
    data is not available, the reason."""
    values, unavailable = {}, {}
    for factor in rules.factors:
        try:
            values[factor.code] = evaluate(ctx, factor.measure, factor.argument)
        except NotAvailable as exc:
            unavailable[factor.code] = str(exc)
    # A factor scores the same value the same way: score each distinct value once.
    memo: dict[str, dict] = {factor.code: {} for factor in rules.factors}
    plan = []
    for factor in rules.factors:
        if factor.code in unavailable:
            plan.append((factor, None, None))
        else:
            plan.append((factor, values[factor.code], MEASURES[factor.measure].default))
    grades = {}
    for pk in ctx.enterprises():
        rows, total, floor = [], ZERO, None
        for factor, by_enterprise, default in plan:
            if by_enterprise is None:
                rows.append([factor.code, None, 0, 0])
                continue
            value = by_enterprise.get(pk, default)
            scored = memo[factor.code].get(value)
            if scored is None:
                points = points_for(factor, value)
                contribution = (points * factor.weight).quantize(CENT)
                scored = memo[factor.code][value] = (
                    contribution,
                    _json(points),
                    _json(contribution),
                )
            total += scored[0]
            rows.append([factor.code, value, scored[1], scored[2]])
            if (
                factor.min_level
                and _positive(value)
                and (floor is None or LEVEL_RANK[factor.min_level] > LEVEL_RANK[floor[1]])
            ):
                floor = (factor.code, factor.min_level)
        by_score = rules.level_for(total)
        level = by_score
        if floor and LEVEL_RANK[floor[1]] > LEVEL_RANK[by_score]:
            level = floor[1]
        explanation = {"factors": rows, "by_score": by_score}
        if floor:
            explanation["floor"] = list(floor)
        grades[pk] = Computed(pk, total, level, explanation)
    return grades, unavailable


def run(ids=None, *, trigger: str = "", now=None) -> GradingRun:
    """Grade the enterprises `ids` (None: all) and write what changed."""
    started = time.perf_counter()
    now = now or timezone.now()
    ctx = Context.at(ids, now)
    rules = Rules.load()
    grades, unavailable = compute(ctx, rules)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK])
        written, changes = _write(ctx, rules, grades, now)
        record = GradingRun.objects.create(
            kind=GradingRun.FULL if ids is None else GradingRun.PARTIAL,
            trigger=trigger[:100],
            started_at=now,
            enterprises=len(grades),
            written=written,
            level_changes=changes,
            unavailable=sorted(unavailable),
            seconds=round(time.perf_counter() - started, 3),
        )
    return record


def _write(ctx: Context, rules: Rules, grades: dict[int, Computed], now) -> tuple[int, int]:
    existing = {
        row[0]: row
        for row in ctx.only(EnterpriseGrade.objects.all())
        .order_by()
        .values_list(
            "enterprise_id",
            "level",
            "computed_level",
            "score",
            "explanation",
            "override_id",
            "level_since",
        )
        .iterator(chunk_size=10_000)
    }
    overrides = _overrides_in_force(ctx, now)
    ended = _ended_overrides(
        {row[5] for row in existing.values() if row[5]} - {o.pk for o in overrides.values()}
    )
    labels = rules.labels()
    to_write, history = [], []
    for pk, grade in grades.items():
        override = overrides.get(pk)
        level = override.level if override else grade.level
        override_id = override.pk if override else None
        old = existing.get(pk)
        if old is not None and (
            old[1] == level
            and old[2] == grade.level
            and old[3] == grade.score
            and old[5] == override_id
            and old[4] == grade.explanation
        ):
            continue
        level_since = now if old is None or old[1] != level else old[6]
        to_write.append(
            EnterpriseGrade(
                enterprise_id=pk,
                level=level,
                computed_level=grade.level,
                score=grade.score,
                explanation=grade.explanation,
                override_id=override_id,
                scored_at=now,
                level_since=level_since,
            )
        )
        if old is None:
            history.append(_first(grade, level, override, labels, now))
        elif old[1] != level or old[5] != override_id:
            history.append(_change(old, grade, level, override, ended, labels, now))
    gone = set(existing) - set(grades)
    for pk in gone:
        old = existing[pk]
        history.append(
            GradeChange(
                enterprise_id=pk,
                kind=ChangeKind.UNGRADED,
                from_level=old[1],
                from_score=old[3],
                reason="企业已关闭，不再分级",
                at=now,
            )
        )
    if gone:
        EnterpriseGrade.objects.filter(enterprise_id__in=list(gone)).delete()
    EnterpriseGrade.objects.bulk_create(
        to_write,
        batch_size=WRITE_BATCH,
        update_conflicts=True,
        unique_fields=["enterprise"],
        update_fields=[
            "level",
            "computed_level",
            "score",
            "explanation",
            "override",
            "scored_at",
            "level_since",
        ],
    )
    GradeChange.objects.bulk_create(history, batch_size=WRITE_BATCH)
    return len(to_write), len(history)


def _overrides_in_force(ctx: Context, now) -> dict[int, GradeOverride]:
    """Approved overrides of the graded enterprises; those past their date become expired."""
    today = timezone.localdate(now)
    approved = ctx.only(GradeOverride.objects.filter(state=OverrideState.APPROVED))
    expired = approved.filter(expires_on__lt=today)
    expired.update(state=OverrideState.EXPIRED, ended_at=now)
    return {
        override.enterprise_id: override
        for override in approved.filter(state=OverrideState.APPROVED).select_related(
            "requested_by", "decided_by"
        )
    }


def _ended_overrides(ids) -> dict[int, GradeOverride]:
    if not ids:
        return {}
    return {o.pk: o for o in GradeOverride.objects.filter(pk__in=ids).select_related("ended_by")}


def _first(grade: Computed, level, override, labels, now) -> GradeChange:
    top = sorted(
        (row for row in grade.explanation["factors"] if row[3]), key=lambda row: -abs(row[3])
    )[:3]
    parts = "、".join(f"{labels.get(row[0], row[0])}（{row[3]:+g}分）" for row in top)
    reason = f"首次分级：得分 {grade.score:g}" + (f"，主要因素：{parts}" if parts else "")
    change = GradeChange(
        enterprise_id=grade.enterprise_id,
        kind=ChangeKind.FIRST,
        to_level=level,
        to_score=grade.score,
        reason=reason,
        at=now,
    )
    if override:
        _as_override(change, override)
    return change


def _as_override(change: GradeChange, override: GradeOverride):
    change.kind = ChangeKind.OVERRIDE
    change.override = override
    change.actor_id = override.requested_by_id
    change.approver_id = override.decided_by_id
    change.reason = f"人工调整：{override.reason}"


def factor_changes(old_rows, new_rows, labels) -> list[dict]:
    """The factors whose value or contribution differ between two explanations."""
    before = {row[0]: row for row in old_rows or ()}
    changes = []
    for row in new_rows:
        was = before.pop(row[0], None)
        if was is None or was[1] != row[1] or was[3] != row[3]:
            changes.append(
                {
                    "code": row[0],
                    "label": labels.get(row[0], row[0]),
                    "from": None if was is None else [was[1], was[3]],
                    "to": [row[1], row[3]],
                }
            )
    for code, was in before.items():
        changes.append(
            {"code": code, "label": labels.get(code, code), "from": [was[1], was[3]], "to": None}
        )
    return changes


def _describe(change: dict) -> str:
    def side(pair):
        if pair is None:
            return "—"
        value = "未接入" if pair[0] is None else pair[0]
        return f"{value}（{pair[1]:+g}分）"

    return f"{change['label']} {side(change['from'])}→{side(change['to'])}"


def _change(old, grade: Computed, level, override, ended, labels, now) -> GradeChange:
    changes = factor_changes(old[4].get("factors"), grade.explanation["factors"], labels)
    change = GradeChange(
        enterprise_id=grade.enterprise_id,
        kind=ChangeKind.COMPUTED,
        from_level=old[1],
        to_level=level,
        from_score=old[3],
        to_score=grade.score,
        changes=changes,
        at=now,
    )
    if override is not None:
        _as_override(change, override)
        return change
    if old[5]:
        previous = ended.get(old[5])
        change.kind = ChangeKind.OVERRIDE_ENDED
        change.override = previous
        if previous is not None and previous.state == OverrideState.REVOKED:
            change.actor = previous.ended_by
            change.reason = f"人工调整已撤销：{previous.end_note}，恢复计算等级"
        else:
            change.reason = "人工调整已到期，恢复计算等级"
        return change
    described = "；".join(_describe(c) for c in changes[:6]) or "分级规则调整"
    change.reason = f"因素变化：{described}"
    return change
