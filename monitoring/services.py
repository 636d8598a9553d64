"""State changes of monitoring outside ingestion: gateways and points, the alarm's life
(acknowledge, handle, close), video analytics events, and the sweeps the task queue runs
(offline points, escalation of unacknowledged alarms, 第十四条 hazards)."""

import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.roles import can
from core import events
from core.errors import Refused
from core.gate import check
from enterprises.models import Enterprise
from monitoring import ingest
from monitoring.alarm_rules import raise_alarms
from monitoring.kinds import KIND_DEFAULTS, SAFETY_DEVICE_KINDS, PointKind
from monitoring.models import (
    DEVICE_CONDITIONS,
    Alarm,
    AlarmEvent,
    AlarmPhoto,
    AlarmState,
    Condition,
    Gateway,
    Point,
    PowerWarning,
    WarningState,
)

# --- gateways and points -------------------------------------------------------------------


def create_gateway(user, enterprise_id: int, *, code: str, name: str = "") -> tuple[Gateway, str]:
    """A new gateway and its token (shown once)."""
    check(user, "gateway.manage", "登记网关")
    enterprise = Enterprise.objects.for_user(user).get(pk=enterprise_id)
    code = (code or "").strip()
    gateway = Gateway(enterprise=enterprise, code=code, name=(name or "").strip())
    token = gateway.set_new_token()
    _validated(gateway, exclude=["token_hash", "token_hint"])
    gateway.save()
    return gateway, token


def rotate_token(user, gateway_id: int) -> tuple[Gateway, str]:
    """A new token; the one it replaces stays valid for GATEWAY_TOKEN_GRACE_HOURS, so that what
    a gateway has queued under it (in its own buffer or at the broker) is not refused."""
    check(user, "gateway.manage", "更换网关令牌")
    with transaction.atomic():
        gateway = Gateway.objects.for_user(user).select_for_update(of=("self",)).get(pk=gateway_id)
        now = timezone.now()
        gateway.previous_token_hash = gateway.token_hash
        gateway.previous_token_hint = gateway.token_hint
        gateway.previous_token_until = now + timedelta(hours=settings.GATEWAY_TOKEN_GRACE_HOURS)
        token = gateway.set_new_token()
        gateway.token_rotated_at = now
        gateway.save(
            update_fields=[
                "token_hash",
                "token_hint",
                "token_rotated_at",
                "previous_token_hash",
                "previous_token_hint",
                "previous_token_until",
            ]
        )
    return gateway, token


def gateway_for_token(token: str, *, cached: bool = False) -> Gateway | None:
    """The active gateway of this token, its current one or its previous one within the grace
    period (HTTP and MQTT both authenticate here).

    cached: a gateway found for the token in the last GATEWAY_TOKEN_CACHE_SECONDS may be
    answered from this process's memory. Only for a caller that checks the token again as it
    stores (monitoring.ingest.ingest_many's digests, inside its transaction): a token replaced,
    expired or switched off elsewhere is refused there at once."""
    if not _token_shaped(token):
        return None
    digest = Gateway.hash_token(token)
    if cached and (hit := _remembered(digest)) is not None:
        return hit
    gateway = (
        Gateway.objects.filter(
            Q(token_hash=digest)
            | Q(previous_token_hash=digest, previous_token_until__gt=timezone.now()),
            active=True,
        )
        .select_related("enterprise")
        .first()
    )
    if cached and gateway is not None:
        _remember({digest: gateway})
    return gateway


def remembered_gateway(token: str) -> Gateway | None:
    """gateway_for_token(token, cached=True) from this process's memory alone, without the
    database; None when not remembered (then ask gateway_for_token)."""
    if not _token_shaped(token):
        return None
    return _remembered(Gateway.hash_token(token))


def _token_shaped(token: str) -> bool:
    return (
        bool(token)
        and len(token) <= Gateway.TOKEN_MAX_LENGTH
        and token.startswith(Gateway.TOKEN_PREFIX)
    )


# digest -> (until, gateway): the gateways found by gateway_for_token(cached=True), at most
# TOKEN_CACHE_SIZE of them (a province's gateways fit; beyond it the memo starts afresh).
_token_cache: dict[str, tuple[float, Gateway]] = {}
TOKEN_CACHE_SIZE = 50_000


def _remembered(digest: str) -> Gateway | None:
    hit = _token_cache.get(digest)
    return hit[1] if hit is not None and hit[0] > time.monotonic() else None


def _remember(found: dict[str, Gateway]) -> None:
    if len(_token_cache) + len(found) > TOKEN_CACHE_SIZE:
        _token_cache.clear()
    until = time.monotonic() + settings.GATEWAY_TOKEN_CACHE_SECONDS
    _token_cache.update((digest, (until, gateway)) for digest, gateway in found.items())


def forget_tokens() -> None:
    """Empty the memo of gateway_for_token (tests that roll the database back use it)."""
    _token_cache.clear()


def gateways_for_tokens(tokens, *, cached: bool = False) -> dict[str, Gateway]:
    """gateway_for_token for several tokens in one query (the MQTT worker's batch): the active
    gateway of each token found, by token. cached: as gateway_for_token's (the tokens found in
    this process's memory are not looked up; the caller checks them again as it stores)."""
    digests = {
        Gateway.hash_token(token): token
        for token in tokens
        if isinstance(token, str) and token.startswith(Gateway.TOKEN_PREFIX)
    }
    found: dict[str, Gateway] = {}
    if cached:
        for digest in list(digests):
            if (hit := _remembered(digest)) is not None:
                found[digests.pop(digest)] = hit
    if not digests:
        return found
    now = timezone.now()
    fresh: dict[str, Gateway] = {}
    for gateway in Gateway.objects.filter(
        Q(token_hash__in=digests)
        | Q(previous_token_hash__in=digests, previous_token_until__gt=now),
        active=True,
    ).select_related("enterprise"):
        if gateway.token_hash in digests:
            fresh[gateway.token_hash] = gateway
        if gateway.previous_token_hash in digests and gateway.previous_token_until > now:
            fresh.setdefault(gateway.previous_token_hash, gateway)
    if cached and fresh:
        _remember(fresh)
    found.update((digests[digest], gateway) for digest, gateway in fresh.items())
    return found


def add_point(user, gateway_id: int, *, code: str, equipment: str, kind: str, **settings_) -> Point:
    """A new point on a gateway, its settings defaulting to its kind's (kinds.KIND_DEFAULTS)."""
    check(user, "gateway.manage", "添加监测点")
    if kind not in KIND_DEFAULTS:
        raise Refused(f"未知的点位类型：{kind}")
    gateway = Gateway.objects.for_user(user).get(pk=gateway_id)
    point = Point(
        gateway=gateway,
        enterprise_id=gateway.enterprise_id,
        code=(code or "").strip(),
        equipment=(equipment or "").strip(),
        kind=kind,
        **settings_,
    )
    point.apply_defaults()
    _validated(point)
    with transaction.atomic():
        point.save()
        refresh_has_monitoring(gateway.enterprise_id)
    return point


def _validated(instance, exclude=None) -> None:
    from django.core.exceptions import ValidationError

    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        messages = [
            f"{_label(instance, f)}：{m}" for f, ms in error.message_dict.items() for m in ms
        ]
        raise Refused("；".join(messages)) from error


def _label(instance, name: str) -> str:
    if name == "__all__":
        return "数据"
    try:
        return str(instance._meta.get_field(name).verbose_name)
    except Exception:
        return name


def refresh_has_monitoring(enterprise_id: int) -> bool:
    """Enterprise.has_monitoring follows its active safety-device points: 第十四条 applies to
    an enterprise that has monitoring, alarm or interlock devices connected."""
    has = Point.objects.filter(
        enterprise_id=enterprise_id, active=True, kind__in=SAFETY_DEVICE_KINDS
    ).exists()
    # Saved, not updated in bulk: the enterprise's post_save receivers (the exchange outbox,
    # the audit log, regrading) see the change.
    enterprise = Enterprise.objects.filter(pk=enterprise_id).exclude(has_monitoring=has).first()
    if enterprise is not None:
        enterprise.has_monitoring = has
        enterprise.save(update_fields=["has_monitoring", "updated_at"])
    return has


# --- the alarm's life ----------------------------------------------------------------------

ACTIONS = {
    # action: (label, from states, to state, permission)
    "acknowledge": ("确认报警", {AlarmState.OPEN}, AlarmState.ACKNOWLEDGED, "alarm.handle"),
    "handle": (
        "处置报警",
        {AlarmState.OPEN, AlarmState.ACKNOWLEDGED},
        AlarmState.HANDLED,
        "alarm.handle",
    ),
    "close": ("关闭报警", {AlarmState.HANDLED}, AlarmState.CLOSED, "alarm.close"),
}


def available_actions(user, alarm) -> list[str]:
    """The actions (ACTIONS) this user may take on this alarm now: the alarm is in a source
    state and the role holds the action's permission. Pages show these as buttons."""
    return [
        name
        for name, (_label, sources, _target, permission) in ACTIONS.items()
        if alarm.state in sources
        and can(user, permission)
        # Closed only once its condition has cleared (act() refuses it before).
        and not (name == "close" and alarm.cleared_at is None)
    ]


# The step that moves an alarm on from each state, and who it waits for (the workbench and the
# alarm's "下一步").
NEXT_STEP = {
    AlarmState.OPEN: ("acknowledge", "企业或监管人员"),
    AlarmState.ACKNOWLEDGED: ("handle", "企业或监管人员"),
    AlarmState.HANDLED: ("close", "监管部门（镇街或县局）"),
}


def next_step(alarm) -> tuple[str, str] | None:
    """("处置报警", "企业或监管人员"); None once closed."""
    step = NEXT_STEP.get(alarm.state)
    if step is None:
        return None
    name, waiting = step
    return ACTIONS[name][0], waiting


ACTION_LABELS = {
    "raise": "产生报警",
    "escalate_town": "升级至乡镇",
    "escalate_county": "升级至县局",
    "hazard": "生成重大事故隐患",
    "clear": "恢复",
    **{name: label for name, (label, *_rest) in ACTIONS.items()},
}


def _event(alarm, action, actor, before, note="") -> AlarmEvent:
    return events.record(
        AlarmEvent,
        alarm=alarm,
        action=action,
        from_state=before,
        to_state=alarm.state,
        actor=actor,
        note=note,
    )


def act(user, alarm_id: int, action: str, *, note: str = "", photos=()) -> Alarm:
    label, sources, target, permission = ACTIONS[action]
    check(user, permission, label)
    note = (note or "").strip()
    with transaction.atomic():
        alarm = (
            Alarm.objects.for_user(user)
            .select_for_update(of=("self",))
            .select_related("point")
            .get(pk=alarm_id)
        )
        if alarm.state not in sources:
            raise Refused(f"报警当前状态为“{alarm.get_state_display()}”，不能{label}", 409)
        now = timezone.now()
        if action == "handle":
            if not note:
                raise Refused("请填写处置情况")
            alarm.handling = note
            alarm.handled_at = now
            alarm.acknowledged_at = alarm.acknowledged_at or now
            for image in photos:
                AlarmPhoto.objects.create(alarm=alarm, kind=AlarmPhoto.HANDLING, image=image)
        elif action == "acknowledge":
            alarm.acknowledged_at = now
        elif action == "close":
            if alarm.cleared_at is None:
                raise Refused("报警条件仍然存在，恢复正常后才能关闭", 409)
            alarm.closed_at = now
        before = alarm.state
        alarm.state = target
        alarm.save()
        _event(alarm, action, user, before, note)
    return alarm


# --- video analytics -----------------------------------------------------------------------

VIDEO_CONDITIONS = {"hot_work": Condition.HOT_WORK, "overcrowding": Condition.OVERCROWDING}


def video_event(
    gateway: Gateway,
    *,
    camera: str,
    event: str,
    ts: datetime,
    count: int | None = None,
    limit: int | None = None,
    snapshot=None,
) -> Alarm:
    """An AI camera's finding (unauthorized hot work; more people than allowed) as an alarm.
    The camera is a point of kind "camera" on the gateway. An event while the same condition's
    alarm is still uncleared updates it; the camera reports each event, not its end, so the
    alarm clears when it is handled."""
    condition = VIDEO_CONDITIONS.get(event)
    if condition is None:
        raise Refused("事件类型只能是 hot_work（违规动火）或 overcrowding（人员超限聚集）")
    if condition == Condition.OVERCROWDING:
        if count is None or limit is None:
            raise Refused("人员超限聚集事件须给出人数（count）和限定人数（limit）")
        if count <= limit:
            raise Refused("人数未超过限定人数，不构成人员超限聚集")
    reason = ingest.refused_time(ts, timezone.now())
    if reason:
        raise Refused(reason)
    point = Point.objects.filter(
        gateway=gateway, code=camera, kind=PointKind.CAMERA, active=True
    ).first()
    if point is None:
        raise Refused(f"该网关下没有编码为 {camera[:40]} 的摄像头点位", 404)
    data: dict[str, object] = {"event": event}
    if count is not None:
        data.update(count=count, limit=limit)
    with transaction.atomic():
        alarm = (
            Alarm.objects.filter(point=point, condition=condition, cleared_at__isnull=True)
            .select_for_update()
            .first()
        )
        if alarm is None:
            alarm = Alarm(
                point=point,
                enterprise_id=point.enterprise_id,
                condition=condition,
                first_at=ts,
                last_at=ts,
                first_value=count,
                last_value=count,
                peak_value=count,
                limit=limit,
                data=data,
            )
            raise_alarms([alarm])
        else:
            alarm.last_at = max(alarm.last_at, ts)
            alarm.last_value = count
            if count is not None:
                alarm.peak_value = max(alarm.peak_value or 0, count)
            alarm.save(update_fields=["last_at", "last_value", "peak_value"])
        if snapshot is not None:
            AlarmPhoto.objects.create(alarm=alarm, kind=AlarmPhoto.SNAPSHOT, image=snapshot)
        Gateway.objects.filter(pk=gateway.pk).update(last_seen_at=timezone.now())
    return alarm


# --- sweeps (monitoring.tasks, every minute) -----------------------------------------------


def sweep_offline(now: datetime | None = None) -> int:
    """Raise an offline alarm for each active point silent for offline_intervals expected
    intervals (a point that never reported counts from its creation)."""
    now = now or timezone.now()
    uncleared = Alarm.objects.filter(condition=Condition.OFFLINE, cleared_at__isnull=True)
    candidates = (
        Point.objects.filter(active=True, gateway__active=True)
        .exclude(kind=PointKind.CAMERA)
        .exclude(pk__in=uncleared.values("point_id"))
        .only("enterprise_id", "last_ts", "created_at", "interval_seconds", "offline_intervals")
    )
    alarms = []
    for point in candidates.iterator(chunk_size=2000):
        since = point.last_ts or point.created_at
        allowed = timedelta(seconds=point.interval_seconds * point.offline_intervals)
        if now - since > allowed:
            alarms.append(
                Alarm(
                    point=point,
                    enterprise_id=point.enterprise_id,
                    condition=Condition.OFFLINE,
                    first_at=since + allowed,
                    last_at=now,
                    raised_at=now,
                    data={"last_reading": point.last_ts.isoformat() if point.last_ts else None},
                )
            )
    if alarms:
        with transaction.atomic():
            raise_alarms(alarms)
    return len(alarms)


def sweep_escalation(now: datetime | None = None) -> int:
    """Alarms left unacknowledged: to the town's supervisors, later to the county's."""
    now = now or timezone.now()
    steps = [
        (0, 1, "escalate_town", settings.ALARM_ESCALATE_TOWN_MINUTES),
        (1, 2, "escalate_county", settings.ALARM_ESCALATE_COUNTY_MINUTES),
    ]
    escalated = 0
    for level, next_level, action, minutes in steps:
        due = Alarm.objects.filter(
            state=AlarmState.OPEN,
            escalation=level,
            raised_at__lte=now - timedelta(minutes=minutes),
        )
        for alarm_id in list(due.values_list("pk", flat=True)[:1000]):
            with transaction.atomic():
                claimed = Alarm.objects.filter(
                    pk=alarm_id, escalation=level, state=AlarmState.OPEN
                ).update(escalation=next_level)
                if claimed:
                    alarm = Alarm.objects.get(pk=alarm_id)
                    note = f"报警 {minutes} 分钟未确认"
                    _event(alarm, action, None, alarm.state, note)
                    escalated += 1
    return escalated


def sweep_device_hazards(now: datetime | None = None) -> int:
    """第十四条: a monitoring, alarm or interlock device out of order (a fault, bad readings or
    offline) for DEVICE_FAULT_HAZARD_HOURS becomes one major hazard in the ledger. A point
    whose earlier hazard is still open adds no second one; its alarm is linked to it. A gateway
    gone silent is one outage: one hazard naming every device it left offline, not one per
    device."""
    now = now or timezone.now()
    due = (
        Alarm.objects.filter(
            condition__in=DEVICE_CONDITIONS,
            cleared_at__isnull=True,
            hazard__isnull=True,
            point__kind__in=SAFETY_DEVICE_KINDS,
            first_at__lte=now - timedelta(hours=settings.DEVICE_FAULT_HAZARD_HOURS),
        )
        .select_related("point__gateway", "enterprise")
        .order_by("pk")
    )
    created = 0
    for alarm in list(due[:500]):
        with transaction.atomic():
            if Alarm.objects.filter(pk=alarm.pk, hazard__isnull=False).exists():
                continue  # linked above, with the rest of its gateway's outage
            outage = _outage(alarm)
            if outage:
                created += _outage_hazard(alarm.point.gateway, alarm.enterprise, outage, now)
            else:
                created += _device_hazard(alarm, now)
    return created


def _open_hazard_of(point) -> int | None:
    from hazards.models import OPEN_STATES

    return (
        Alarm.objects.filter(point=point, hazard__state__in=OPEN_STATES)
        .values_list("hazard_id", flat=True)
        .first()
    )


def _link(alarms, hazard_id: int) -> None:
    Alarm.objects.filter(pk__in=[a.pk for a in alarms]).update(hazard_id=hazard_id)
    for alarm in alarms:
        _event(alarm, "hazard", None, alarm.state, f"隐患编号 {hazard_id}")


def _device_hazard(alarm, now) -> int:
    """One device out of order: its own hazard, or the one still open for it."""
    from hazards import services as hazard_services

    open_hazard = _open_hazard_of(alarm.point)
    created = 0
    if open_hazard is None:
        hours = (now - alarm.first_at).total_seconds() / 3600
        hazard = hazard_services.report_from_monitoring(
            alarm.enterprise,
            description=(
                f"{alarm.point.equipment}{alarm.point.get_kind_display()}监测装置"
                f"{alarm.get_condition_display()}已持续约 {hours:.0f} 小时，"
                "监测报警、联锁装置失效"
            ),
            place=alarm.point.equipment,
            found_on=timezone.localdate(now),
        )
        open_hazard, created = hazard.pk, 1
    _link([alarm], open_hazard)
    return created


def _outage(alarm) -> list[Alarm]:
    """The offline alarms of the outage this one belongs to, when its gateway fell silent with
    it (nothing heard from the gateway since this point went offline): those of every safety
    device of the gateway that went offline since the gateway was last heard. Otherwise none:
    a device silent while its gateway still reports is out of order on its own."""
    gateway = alarm.point.gateway
    if alarm.condition != Condition.OFFLINE:
        return []
    heard = gateway.last_seen_at
    if heard is not None and heard >= alarm.first_at:
        return []
    outage = Alarm.objects.filter(
        point__gateway=gateway,
        point__kind__in=SAFETY_DEVICE_KINDS,
        condition=Condition.OFFLINE,
        cleared_at__isnull=True,
        hazard__isnull=True,
    )
    if heard is not None:
        outage = outage.filter(first_at__gt=heard)
    return list(outage.select_related("point").order_by("point__equipment", "point__code"))


def _outage_hazard(gateway, enterprise, outage, now) -> int:
    """One hazard for a silent gateway's outage, naming every device it left offline. A device
    whose earlier hazard is still open stays with that one; when the outage already has its
    hazard (a device that went offline later in it), the device joins it."""
    from hazards import services as hazard_services
    from hazards.models import OPEN_STATES

    current = Alarm.objects.filter(
        point__gateway=gateway,
        condition=Condition.OFFLINE,
        cleared_at__isnull=True,
        hazard__state__in=OPEN_STATES,
    )
    if gateway.last_seen_at is not None:
        current = current.filter(first_at__gt=gateway.last_seen_at)
    hazard_id = current.values_list("hazard_id", flat=True).first()
    if hazard_id is not None:
        _link(outage, hazard_id)
        return 0
    rest = []
    for alarm in outage:
        open_hazard = _open_hazard_of(alarm.point)
        if open_hazard is None:
            rest.append(alarm)
        else:
            _link([alarm], open_hazard)
    if not rest:
        return 0
    hours = (now - min(a.first_at for a in rest)).total_seconds() / 3600
    devices = "、".join(f"{a.point.equipment}{a.point.get_kind_display()}" for a in rest)
    label = f"{gateway.name}（{gateway.code}）" if gateway.name else gateway.code
    hazard = hazard_services.report_from_monitoring(
        enterprise,
        description=(
            f"采集网关{label}离线已持续约 {hours:.0f} 小时，其连接的 {len(rest)} 个监测报警、"
            f"联锁装置均失效：{devices}"
        ),
        place=f"采集网关{label}"[:100],
        found_on=timezone.localdate(now),
    )
    _link(rest, hazard.pk)
    return 1


# --- power warnings ------------------------------------------------------------------------


def review_warning(user, warning_id: int, *, confirmed: bool, note: str) -> PowerWarning:
    check(user, "warning.review", "研判电力预警")
    note = (note or "").strip()
    if not note:
        raise Refused("请填写研判意见")
    with transaction.atomic():
        warning = (
            PowerWarning.objects.for_user(user).select_for_update(of=("self",)).get(pk=warning_id)
        )
        if warning.state != WarningState.OPEN:
            raise Refused("该预警已研判", 409)
        warning.state = WarningState.CONFIRMED if confirmed else WarningState.DISMISSED
        warning.reviewed_by = user
        warning.reviewed_at = timezone.now()
        warning.review_note = note
        warning.save()
    return warning
