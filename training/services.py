"""Every change to training and drills goes through here, and the figures the bureau follows
are computed here from the rows, by the rules of training.reference:

- record_training: an enterprise person's training (its principal, a safety manager, an
  employee), or an enforcement officer's (the bureau's user);
- record_drill: an enterprise's drill with its 四不 conditions, photos and findings;
  finding_to_hazard turns one finding into a hazard of the ledger (hazards.services.report,
  source self-inspection) and links it;
- record_observation: a town's yearly observation drill (现场观摩);
- principal_coverage (task 17), untrained_officers (task 25), drill_states (task 18) and
  town_rows (the per-town board).

Each change checks who may act (accounts.roles) and on what (the scope), validates, writes in a
transaction and stores a TrainingEvent. A refusal raises TrainingRefused with the reason in
Chinese, the HTTP status and, where one field is at fault, its name; nothing changes."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import BooleanField, Case, Count, Exists, F, Max, OuterRef, Q, When
from django.utils import timezone

from accounts.roles import Role, can
from core import documents, events
from core.errors import Refused
from core.gate import check
from core.inputs import date_problem, text_problem
from core.models import Jurisdiction
from enterprises.choices import Status
from enterprises.models import Enterprise
from hazards import services as hazard_services
from hazards.states import Source
from training import reference
from training.models import (
    Drill,
    DrillFinding,
    DrillPhoto,
    EventAction,
    ObservationDrill,
    TrainingEvent,
    TrainingRecord,
)
from training.reference import FOUR_NOS, DrillKind, TraineeKind


class TrainingRefused(Refused):
    def __init__(self, message: str, status: int = 422, field: str | None = None):
        super().__init__(message, status)
        self.field = field


TEXT_LIMITS = {
    "person_name": 40,
    "course": 200,
    "organiser": 100,
    "certificate_number": 60,
    "scenario": 200,
    "summary": 2000,
    "finding": 500,
}
MAX_HOURS = Decimal("500")
MAX_PARTICIPANTS = 100000
EVIDENCE_KINDS = ("pdf", "jpg", "png", "docx")
EVIDENCE_MAX_MB = 10
MAX_FINDINGS = 20


def _line(value: Any, name: str, label: str, required: bool = True) -> str:
    value = (value or "").strip() if isinstance(value, str) else ""
    if required and not value:
        raise TrainingRefused(f"请填写{label}", field=name)
    if len(value) > TEXT_LIMITS[name]:
        raise TrainingRefused(f"{label}不能超过 {TEXT_LIMITS[name]} 个字", field=name)
    if problem := text_problem(value, multiline=name == "summary"):
        raise TrainingRefused(f"{label}{problem}", field=name)
    return value


def _past_date(value: Any, name: str, label: str, today: date) -> date:
    if not isinstance(value, date):
        raise TrainingRefused(f"请填写{label}", field=name)
    if problem := date_problem(value):
        raise TrainingRefused(label + problem.removeprefix("日期"), field=name)
    if value > today:
        raise TrainingRefused(f"{label}不能晚于今天", field=name)
    return value


def _enterprise(user, enterprise_id, action: str, label: str) -> Enterprise:
    check(user, action, label, TrainingRefused)
    enterprise = Enterprise.objects.for_user(user).filter(pk=enterprise_id).first()
    if enterprise is None:
        raise TrainingRefused("企业不存在或不在您的管辖范围内", 404, field="enterprise")
    return enterprise


# --- training ----------------------------------------------------------------------------------


def record_training(
    user,
    *,
    kind: str,
    person_name: str,
    course: str,
    organiser: str,
    hours: Any,
    trained_on: Any,
    enterprise_id: int | None = None,
    officer_id: int | None = None,
    certificate_number: str = "",
    evidence=None,
    today: date | None = None,
) -> TrainingRecord:
    today = today or timezone.localdate()
    if kind not in TraineeKind.values:
        raise TrainingRefused("人员类别无效", field="kind")
    enterprise, officer = None, None
    if kind == TraineeKind.OFFICER:
        check(user, "training.record_officer", "登记执法人员培训", TrainingRefused)
        from accounts.models import User

        officer = (
            User.objects.filter(
                pk=officer_id,
                role=Role.ENFORCEMENT_OFFICER,
                jurisdiction__path__startswith=user.jurisdiction.path,
            ).first()
            if officer_id and user.jurisdiction_id
            else None
        )
        if officer is None or officer.jurisdiction is None:
            raise TrainingRefused("请选择本局的执法人员", field="officer")
        scope_path = officer.jurisdiction.path
    else:
        if not enterprise_id:
            raise TrainingRefused("请选择企业", field="enterprise")
        enterprise = _enterprise(user, enterprise_id, "training.record", "登记培训记录")
        scope_path = enterprise.scope_path
    values = {
        "person_name": _line(person_name, "person_name", "姓名"),
        "course": _line(course, "course", "培训内容"),
        "organiser": _line(organiser, "organiser", "组织单位"),
        "certificate_number": _line(
            certificate_number, "certificate_number", "证书编号", required=False
        ),
    }
    try:
        hours = Decimal(str(hours))
    except (InvalidOperation, ValueError):
        raise TrainingRefused("学时应为数字", field="hours") from None
    if not hours.is_finite() or hours <= 0 or hours > MAX_HOURS:
        raise TrainingRefused(f"学时应大于 0 且不超过 {MAX_HOURS}", field="hours")
    if hours != hours.quantize(Decimal("0.1")):
        raise TrainingRefused("学时最多保留一位小数", field="hours")
    trained_on = _past_date(trained_on, "trained_on", "培训日期", today)
    reason = evidence and documents.problem(
        evidence, kinds=EVIDENCE_KINDS, max_megabytes=EVIDENCE_MAX_MB
    )
    if reason:
        raise TrainingRefused(f"培训证明：{reason}", field="evidence")
    with transaction.atomic():
        record = TrainingRecord(
            kind=kind,
            enterprise=enterprise,
            officer=officer,
            hours=hours,
            trained_on=trained_on,
            scope_path=scope_path,
            created_by=user,
            **values,
        )
        if evidence:
            record.evidence = evidence
        record.save()
        events.record(
            TrainingEvent,
            actor=user,
            action=EventAction.TRAINED,
            enterprise=enterprise,
            record=record,
            to_state=kind,
        )
    return record


# --- drills ------------------------------------------------------------------------------------


def record_drill(
    user,
    enterprise_id: int,
    *,
    held_on: Any,
    kind: str,
    scenario: str,
    participants: Any,
    no_notice: bool = False,
    no_script: bool = False,
    no_preset_scene: bool = False,
    no_preset_place: bool = False,
    summary: str = "",
    findings=(),
    photos=(),
    today: date | None = None,
) -> Drill:
    today = today or timezone.localdate()
    enterprise = _enterprise(user, enterprise_id, "drill.record", "登记演练")
    if kind not in DrillKind.values:
        raise TrainingRefused("演练类型无效", field="kind")
    held_on = _past_date(held_on, "held_on", "演练日期", today)
    scenario = _line(scenario, "scenario", "演练情景")
    summary = _line(summary, "summary", "演练总结", required=False)
    if isinstance(participants, bool) or not isinstance(participants, int):
        raise TrainingRefused("参演人数应为整数", field="participants")
    if not 1 <= participants <= MAX_PARTICIPANTS:
        raise TrainingRefused(f"参演人数应在 1 至 {MAX_PARTICIPANTS} 之间", field="participants")
    texts = [_line(text, "finding", "发现的问题", required=False) for text in findings or ()]
    texts = [text for text in texts if text]
    if len(texts) > MAX_FINDINGS:
        raise TrainingRefused(f"发现的问题最多 {MAX_FINDINGS} 条", field="findings")
    with transaction.atomic():
        drill = Drill.objects.create(
            enterprise=enterprise,
            held_on=held_on,
            kind=kind,
            scenario=scenario,
            participants=participants,
            no_notice=bool(no_notice),
            no_script=bool(no_script),
            no_preset_scene=bool(no_preset_scene),
            no_preset_place=bool(no_preset_place),
            summary=summary,
            created_by=user,
        )
        DrillFinding.objects.bulk_create(
            [DrillFinding(drill=drill, description=text) for text in texts]
        )
        for photo in photos:
            DrillPhoto.objects.create(drill=drill, image=photo)
        events.record(
            TrainingEvent,
            actor=user,
            action=EventAction.DRILLED,
            enterprise=enterprise,
            drill=drill,
            to_state="unannounced" if drill.unannounced else "",
        )
    return drill


def finding_to_hazard(user, finding_id: int):
    """The finding becomes a hazard (source self-inspection, found on the drill's day, by the
    drill), linked to it; a finding already turned is refused."""
    with transaction.atomic():
        finding = (
            DrillFinding.objects.for_user(user, "drill.view")
            .select_for_update(of=("self",))
            .select_related("drill")
            .filter(pk=finding_id)
            .first()
        )
        if finding is None:
            raise TrainingRefused("问题不存在或不在您的管辖范围内", 404)
        if finding.hazard_id:
            raise TrainingRefused("该问题已登记为隐患", 409)
        drill = finding.drill
        try:
            hazard = hazard_services.report(
                user,
                drill.enterprise_id,
                source=Source.SELF_INSPECTION,
                description=finding.description,
                found_on=drill.held_on,
                found_by=f"{drill.get_kind_display()}（{drill.held_on:%Y-%m-%d}）",
            )
        except Refused as exc:
            raise TrainingRefused(str(exc), exc.status) from None
        finding.hazard = hazard
        finding.save(update_fields=["hazard"])
        events.record(
            TrainingEvent,
            actor=user,
            action=EventAction.FINDING_TO_HAZARD,
            enterprise_id=drill.enterprise_id,
            drill=drill,
            note=finding.description,
            payload={"hazard": hazard.pk},
        )
    return hazard


def record_observation(
    user,
    jurisdiction_id: int,
    *,
    held_on: Any,
    scenario: str,
    attendees: Any,
    host_id: int | None = None,
    today: date | None = None,
) -> ObservationDrill:
    today = today or timezone.localdate()
    check(user, "drill.observation", "登记现场观摩演练", TrainingRefused)
    town = (
        Jurisdiction.objects.filter(
            pk=jurisdiction_id,
            kind__in=["zone", "town", "street"],
            path__startswith=user.jurisdiction.path if user.jurisdiction_id else "-",
        ).first()
        if jurisdiction_id
        else None
    )
    if town is None:
        raise TrainingRefused("请选择您管辖范围内的镇街或开发区", field="jurisdiction")
    held_on = _past_date(held_on, "held_on", "观摩日期", today)
    scenario = _line(scenario, "scenario", "演练情景")
    if isinstance(attendees, bool) or not isinstance(attendees, int):
        raise TrainingRefused("观摩人数应为整数", field="attendees")
    if not 1 <= attendees <= MAX_PARTICIPANTS:
        raise TrainingRefused(f"观摩人数应在 1 至 {MAX_PARTICIPANTS} 之间", field="attendees")
    host = None
    if host_id:
        host = Enterprise.objects.for_user(user).filter(pk=host_id, jurisdiction=town).first()
        if host is None:
            raise TrainingRefused("承办企业应为该镇街的企业", field="host")
    with transaction.atomic():
        observation = ObservationDrill.objects.create(
            jurisdiction=town,
            held_on=held_on,
            host=host,
            scenario=scenario,
            attendees=attendees,
            created_by=user,
        )
        events.record(
            TrainingEvent,
            actor=user,
            action=EventAction.OBSERVATION,
            enterprise=host,
            note=f"{town.name} {held_on:%Y-%m-%d}",
        )
    return observation


# --- figures -----------------------------------------------------------------------------------


def active_enterprises(queryset):
    return queryset.exclude(status=Status.CLOSED)


def principal_required(queryset):
    """Task 17: the enterprises whose principal must be trained."""
    return active_enterprises(queryset).filter(
        Exists(
            Enterprise.sector_tags.through.objects.filter(
                enterprise_id=OuterRef("pk"),
                sectortag_id__in=reference.PRINCIPAL_TRAINING_SECTORS,
            )
        )
    )


def _principal_trained():
    start, end = reference.PRINCIPAL_TRAINING_WINDOW
    return Exists(
        TrainingRecord.objects.filter(
            enterprise_id=OuterRef("pk"),
            kind=TraineeKind.PRINCIPAL,
            trained_on__gte=start,
            trained_on__lte=end,
        )
    )


def principal_coverage(queryset):
    """The required enterprises of `queryset`, each annotated `trained`."""
    return principal_required(queryset).annotate(trained=_principal_trained())


def principals_missing(queryset):
    return principal_coverage(queryset).filter(trained=False).select_related("jurisdiction")


def untrained_officers(user, year: int):
    """Task 25: the enforcement officers of the user's jurisdiction with no training record in
    `year`."""
    from accounts.models import User

    if not user.jurisdiction_id:
        return User.objects.none()
    trained = TrainingRecord.objects.filter(
        officer_id=OuterRef("pk"), kind=TraineeKind.OFFICER, trained_on__year=year
    )
    return (
        User.objects.filter(
            role=Role.ENFORCEMENT_OFFICER,
            is_active=True,
            jurisdiction__path__startswith=user.jurisdiction.path,
        )
        .exclude(Exists(trained))
        .order_by("username")
    )


def frequency_of(enterprise: Enterprise) -> str:
    return reference.frequency_for(tag.code for tag in enterprise.sector_tags.all())


@dataclass
class DrillState:
    enterprise: Enterprise
    frequency: str
    start: date
    end: date  # the due date: the period's last day
    last: date | None
    done: bool
    due_soon: bool = False
    missed_previous: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def frequency_label(self) -> str:
        return reference.FREQUENCY_LABELS[self.frequency]

    @property
    def period_label(self) -> str:
        return reference.period_label(self.frequency, self.start)


def _half_yearly_ids(queryset) -> set[int]:
    through = Enterprise.sector_tags.through.objects
    return set(
        through.filter(
            enterprise_id__in=queryset.values("pk"),
            sectortag_id__in=reference.HALF_YEARLY_SECTORS,
        ).values_list("enterprise_id", flat=True)
    )


def drill_states(queryset, today: date) -> list[DrillState]:
    """Task 18 for each active enterprise of `queryset`: its frequency, this period and its due
    date (the period's last day), its last counted drill, whether this period has one, whether
    the due date is within DUE_SOON_DAYS, whether the previous period went without."""
    enterprises = list(active_enterprises(queryset).select_related("jurisdiction"))
    half = _half_yearly_ids(queryset)
    earliest = reference.previous_period(reference.HALF_YEAR, today)[0]
    earliest = min(earliest, reference.previous_period(reference.YEAR, today)[0])
    dates: dict[int, list[date]] = {}
    for enterprise_id, held_on in (
        Drill.objects.filter(
            enterprise_id__in=[e.pk for e in enterprises],
            kind__in=reference.COUNTED_DRILL_KINDS,
            held_on__gte=earliest,
            held_on__lte=today,
        )
        .values_list("enterprise_id", "held_on")
        .order_by("held_on")
    ):
        dates.setdefault(enterprise_id, []).append(held_on)
    states = []
    for enterprise in enterprises:
        frequency = reference.HALF_YEAR if enterprise.pk in half else reference.YEAR
        start, end = reference.period(frequency, today)
        prev_start, prev_end = reference.previous_period(frequency, today)
        held = dates.get(enterprise.pk, [])
        done = any(start <= day <= end for day in held)
        state = DrillState(
            enterprise=enterprise,
            frequency=frequency,
            start=start,
            end=end,
            last=held[-1] if held else None,
            done=done,
        )
        state.due_soon = not done and (end - today).days <= reference.DUE_SOON_DAYS
        state.missed_previous = not any(prev_start <= day <= prev_end for day in held) and (
            enterprise.created_at.date() <= prev_start
        )
        states.append(state)
    return states


def with_drill_period(queryset, today: date):
    """The active enterprises of `queryset` annotated, in SQL, `half_yearly` (task 18's
    sectors) and `drilled` (a counted drill in the period holding `today` by that frequency),
    so that a county's counts are one query."""
    half_start, _ = reference.period(reference.HALF_YEAR, today)
    year_start, _ = reference.period(reference.YEAR, today)
    counted = Drill.objects.filter(
        enterprise_id=OuterRef("pk"),
        kind__in=reference.COUNTED_DRILL_KINDS,
        held_on__lte=today,
    )
    half_yearly = Enterprise.sector_tags.through.objects.filter(
        enterprise_id=OuterRef("pk"), sectortag_id__in=reference.HALF_YEARLY_SECTORS
    )
    return (
        active_enterprises(queryset)
        .annotate(
            half_yearly=Exists(half_yearly),
            drilled_half=Exists(counted.filter(held_on__gte=half_start)),
            drilled_year=Exists(counted.filter(held_on__gte=year_start)),
        )
        .annotate(
            drilled=Case(
                When(half_yearly=True, then=F("drilled_half")),
                default=F("drilled_year"),
                output_field=BooleanField(),
            )
        )
    )


def drills_missing(queryset, today: date) -> list[DrillState]:
    missing = with_drill_period(queryset, today).filter(drilled=False).values("pk")
    return drill_states(Enterprise.objects.filter(pk__in=missing), today)


def unannounced_share(drills) -> tuple[int, int]:
    """(四不 drills, all drills) of a queryset of drills."""
    counts = drills.aggregate(
        all=Count("pk"), unannounced=Count("pk", filter=Q(**{n: True for n, _l in FOUR_NOS}))
    )
    return counts["unannounced"], counts["all"]


@dataclass
class TownRow:
    town: Jurisdiction
    required: int
    trained: int
    enterprises: int
    drills_missing: int
    drills: int
    unannounced: int
    observation: date | None

    @property
    def coverage(self) -> float | None:
        return self.trained / self.required if self.required else None

    @property
    def unannounced_share(self) -> float | None:
        return self.unannounced / self.drills if self.drills else None


def towns_of(user):
    if not user.jurisdiction_id:
        return Jurisdiction.objects.none()
    jurisdiction = user.jurisdiction
    towns = Jurisdiction.objects.filter(kind__in=["zone", "town", "street"])
    if jurisdiction.kind == "grid":
        return towns.filter(pk=jurisdiction.parent_id)
    return towns.filter(path__startswith=jurisdiction.path).order_by("path")


def town_rows(user, today: date) -> list[TownRow]:
    """The board per town of the user's jurisdiction: task 17's coverage, this period's missing
    drills, this year's 四不 share and whether this year's observation drill is recorded."""
    enterprises = Enterprise.objects.for_user(user, "training.supervise")
    coverage = {
        row["jurisdiction_id"]: row
        for row in principal_coverage(enterprises)
        .values("jurisdiction_id")
        .annotate(required=Count("pk"), trained=Count("pk", filter=Q(trained=True)))
    }
    periods = {
        row["jurisdiction_id"]: row
        for row in with_drill_period(enterprises, today)
        .values("jurisdiction_id")
        .annotate(total=Count("pk"), missing=Count("pk", filter=Q(drilled=False)))
    }
    drills = {
        row["enterprise__jurisdiction_id"]: row
        for row in Drill.objects.for_user(user, "drill.view")
        .filter(held_on__year=today.year)
        .values("enterprise__jurisdiction_id")
        .annotate(
            all=Count("pk"),
            unannounced=Count("pk", filter=Q(**{n: True for n, _l in FOUR_NOS})),
        )
    }
    observations = dict(
        ObservationDrill.objects.filter(held_on__year=today.year)
        .values("jurisdiction_id")
        .annotate(last=Max("held_on"))
        .values_list("jurisdiction_id", "last")
    )
    rows = []
    for town in towns_of(user):
        cov = coverage.get(town.pk, {})
        drill = drills.get(town.pk, {})
        period = periods.get(town.pk, {})
        rows.append(
            TownRow(
                town=town,
                required=cov.get("required", 0),
                trained=cov.get("trained", 0),
                enterprises=period.get("total", 0),
                drills_missing=period.get("missing", 0),
                drills=drill.get("all", 0),
                unannounced=drill.get("unannounced", 0),
                observation=observations.get(town.pk),
            )
        )
    return rows


def remind_due(today: date) -> int:
    """Tell each enterprise whose counted drill falls due within DUE_SOON_DAYS, with none yet
    this period, once per period (a DRILL_DUE event the enterprise's managers hear of)."""
    count = 0
    enterprises = Enterprise.objects.all()
    for state in drill_states(enterprises, today):
        if not state.due_soon:
            continue
        told = TrainingEvent.objects.filter(
            action=EventAction.DRILL_DUE,
            enterprise=state.enterprise,
            to_state=state.end.isoformat(),
        ).exists()
        if told:
            continue
        events.record(
            TrainingEvent,
            action=EventAction.DRILL_DUE,
            enterprise=state.enterprise,
            to_state=state.end.isoformat(),
            note=f"{state.period_label}疏散逃生演练应于 {state.end:%Y-%m-%d} 前完成",
        )
        count += 1
    return count


def can_turn_findings(user) -> bool:
    return can(user, "hazard.source.self_inspection")
