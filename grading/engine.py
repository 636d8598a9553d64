"""Computing grades in bulk: every measure once for all the enterprises graded (one aggregate
query each), the scores in Python, then one transaction that writes only what changed (an
upsert of the changed `EnterpriseGrade` rows, a `GradeChange` for every change of the grade in
force, stored in bulk by core.events.record_rows, and the rows whose score or computed level
alone moved told to core.events' listeners) and records the run. The same path grades
one enterprise or a province."""

import hashlib
import time
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from core import bulk, events
from grading.measures import MEASURES, Context, evaluate
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

    def signature(self) -> str:
        """Everything in the rules that changes a score, as text."""
        parts = [
            repr(
                (
                    f.code, f.measure, f.argument, str(f.points_per_unit), f.bands,
                    None if f.cap is None else str(f.cap), str(f.weight), f.min_level,
                )
            )
            for f in self.factors
        ]  # fmt: skip
        parts.append(repr([(str(score), level) for score, level in self.bands]))
        return "|".join(parts)

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
    # Of the values and the rules that scored them: equal fingerprints, equal explanations.
    fingerprint: str = ""


def compute(ctx: Context, rules: Rules) -> dict[int, Computed]:
    """Grade every enterprise of the context.

    This loop runs once per enterprise and factor (a few million times for a province), so it
    does little: a factor scores the same value the same way, and each distinct value's
    explanation row is built once and shared; totals are kept in cents."""
    plan = []
    for factor in rules.factors:
        values = evaluate(ctx, factor.measure, factor.argument)
        floor_rank = LEVEL_RANK[factor.min_level] if factor.min_level else -1
        plan.append((factor, values, MEASURES[factor.measure].default, {}, floor_rank))
    signature = rules.signature()
    grades = {}
    for pk in ctx.enterprises():
        rows, seen, total, floor, floor_rank = [], [], 0, None, -1
        for factor, by_enterprise, default, memo, factor_floor in plan:
            value = by_enterprise.get(pk, default)
            entry = memo.get(value)
            if entry is None:
                entry = memo[value] = _entry(factor, value)
            total += entry[0]
            rows.append(entry[1])
            seen.append(value)
            if factor_floor > floor_rank and entry[2]:
                floor, floor_rank = factor, factor_floor
        score = Decimal(total).scaleb(-2)
        by_score = rules.level_for(score)
        level = by_score
        explanation = {"factors": rows, "by_score": by_score}
        if floor is not None:
            explanation["floor"] = [floor.code, floor.min_level]
            if floor_rank > LEVEL_RANK[by_score]:
                level = floor.min_level
        fingerprint = hashlib.md5(  # noqa: S324  (a change detector, not security)
            (signature + repr(seen)).encode()
        ).hexdigest()
        grades[pk] = Computed(pk, score, level, explanation, fingerprint)
    return grades


def _entry(factor: GradingFactor, value) -> tuple[int, list, bool]:
    """(contribution in cents, the explanation row, whether the value counts for a floor)."""
    points = points_for(factor, value)
    contribution = (points * factor.weight).quantize(CENT)
    row = [factor.code, value, _json(points), _json(contribution)]
    return int(contribution * 100), row, _positive(value)


def run(ids=None, *, trigger: str = "", now=None) -> GradingRun:
    """Grade the enterprises `ids` (None: all) and write what changed."""
    started = time.perf_counter()
    now = now or timezone.now()
    ctx = Context.at(ids, now)
    rules = Rules.load()
    grades = compute(ctx, rules)
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
            seconds=round(time.perf_counter() - started, 3),
        )
    return record


def _write(ctx: Context, rules: Rules, grades: dict[int, Computed], now) -> tuple[int, int]:
    # The stored grades without their explanations (the fingerprint stands for one): reading
    # a province's explanations back would cost more than computing them.
    existing = {
        row[0]: row
        for row in ctx.only(EnterpriseGrade.objects.all())
        .order_by()
        .values_list(
            "enterprise_id",
            "level",
            "computed_level",
            "score",
            "fingerprint",
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
    to_write, history, moved = [], [], []
    rescored: list[int] = []  # the score or computed level moved, the level in force not
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
            and old[4] == grade.fingerprint
        ):
            continue
        level_since = now if old is None or old[1] != level else old[6]
        to_write.append(
            (
                pk,
                level,
                grade.level,
                grade.score,
                grade.explanation,
                grade.fingerprint,
                override_id,
                now,
                level_since,
            )
        )
        if old is None:
            history.append(_first(grade, level, override, labels, now))
        elif old[1] != level or old[5] != override_id:
            moved.append((old, grade, level, override))
        elif old[2] != grade.level or old[3] != grade.score:
            rescored.append(pk)
    before = _explanations([item[0][0] for item in moved])
    for old, grade, level, override in moved:
        history.append(
            _change(old, before.get(old[0], {}), grade, level, override, ended, labels, now)
        )
    gone = set(existing) - set(grades)
    for pk in gone:
        old = existing[pk]
        history.append(
            _history(
                pk,
                ChangeKind.UNGRADED,
                now,
                from_state=old[1],
                from_score=old[3],
                note="企业已关闭，不再分级",
            )
        )
    if gone:
        EnterpriseGrade.objects.filter(enterprise_id__in=list(gone)).delete()
    bulk.insert(EnterpriseGrade, GRADE_COLUMNS, to_write, upsert=True)
    # The history goes through the one recorder like every app's events, as plain rows (a
    # province's first run writes 100,000), announced once the run commits.
    events.record_rows(GradeChange, CHANGE_COLUMNS, history)
    # A new score or computed level without a change of the grade in force has no event of
    # its own; the listeners (the exchange outbox) still hear of it. A row rewritten for its
    # explanation alone (scored_at moves) is not a change of the grade.
    events.changed(EnterpriseGrade, rescored)
    return len(to_write), len(history)


# Written by core.bulk.insert, in this order.
GRADE_COLUMNS = [
    "enterprise_id", "level", "computed_level", "score", "explanation", "fingerprint",
    "override_id", "scored_at", "level_since",
]  # fmt: skip
CHANGE_COLUMNS = [
    "enterprise_id", "kind", "from_state", "to_state", "from_score", "to_score", "note",
    "payload", "override_id", "actor_id", "approver_id", "at",
]  # fmt: skip


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


def _history(enterprise_id, kind, now, **values) -> dict:
    """A GradeChange's fields, as core.events.record_rows writes them."""
    row = dict.fromkeys(CHANGE_COLUMNS)
    row.update(enterprise_id=enterprise_id, kind=kind, from_state="", to_state="", payload=[])
    row.update(at=now, note="")
    row.update(values)
    return row


def _first(grade: Computed, level, override, labels, now) -> dict:
    top = sorted(
        (row for row in grade.explanation["factors"] if row[3]), key=lambda row: -abs(row[3])
    )[:3]
    parts = "、".join(f"{labels.get(row[0], row[0])}（{row[3]:+g}分）" for row in top)
    reason = f"首次分级：得分 {grade.score:g}" + (f"，主要因素：{parts}" if parts else "")
    change = _history(
        grade.enterprise_id,
        ChangeKind.FIRST,
        now,
        to_state=level,
        to_score=grade.score,
        note=reason,
    )
    if override:
        _as_override(change, override)
    return change


def _as_override(change: dict, override: GradeOverride):
    change.update(
        kind=ChangeKind.OVERRIDE,
        override_id=override.pk,
        actor_id=override.requested_by_id,
        approver_id=override.decided_by_id,
        note=f"人工调整：{override.reason}",
    )


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


def _explanations(ids) -> dict[int, dict]:
    """The stored explanations of these enterprises (those whose grade moved)."""
    found = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        found.update(
            EnterpriseGrade.objects.filter(enterprise_id__in=chunk)
            .order_by()
            .values_list("enterprise_id", "explanation")
        )
    return found


def _change(old, before, grade: Computed, level, override, ended, labels, now) -> dict:
    changes = factor_changes(before.get("factors"), grade.explanation["factors"], labels)
    change = _history(
        grade.enterprise_id,
        ChangeKind.COMPUTED,
        now,
        from_state=old[1],
        to_state=level,
        from_score=old[3],
        to_score=grade.score,
        payload=changes,
    )
    if override is not None:
        _as_override(change, override)
        return change
    if old[5]:
        previous = ended.get(old[5])
        change.update(kind=ChangeKind.OVERRIDE_ENDED, override_id=old[5])
        if previous is not None and previous.state == OverrideState.REVOKED:
            change["actor_id"] = previous.ended_by_id
            change["note"] = f"人工调整已撤销：{previous.end_note}，恢复计算等级"
        else:
            change["note"] = "人工调整已到期，恢复计算等级"
        return change
    described = "；".join(_describe(c) for c in changes[:6]) or "分级规则调整"
    change["note"] = f"因素变化：{described}"
    return change
