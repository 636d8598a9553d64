"""Power analytics: what an enterprise's electricity says about whether it is producing.

For each enterprise with an active power point (kinds.POWER_KINDS, kW), the power readings of
the last `Params.window` before `now` (the window) are compared with baselines learned from the
enterprise's own history, the `Params.history` before the window (the window itself excluded):

- idle level: a low quantile (P10) of the history, which for an enterprise that stops at night
  or at weekends is its standby load (lighting, offices, heating); the idle threshold is the
  larger of idle × `idle_factor` and idle + `idle_margin_kw`;
- production level: the median (P50) and P90 of the history readings above the idle threshold,
  when the history holds at least `min_production_hours` of them.

Readings are put in slots of the power points' reporting interval, aligned on the window's
start (the history is read from the minute rollups, monitoring.rollups, each minute placed at
its start; the window from the raw readings); an enterprise's power in a slot is the sum over
its power points of each point's mean in the slot (points without a reading in a slot add
nothing).

Findings, each a `PowerWarning` with its evidence (the window of readings, the baseline and how
it was learned, the silent points for false offline):

- covert operation (明停暗开): the enterprise is suspended or ordered to stop, and at least
  `covert_share` of the window's slots are above the idle threshold;
- false offline (虚假离线): every active monitoring point of the enterprise other than power,
  energy and cameras, on an active gateway, is silent through the window and past its own
  offline allowance (offline_intervals × interval_seconds), while the window's median power shows
  production (at least the idle threshold and `false_offline_fraction` of the production median);
- overload (超负荷生产): the window's mean power is above `overload_factor` × production P90.

No finding is made without enough data: less than `min_history_days` days' worth of history
readings (slots × slot length), or a window with fewer than `min_window_coverage` of its slots
filled. Overload needs a production level; false offline uses the idle threshold alone when there
is none. `analyse` says why an enterprise was not analysed (`Analysis.skipped`).

A limit of learning from the enterprise's own history: an enterprise that ran round the clock
through the whole history has no idle level below its production, so covert operation at its
usual level is not seen; one that has been stopped (and idle) through the whole history has no
production level, so overload is not judged.

A finding of a kind that already has an OPEN warning for the enterprise updates that warning
(window, figures, evidence; `evidence["detections"]` counts the runs that found it) instead of
making a second one. A window overlapping the window of a warning already reviewed (confirmed or
dismissed) is not flagged again: those readings have been judged; the next window after it is.

`run(now)` covers every enterprise (monitoring.tasks.power_analytics, hourly); `check(enterprise,
now)` does one enterprise and `analyse(enterprise, now)` computes without writing (for pages and
the simulator).
"""

import logging
import math
import statistics
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from itertools import chain

from django.db import IntegrityError, transaction
from django.utils import timezone

from enterprises.choices import Status
from enterprises.models import Enterprise
from monitoring.kinds import POWER_KINDS, PointKind
from monitoring.models import (
    MinuteRollup,
    Point,
    PowerWarning,
    Reading,
    WarningKind,
    WarningState,
)
from monitoring.rollups import floor_minute

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Params:
    """The settings of the analytics, with the reason for each value. A bureau tunes them here
    (or passes its own Params to run/check/analyse)."""

    # The window analysed: two hours is sustained operation rather than a machine tried once,
    # and eight readings of a power meter reporting every 15 minutes. The task runs hourly, so
    # consecutive windows overlap and no hour goes unexamined.
    window: timedelta = timedelta(hours=2)
    # The history the baselines are learned from: a month holds weekdays, weekends and nights,
    # and follows seasonal changes in the enterprise's load.
    history: timedelta = timedelta(days=30)
    # Fewer days' worth of history readings than this and nothing is judged: three days give at
    # least a few nights and days to tell idle from production.
    min_history_days: float = 3.0
    # Share of the window's slots that must hold a reading; a window mostly without data proves
    # nothing either way.
    min_window_coverage: float = 0.5
    # The idle level is this quantile of the history: an enterprise idles at least at nights and
    # weekends (well over 10 % of the time), so P10 is its standby load, not a production level.
    idle_quantile: float = 0.10
    # Above idle × idle_factor and idle + idle_margin_kw (whichever is larger) is "running":
    # the factor absorbs standby loads that vary by half, the margin a small enterprise's few kW
    # of lighting and heating on a nearly zero idle level.
    idle_factor: float = 1.5
    idle_margin_kw: float = 10.0
    # Covert operation: at least this share of the window's slots above the idle threshold is
    # sustained running, not a start-up test or a short maintenance run.
    covert_share: float = 0.75
    # The statuses under which running is covert operation (停产整顿, 责令停产).
    covert_statuses: frozenset = frozenset({Status.SUSPENDED, Status.ORDERED_TO_STOP})
    # The production level is learned from the history's readings above the idle threshold:
    # their median is the usual production, this quantile the usual high production.
    production_quantile: float = 0.90
    # At least this many hours of readings above idle in the history before a production level
    # is believed (one working shift).
    min_production_hours: float = 8.0
    # False offline: the window's median must reach this share of the production median (and
    # the idle threshold): the enterprise is producing, not merely on standby.
    false_offline_fraction: float = 0.5
    # Point kinds that do not count as monitoring points for false offline: the power and energy
    # meters themselves (they are what shows production) and cameras (they report events, not
    # readings, so their silence means nothing).
    not_monitoring_kinds: frozenset = frozenset(POWER_KINDS | {PointKind.ENERGY, PointKind.CAMERA})
    # Overload: a window mean above the usual high production (P90) × this factor is more than
    # the enterprise's equipment normally draws: added equipment, extra shifts, overloading.
    overload_factor: float = 1.3
    # The evidence keeps at most this many window points (averaged in groups beyond it), enough
    # for a chart and small enough for the warning's row.
    evidence_max_points: int = 300
    # Slots are the power points' reporting interval, but at least this long.
    min_slot_seconds: int = 60


PARAMS = Params()


@dataclass
class Baseline:
    history_start: datetime
    history_end: datetime
    history_days: float  # days' worth of readings: slots × slot length
    slot_seconds: int
    idle_kw: float
    idle_threshold_kw: float
    production_kw: float | None  # median of history slots above the idle threshold
    production_high_kw: float | None  # production_quantile of the same
    production_hours: float

    def as_dict(self, params: Params) -> dict:
        data = asdict(self)
        data["history_start"] = _iso(self.history_start)
        data["history_end"] = _iso(self.history_end)
        for key, value in data.items():
            if isinstance(value, float):
                data[key] = round(value, 3)
        data["idle_quantile"] = params.idle_quantile
        data["idle_factor"] = params.idle_factor
        data["idle_margin_kw"] = params.idle_margin_kw
        data["production_quantile"] = params.production_quantile
        data["method"] = (
            f"取窗口前 {self.history_days:.1f} 天的功率数据（按 {self.slot_seconds // 60} 分钟"
            f"分段）：空闲功率为 P{params.idle_quantile * 100:.0f}，"
            f"空闲判定线为其 {params.idle_factor:g} 倍与加 {params.idle_margin_kw:g} kW 中的"
            "较大者；生产功率为高于判定线的数据的中位数和 "
            f"P{params.production_quantile * 100:.0f}"
        )
        return data


@dataclass
class Finding:
    kind: str
    observed_kw: float
    baseline_kw: float  # the level the window was compared with
    baseline: str  # that level in words
    extra: dict = field(default_factory=dict)  # kind-specific evidence


@dataclass
class Analysis:
    enterprise_id: int
    window_start: datetime
    window_end: datetime
    window: list[tuple[datetime, float]] = field(default_factory=list)  # (slot time, kW)
    baseline: Baseline | None = None
    findings: list[Finding] = field(default_factory=list)
    skipped: str = ""  # why nothing was judged (Chinese), when so

    def evidence(self, finding: Finding, params: Params) -> dict:
        readings = _downsample(self.window, params.evidence_max_points)
        values = [kw for _, kw in self.window]
        return {
            "window_start": _iso(self.window_start),
            "window_end": _iso(self.window_end),
            "readings": [[_iso(ts), round(kw, 3)] for ts, kw in readings],
            "window_mean_kw": round(statistics.fmean(values), 3),
            "window_median_kw": round(statistics.median(values), 3),
            "baseline": self.baseline.as_dict(params),
            "history_days": round(self.baseline.history_days, 1),
            **finding.extra,
        }


# --- analysis ------------------------------------------------------------------------------


def analyse(enterprise: Enterprise, now: datetime, params: Params = PARAMS, *, points=None):
    """The findings for one enterprise at `now`, without writing anything. `points` are its
    active power points (queried when not given)."""
    window_start = now - params.window
    analysis = Analysis(enterprise.pk, window_start, now)
    if points is None:
        points = list(
            Point.objects.filter(enterprise_id=enterprise.pk, kind__in=POWER_KINDS, active=True)
        )
    if not points:
        analysis.skipped = "没有启用的功率点位"
        return analysis
    slot = max(params.min_slot_seconds, max(p.interval_seconds for p in points))
    slots_in_window = max(1, math.ceil(params.window.total_seconds() / slot))
    history_start = window_start - params.history
    # The history from the minute rollups (each minute's sum and count, placed at the minute's
    # start), the window and its minute from the raw readings.
    ids = [p.pk for p in points]
    edge = floor_minute(window_start)
    minutes = MinuteRollup.objects.filter(
        point_id__in=ids, bucket__gte=history_start, bucket__lt=edge
    ).values_list("point_id", "bucket", "sum", "count")
    raw = Reading.objects.filter(point_id__in=ids, ts__gte=edge, ts__lte=now).values_list(
        "point_id", "ts", "value"
    )
    rows = chain(
        minutes.iterator(chunk_size=5000),
        ((point_id, ts, value, 1) for point_id, ts, value in raw.iterator(chunk_size=5000)),
    )
    history, window = _slots(rows, window_start, slot, slots_in_window)
    analysis.window = window
    history_days = len(history) * slot / 86400
    if history_days < params.min_history_days:
        analysis.skipped = (
            f"历史功率数据不足 {params.min_history_days:g} 天（现有约 {history_days:.1f} 天），"
            "不作研判"
        )
        return analysis
    if len(window) < params.min_window_coverage * slots_in_window:
        analysis.skipped = (
            f"分析窗口内功率数据过少（{len(window)}/{slots_in_window} 个时段有数据），不作研判"
        )
        return analysis
    baseline = _baseline(history, history_start, window_start, slot, params)
    analysis.baseline = baseline
    values = [kw for _, kw in window]
    mean, median = statistics.fmean(values), statistics.median(values)
    days = f"近{history_days:.0f}天"

    if enterprise.status in params.covert_statuses:
        above = sum(kw > baseline.idle_threshold_kw for kw in values)
        share = above / len(values)
        if share >= params.covert_share:
            analysis.findings.append(
                Finding(
                    WarningKind.COVERT,
                    mean,
                    baseline.idle_threshold_kw,
                    f"{days}空闲功率 P{params.idle_quantile * 100:.0f} {baseline.idle_kw:.1f} kW，"
                    f"判定线 {baseline.idle_threshold_kw:.1f} kW",
                    {
                        "status": enterprise.status,
                        "status_label": Status(enterprise.status).label,
                        "share_above_idle": round(share, 3),
                        "required_share": params.covert_share,
                    },
                )
            )

    production_line = baseline.idle_threshold_kw
    if baseline.production_kw is not None:
        production_line = max(
            production_line, params.false_offline_fraction * baseline.production_kw
        )
    if median >= production_line:
        candidates, silent = _silent_points(enterprise.pk, window_start, now, params)
        if candidates and len(silent) == candidates:
            if baseline.production_kw is not None:
                words = (
                    f"{days}生产功率中位数 {baseline.production_kw:.1f} kW 的 "
                    f"{params.false_offline_fraction:.0%}：{production_line:.1f} kW"
                )
            else:
                words = f"{days}空闲判定线 {production_line:.1f} kW"
            analysis.findings.append(
                Finding(
                    WarningKind.FALSE_OFFLINE,
                    median,
                    production_line,
                    words,
                    {"silent_points": silent, "compared": "window_median_kw"},
                )
            )

    if baseline.production_high_kw is not None:
        limit = params.overload_factor * baseline.production_high_kw
        if mean > limit:
            analysis.findings.append(
                Finding(
                    WarningKind.OVERLOAD,
                    mean,
                    limit,
                    f"{days}生产功率 P{params.production_quantile * 100:.0f} "
                    f"{baseline.production_high_kw:.1f} kW × {params.overload_factor:g}",
                    {"overload_factor": params.overload_factor, "compared": "window_mean_kw"},
                )
            )
    return analysis


def _slots(rows, window_start: datetime, slot: int, slots_in_window: int):
    """History slot values (kW) and the window's (time, kW) in order, from (point id, time,
    sum, count) rows: a raw reading (count 1) or a minute rollup. Slot i covers
    [window_start + i·slot, +slot): negative ones are history; a reading at `now` itself goes
    into the last window slot. A slot's time is the mean time of its readings."""
    origin = window_start.timestamp()
    sums: dict[tuple[int, int], list[float]] = {}
    stamps: dict[int, list[float]] = {}
    for point_id, ts, total, count in rows:
        moment = ts.timestamp()
        index = min(math.floor((moment - origin) / slot), slots_in_window - 1)
        acc = sums.setdefault((index, point_id), [0.0, 0])
        acc[0] += total
        acc[1] += count
        if index >= 0:
            stamp = stamps.setdefault(index, [0.0, 0])
            stamp[0] += moment * count
            stamp[1] += count
    totals: dict[int, float] = defaultdict(float)
    for (index, _point), (total, count) in sums.items():
        totals[index] += total / count
    history = [kw for index, kw in totals.items() if index < 0]
    tz = timezone.get_current_timezone()
    window = [
        (datetime.fromtimestamp(stamps[i][0] / stamps[i][1], tz), totals[i])
        for i in sorted(i for i in totals if i >= 0)
    ]
    return history, window


def _baseline(history, history_start, window_start, slot, params: Params) -> Baseline:
    ordered = sorted(history)
    idle = _quantile(ordered, params.idle_quantile)
    threshold = max(idle * params.idle_factor, idle + params.idle_margin_kw)
    producing = [kw for kw in ordered if kw > threshold]
    hours = len(producing) * slot / 3600
    enough = producing and hours >= params.min_production_hours
    return Baseline(
        history_start=history_start,
        history_end=window_start,
        history_days=len(ordered) * slot / 86400,
        slot_seconds=slot,
        idle_kw=idle,
        idle_threshold_kw=threshold,
        production_kw=_quantile(producing, 0.5) if enough else None,
        production_high_kw=_quantile(producing, params.production_quantile) if enough else None,
        production_hours=hours,
    )


def _quantile(ordered: list[float], q: float) -> float:
    """The q-quantile of sorted values, interpolated linearly between ranks."""
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _silent_points(enterprise_id: int, window_start, now, params: Params):
    """The number of the enterprise's monitoring points that should be reporting, and those
    of them silent through the window and past their offline allowance (a point that never
    reported counts from its creation)."""
    points = (
        Point.objects.filter(enterprise_id=enterprise_id, active=True, gateway__active=True)
        .exclude(kind__in=params.not_monitoring_kinds)
        .only(
            "code",
            "equipment",
            "kind",
            "last_ts",
            "created_at",
            "interval_seconds",
            "offline_intervals",
        )
        .order_by("code", "pk")
    )
    count, silent = 0, []
    for point in points:
        count += 1
        since = point.last_ts or point.created_at
        allowed = timedelta(seconds=point.interval_seconds * point.offline_intervals)
        if since <= min(window_start, now - allowed):
            silent.append(
                {
                    "id": point.pk,
                    "code": point.code,
                    "equipment": point.equipment,
                    "kind": point.kind,
                    "kind_label": point.get_kind_display(),
                    "last_ts": _iso(point.last_ts) if point.last_ts else None,
                    "silent_hours": round((now - since).total_seconds() / 3600, 1),
                }
            )
    return count, silent


def _downsample(series, limit: int):
    """At most `limit` points: consecutive groups averaged (time and value) beyond it."""
    if len(series) <= limit:
        return series
    size = math.ceil(len(series) / limit)
    out = []
    for start in range(0, len(series), size):
        group = series[start : start + size]
        moment = statistics.fmean(ts.timestamp() for ts, _ in group)
        out.append(
            (
                datetime.fromtimestamp(moment, group[0][0].tzinfo),
                statistics.fmean(kw for _, kw in group),
            )
        )
    return out


def _iso(moment: datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")


# --- warnings ------------------------------------------------------------------------------


def check(enterprise: Enterprise, now: datetime, params: Params = PARAMS, *, points=None):
    """Analyse one enterprise and record its findings; return the warnings created or
    updated."""
    analysis = analyse(enterprise, now, params, points=points)
    return [
        warning
        for finding in analysis.findings
        if (warning := _record(analysis, finding, params)) is not None
    ]


def _record(analysis: Analysis, finding: Finding, params: Params) -> PowerWarning | None:
    evidence = analysis.evidence(finding, params)
    values = {
        "window_start": analysis.window_start,
        "window_end": analysis.window_end,
        "observed_kw": round(finding.observed_kw, 3),
        "baseline_kw": round(finding.baseline_kw, 3),
        "baseline": finding.baseline[:100],
    }
    same = PowerWarning.objects.filter(enterprise_id=analysis.enterprise_id, kind=finding.kind)
    with transaction.atomic():
        judged = same.exclude(state=WarningState.OPEN).filter(window_end__gt=analysis.window_start)
        if judged.exists():
            return None
        warning = same.filter(state=WarningState.OPEN).select_for_update().first()
        if warning is None:
            try:
                with transaction.atomic():
                    evidence["detections"] = 1
                    evidence["first_window_start"] = evidence["window_start"]
                    return PowerWarning.objects.create(
                        enterprise_id=analysis.enterprise_id,
                        kind=finding.kind,
                        evidence=evidence,
                        detected_at=timezone.now(),
                        **values,
                    )
            except IntegrityError:
                # Another run made it meanwhile: update that one.
                warning = same.filter(state=WarningState.OPEN).select_for_update().get()
        evidence["detections"] = warning.evidence.get("detections", 1) + 1
        evidence["first_window_start"] = warning.evidence.get(
            "first_window_start", _iso(warning.window_start)
        )
        for name, value in values.items():
            setattr(warning, name, value)
        warning.evidence = evidence
        warning.save(update_fields=[*values, "evidence"])
    return warning


def run(now: datetime | None = None, params: Params = PARAMS) -> int:
    """Analyse every enterprise with an active power point; the number of warnings created or
    updated. An enterprise that fails is logged and the others go on."""
    now = now or timezone.now()
    by_enterprise = defaultdict(list)
    for point in Point.objects.filter(kind__in=POWER_KINDS, active=True).only(
        "enterprise_id", "interval_seconds"
    ):
        by_enterprise[point.enterprise_id].append(point)
    count = 0
    ids = sorted(by_enterprise)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for enterprise in Enterprise.objects.filter(pk__in=chunk).only("id", "status"):
            try:
                count += len(check(enterprise, now, params, points=by_enterprise[enterprise.pk]))
            except Exception:
                logger.exception("power analytics failed for enterprise %s", enterprise.pk)
    return count
