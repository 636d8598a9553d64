"""The monitoring pages: overview by town, the must-connect list (应接尽接) and its export, alarms
and their handling, a point's chart, power warnings and their review, and gateways.

Every query starts from `for_user` (an object outside the user's scope is a 404 whatever the
role); then the role's permission (a 403). State changes go through monitoring.services, whose
refusals (services.Refused) are shown as they are and change nothing."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.roles import can, require
from core.gate import refuse_on_page
from core.http import xlsx_response
from core.models import Jurisdiction
from core.uploads import KeepsPhotos
from enterprises.models import Enterprise
from monitoring import connect, export, forms, mqtt, rollups, services
from monitoring.kinds import KIND_DEFAULTS, PointKind
from monitoring.models import (
    Alarm,
    AlarmPhoto,
    AlarmState,
    Gateway,
    Point,
    PowerWarning,
    WarningState,
)

PAGE_SIZE = 50
# At most this many readings in one chart (a week of a 30-second point); ECharts samples them.
SERIES_LIMIT = 20_000
RANGES = {"1h": ("1 小时", timedelta(hours=1)), "24h": ("24 小时", timedelta(hours=24))}
RANGES["7d"] = ("7 天", timedelta(days=7))
RANGES["30d"] = ("30 天", timedelta(days=30))
RANGES["1y"] = ("1 年", timedelta(days=365))
RESOLUTION_LABELS = {
    "raw": "原始数据",
    "minute": "每分钟平均",
    "hour": "每小时平均",
    "day": "每日平均",
}
# The alarm page's chart: this long before the alarm began and after it ended.
ALARM_MARGIN = timedelta(hours=1)
ALARM_WINDOW_MAX = timedelta(days=7)
STATE_LABELS = dict(AlarmState.choices)


def _form_errors(request, form) -> None:
    """A form's errors as messages, each with its field's label."""
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        messages.error(request, f"{label}：{'；'.join(errors)}" if label else "；".join(errors))


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- overview ------------------------------------------------------------------------------


@dataclass
class TownRow:
    name: str
    jurisdiction_id: int | None
    must: int = 0
    connected: int = 0
    alarms: int = 0
    warnings: int = 0

    @property
    def not_connected(self) -> int:
        return self.must - self.connected

    @property
    def rate(self) -> str:
        return f"{self.connected * 100 / self.must:.0f}%" if self.must else "—"


def _must_connect(user, today):
    enterprises = Enterprise.objects.for_user(user)
    return connect.with_connection(connect.must_connect(enterprises, today))


@login_required
def overview(request):
    require(request.user, "monitoring.view")
    user, now = request.user, timezone.now()
    rows: dict[int | None, TownRow] = {}

    def row(town_id):
        return rows.setdefault(town_id, TownRow("", town_id))

    must = _must_connect(user, timezone.localdate())
    for _, town_id, last in must.values_list("pk", "jurisdiction_id", "last_reading_at"):
        row(town_id).must += 1
        row(town_id).connected += connect.is_connected(last, now)
    alarms = Alarm.objects.for_user(user).unfinished()
    for item in alarms.values("enterprise__jurisdiction").annotate(n=Count("pk")).order_by():
        row(item["enterprise__jurisdiction"]).alarms = item["n"]
    warnings = PowerWarning.objects.for_user(user).filter(state=WarningState.OPEN)
    for item in warnings.values("enterprise__jurisdiction").annotate(n=Count("pk")).order_by():
        row(item["enterprise__jurisdiction"]).warnings = item["n"]
    total = TownRow("合计", None)
    for item in rows.values():
        for name in ("must", "connected", "alarms", "warnings"):
            setattr(total, name, getattr(total, name) + getattr(item, name))
    towns = []
    for town in Jurisdiction.objects.for_user(user).town_level().order_by("sort_order", "name"):
        item = rows.get(town.pk) or TownRow("", town.pk)
        item.name = town.name
        towns.append(item)
    chart = {
        "towns": [t.name for t in towns],
        "connected": [t.connected for t in towns],
        "not_connected": [t.not_connected for t in towns],
        "alarms": [t.alarms for t in towns],
    }
    recent = (
        alarms.filter(state=AlarmState.OPEN)
        .select_related("enterprise", "point")
        .order_by("-raised_at", "-id")[:10]
    )
    return render(
        request,
        "monitoring/overview.html",
        {
            "towns": towns,
            "total": total,
            "chart": chart,
            "recent": recent,
            "connected_hours": connect.CONNECTED_HOURS,
            "can_manage": can(user, "gateway.manage"),
            # The ingestion workers are the platform's, not an enterprise's.
            "ingest": None if user.enterprise_id else mqtt.health(now),
        },
    )


# --- the must-connect list -----------------------------------------------------------------


def _connect_rows(request):
    """The must-connect enterprises the filters keep, each with last_reading_at, connected and
    reasons (the rules in force that require it); and the filter form."""
    user, now, today = request.user, timezone.now(), timezone.localdate()
    form = forms.ConnectFilterForm(user, request.GET or None)
    data = form.data_or_empty()
    enterprises = Enterprise.objects.for_user(user)
    if data.get("town"):
        enterprises = enterprises.filter(scope_path__startswith=data["town"].path)
    rows = connect.with_connection(connect.must_connect(enterprises, today))
    cutoff = now - timedelta(hours=connect.CONNECTED_HOURS)
    counts = {
        "must": rows.count(),
        "connected": rows.filter(last_reading_at__gte=cutoff).count(),
    }
    counts["not_connected"] = counts["must"] - counts["connected"]
    if data.get("connected") == "1":
        rows = rows.filter(last_reading_at__gte=cutoff)
    elif data.get("connected") == "0":
        rows = rows.filter(Q(last_reading_at__isnull=True) | Q(last_reading_at__lt=cutoff))
    rows = rows.select_related("jurisdiction").order_by(
        "jurisdiction__sort_order", "jurisdiction__name", "name_initials", "pk"
    )
    rules = connect.rules_in_force(today)
    required_by = {
        rule.code: set(enterprises.filter(rule.query).values_list("pk", flat=True))
        for rule in rules
    }

    def decorate(enterprise):
        enterprise.connected = connect.is_connected(enterprise.last_reading_at, now)
        enterprise.reasons = [r.label for r in rules if enterprise.pk in required_by[r.code]]
        return enterprise

    return form, rows, counts, decorate, rules


@login_required
def connect_list(request):
    require(request.user, "monitoring.view")
    form, rows, counts, decorate, rules = _connect_rows(request)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = [decorate(e) for e in page.object_list]
    return render(
        request,
        "monitoring/connect.html",
        {
            "form": form,
            "page": page,
            "counts": counts,
            "rules": rules,
            "query": _query(request),
            "connected_hours": connect.CONNECTED_HOURS,
            "can_export": can(request.user, "enterprise.export"),
        },
    )


@login_required
def connect_export(request):
    require(request.user, "monitoring.view")
    require(request.user, "enterprise.export")
    _, rows, _, decorate, rules = _connect_rows(request)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    content = export.connect_workbook((decorate(e) for e in rows.iterator(chunk_size=2000)), rules)
    return xlsx_response(content, f"应接尽接清单-{stamp}.xlsx")


# --- alarms --------------------------------------------------------------------------------


@login_required
def alarm_list(request):
    require(request.user, "monitoring.view")
    form = forms.AlarmFilterForm(request.user, request.GET or None)
    alarms = form.apply(Alarm.objects.for_user(request.user)).select_related(
        "enterprise", "enterprise__jurisdiction", "point"
    )
    page = Paginator(alarms, PAGE_SIZE).get_page(request.GET.get("page"))
    htmx = bool(request.headers.get("HX-Request"))
    context = {"form": form, "page": page, "query": _query(request), "htmx": htmx}
    template = "monitoring/_alarms.html" if htmx else "monitoring/alarms.html"
    return render(request, template, context)


def _alarm(user, pk) -> Alarm:
    """The alarm in the user's scope (404 outside it), then the permission to see it (403)."""
    alarm = get_object_or_404(
        Alarm.objects.for_user(user).select_related(
            "enterprise", "enterprise__jurisdiction", "point", "point__gateway", "hazard"
        ),
        pk=pk,
    )
    require(user, "monitoring.view")
    return alarm


def _alarm_actions(user, alarm, bound=None):
    """The actions this user may take on this alarm now, each with an empty form, or with
    `bound` (the form just refused, as it was filled in, its photos kept) for its action."""
    bound = bound or {}
    return [
        (name, services.ACTIONS[name][0], bound.get(name) or _alarm_form(name, user))
        for name in services.available_actions(user, alarm)
    ]


def _alarm_form(name, user, data=None, files=None):
    form_class = forms.ALARM_FORMS[name]
    kwargs = {"uploader": user} if issubclass(form_class, KeepsPhotos) else {}
    return form_class(data, files, **kwargs)


def _series(point, since, until, resolution=None) -> tuple[str, list]:
    """The chart's [ms, value] pairs and their resolution (monitoring.rollups: raw readings for
    a short range, minute or hour means for longer ones)."""
    resolution, rows = rollups.series(point.pk, since, until, SERIES_LIMIT, resolution)
    return resolution, [[_ms(row["ts"]), row["value"]] for row in rows]


def _point_chart(point, since, until, alarms, resolution=None) -> dict:
    resolution, readings = _series(point, since, until, resolution)
    return {
        "title": f"{point.equipment} {point.get_kind_display()}",
        "unit": point.unit,
        "boolean": point.is_boolean,
        "since": _ms(since),
        "until": _ms(until),
        "readings": readings,
        "resolution": resolution,
        "resolution_label": RESOLUTION_LABELS[resolution],
        "high": point.high,
        "low": point.low,
        "alarms": [
            {
                "id": a.pk,
                "label": a.get_condition_display(),
                "start": _ms(max(a.first_at, since)),
                "end": _ms(min(a.cleared_at or until, until)),
                "at": _ms(a.first_at),
                "value": a.first_value,
            }
            for a in alarms
        ],
    }


@login_required
def alarm_detail(request, pk):
    return _alarm_page(request, _alarm(request.user, pk))


def _alarm_page(request, alarm, bound=None):
    events = list(alarm.events.select_related("actor"))
    for event in events:
        event.label = services.ACTION_LABELS.get(event.action, event.action)
        event.from_label = STATE_LABELS.get(event.from_state, event.from_state)
        event.to_label = STATE_LABELS.get(event.to_state, event.to_state)
    chart = None
    if alarm.point.kind != PointKind.CAMERA:
        now = timezone.now()
        until = min((alarm.cleared_at or now) + ALARM_MARGIN, now)
        since = max(alarm.first_at - ALARM_MARGIN, until - ALARM_WINDOW_MAX)
        # Raw readings whatever the length: an alarm's own evidence (kept after retention).
        chart = _point_chart(alarm.point, since, until, [alarm], rollups.RAW)
    return render(
        request,
        "monitoring/alarm_detail.html",
        {
            "alarm": alarm,
            "events": events,
            "photos": alarm.photos.order_by("uploaded_at", "pk"),
            "actions": _alarm_actions(request.user, alarm, bound),
            "next_step": services.next_step(alarm),
            "chart": chart,
        },
    )


@login_required
@require_POST
def alarm_act(request, pk, action):
    if action not in forms.ALARM_FORMS:
        raise Http404
    alarm = _alarm(request.user, pk)
    form = _alarm_form(action, request.user, request.POST, request.FILES)
    if not form.is_valid():
        _form_errors(request, form)
        return _refused_alarm_form(request, alarm, action, form)
    try:
        services.act(
            request.user,
            alarm.pk,
            action,
            note=form.cleaned_data["note"],
            photos=form.cleaned_data.get("photos") or (),
        )
    except services.Refused as exc:
        refuse_on_page(request, exc)
        return _refused_alarm_form(request, alarm, action, form)
    if isinstance(form, KeepsPhotos):
        form.photos_stored()
    messages.success(request, f"已{services.ACTIONS[action][0]}")
    return redirect("monitoring:alarm", pk=alarm.pk)


def _refused_alarm_form(request, alarm, action, form):
    """The alarm's page again with the refused form as it was filled in (its photos kept),
    when the action is still the user's to take; else back to the page."""
    alarm = _alarm(request.user, alarm.pk)
    if action not in services.available_actions(request.user, alarm):
        return redirect("monitoring:alarm", pk=alarm.pk)
    if isinstance(form, KeepsPhotos):
        form.keep_photos()
    return _alarm_page(request, alarm, {action: form})


@login_required
def photo(request, pk):
    """An alarm's photo (a camera's snapshot or a handling photo), served only to those who may
    see the alarm."""
    picture = get_object_or_404(AlarmPhoto.objects.for_user(request.user), pk=pk)
    require(request.user, "monitoring.view")
    try:
        return FileResponse(picture.image.open("rb"))
    except FileNotFoundError:
        raise Http404 from None


# --- points --------------------------------------------------------------------------------


@login_required
def point_detail(request, pk):
    point = get_object_or_404(
        Point.objects.for_user(request.user).select_related("gateway", "enterprise"), pk=pk
    )
    require(request.user, "monitoring.view")
    span = request.GET.get("range")
    if span not in RANGES:
        span = "24h"
    until = timezone.now()
    since = until - RANGES[span][1]
    overlapping = (
        point.alarms.filter(first_at__lte=until)
        .filter(Q(cleared_at__isnull=True) | Q(cleared_at__gte=since))
        .order_by("first_at")
    )
    chart = _point_chart(point, since, until, overlapping)
    return render(
        request,
        "monitoring/point.html",
        {
            "point": point,
            "chart": chart,
            "count": len(chart["readings"]),
            "ranges": [(key, label) for key, (label, _) in RANGES.items()],
            "span": span,
            "alarms": point.alarms.select_related("enterprise").order_by("-raised_at", "-id")[:20],
        },
    )


# --- power warnings ------------------------------------------------------------------------


@login_required
def warning_list(request):
    require(request.user, "monitoring.view")
    form = forms.WarningFilterForm(request.user, request.GET or None)
    warnings = form.apply(PowerWarning.objects.for_user(request.user)).select_related(
        "enterprise", "enterprise__jurisdiction"
    )
    page = Paginator(warnings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "monitoring/warnings.html",
        {"form": form, "page": page, "query": _query(request)},
    )


def _warning(user, pk) -> PowerWarning:
    warning = get_object_or_404(
        PowerWarning.objects.for_user(user).select_related(
            "enterprise", "enterprise__jurisdiction", "reviewed_by"
        ),
        pk=pk,
    )
    require(user, "monitoring.view")
    return warning


def _moment(value) -> int | None:
    """A time of the evidence as epoch milliseconds: ISO 8601 text or a number (seconds or
    milliseconds since the epoch); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value * 1000) if value < 10**11 else int(value)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return _ms(moment)
    return None


def _evidence_series(evidence) -> list:
    """evidence["readings"] as [[ms, kW], ...]: each reading a pair [ts, value] or an object
    {"ts": ..., "value": ...}; what cannot be read is left out (the page never fails on it)."""
    readings = evidence.get("readings") if isinstance(evidence, dict) else None
    series = []
    for item in readings if isinstance(readings, list) else []:
        if isinstance(item, dict):
            ts, value = item.get("ts"), item.get("value", item.get("kw"))
        elif isinstance(item, list | tuple) and len(item) >= 2:
            ts, value = item[0], item[1]
        else:
            continue
        moment = _moment(ts)
        if moment is not None and isinstance(value, int | float) and not isinstance(value, bool):
            series.append([moment, value])
    series.sort()
    return series


@login_required
def warning_detail(request, pk):
    warning = _warning(request.user, pk)
    evidence = warning.evidence if isinstance(warning.evidence, dict) else {}
    chart = {
        "title": f"{warning.enterprise.name} 用电功率",
        "unit": "kW",
        "boolean": False,
        "since": _ms(warning.window_start),
        "until": _ms(warning.window_end),
        "readings": _evidence_series(evidence),
        "baseline": warning.baseline_kw,
        "baseline_label": f"基准 {warning.baseline}",
        "observed": warning.observed_kw,
        "alarms": [],
    }
    can_review = can(request.user, "warning.review") and warning.state == WarningState.OPEN
    return render(
        request,
        "monitoring/warning_detail.html",
        {
            "warning": warning,
            "chart": chart,
            "form": forms.ReviewForm() if can_review else None,
            # Judged 属实: those who inspect may open a 非现场执法 inspection on it.
            "to_enforcement": warning.state == WarningState.CONFIRMED
            and can(request.user, "inspection.manage")
            and bool(request.user.jurisdiction_id),
        },
    )


@login_required
@require_POST
def warning_review(request, pk):
    warning = _warning(request.user, pk)
    require(request.user, "warning.review")
    form = forms.ReviewForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("monitoring:warning", pk=warning.pk)
    try:
        services.review_warning(
            request.user,
            warning.pk,
            confirmed=form.cleaned_data["confirmed"],
            note=form.cleaned_data["note"],
        )
    except services.Refused as exc:
        refuse_on_page(request, exc)
    else:
        messages.success(request, "研判结论已保存")
    return redirect("monitoring:warning", pk=warning.pk)


# --- gateways and points -------------------------------------------------------------------


def _enterprise_param(request) -> Enterprise | None:
    """The enterprise the gateway page is about: the one named by ?enterprise= (404 outside
    the user's scope); else an enterprise user's own, or None for all in the user's scope."""
    value = request.GET.get("enterprise") or request.POST.get("enterprise")
    value = value or request.user.enterprise_id
    if not value:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < number < 2**63:
        raise Http404
    return get_object_or_404(Enterprise.objects.for_user(request.user), pk=number)


def _gateways_url(enterprise_id) -> str:
    return f"{reverse('monitoring:gateways')}?enterprise={enterprise_id}"


@dataclass
class TokenShown:
    gateway: Gateway
    token: str
    created: bool = False


def _token_page(request, shown: TokenShown):
    response = render(
        request,
        "monitoring/token.html",
        {"shown": shown, "topic_prefix": settings.MQTT_TOPIC_PREFIX},
    )
    # The token is shown once: not kept by any cache, not shown again on "back".
    response["Cache-Control"] = "no-store"
    return response


@login_required
def gateways(request):
    enterprise = _enterprise_param(request)
    require(request.user, "gateway.manage")
    items = Gateway.objects.for_user(request.user).select_related("enterprise")
    if enterprise is not None:
        items = items.filter(enterprise=enterprise)
    q = (request.GET.get("q") or "").strip()[:100]
    if q:
        items = items.filter(Q(enterprise__name__icontains=q) | Q(code__icontains=q))
    items = items.order_by("enterprise__name_initials", "enterprise_id", "code").prefetch_related(
        Prefetch("points", queryset=Point.objects.order_by("code"))
    )
    page = Paginator(items, 20).get_page(request.GET.get("page"))
    form = None
    if enterprise is not None:
        form = forms.GatewayForm(initial={"enterprise": enterprise.pk})
    return render(
        request,
        "monitoring/gateways.html",
        {
            "enterprise": enterprise,
            "page": page,
            "form": form,
            "q": q,
            "query": _query(request),
            "topic_prefix": settings.MQTT_TOPIC_PREFIX,
        },
    )


@login_required
@require_POST
def gateway_create(request):
    enterprise = _enterprise_param(request)
    if enterprise is None:
        raise Http404
    require(request.user, "gateway.manage")
    form = forms.GatewayForm(request.POST)
    back = _gateways_url(enterprise.pk)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(back)
    try:
        gateway, token = services.create_gateway(
            request.user,
            enterprise.pk,
            code=form.cleaned_data["code"],
            name=form.cleaned_data["name"],
        )
    except services.Refused as exc:
        refuse_on_page(request, exc)
        return redirect(back)
    return _token_page(request, TokenShown(gateway, token, created=True))


def _gateway(user, pk) -> Gateway:
    gateway = get_object_or_404(Gateway.objects.for_user(user).select_related("enterprise"), pk=pk)
    require(user, "gateway.manage")
    return gateway


@login_required
@require_POST
def gateway_rotate(request, pk):
    gateway = _gateway(request.user, pk)
    try:
        gateway, token = services.rotate_token(request.user, gateway.pk)
    except services.Refused as exc:
        refuse_on_page(request, exc)
        return redirect(_gateways_url(gateway.enterprise_id))
    return _token_page(request, TokenShown(gateway, token))


@login_required
def point_create(request, pk):
    gateway = _gateway(request.user, pk)
    kind = request.GET.get("kind")
    initial = {"kind": kind} if kind in KIND_DEFAULTS else {}
    form = forms.PointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            point = services.add_point(
                request.user,
                gateway.pk,
                code=data["code"],
                equipment=data["equipment"],
                kind=data["kind"],
                **form.settings(),
            )
        except services.Refused as exc:
            refuse_on_page(request, exc, form)
        else:
            messages.success(request, f"已添加点位 {point.code}")
            return redirect(_gateways_url(gateway.enterprise_id))
    return render(
        request,
        "monitoring/point_form.html",
        {"gateway": gateway, "form": form, "defaults": forms.kind_defaults_json()},
    )


# --- an enterprise's monitoring (its page's tab) -------------------------------------------


@login_required
def enterprise_tab(request, pk):
    enterprise = get_object_or_404(Enterprise.objects.for_user(request.user), pk=pk)
    require(request.user, "monitoring.view")
    points = (
        Point.objects.for_user(request.user)
        .filter(enterprise=enterprise)
        .select_related("gateway")
        .order_by("gateway__code", "code")
    )
    alarms = (
        Alarm.objects.for_user(request.user)
        .filter(enterprise=enterprise)
        .unfinished()
        .select_related("point", "enterprise")[:20]
    )
    now = timezone.now()
    last = max((p.last_ts for p in points if p.last_ts), default=None)
    return render(
        request,
        "monitoring/_enterprise.html",
        {
            "enterprise": enterprise,
            "points": points,
            "alarms": alarms,
            "last": last,
            "connected": connect.is_connected(last, now),
            "can_manage": can(request.user, "gateway.manage"),
            "now": now,
        },
    )
