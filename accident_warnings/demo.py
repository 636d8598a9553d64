"""Demo data for accident warnings (seed task 21): an equipment and process profile for the demo
enterprises (from their sector tags and industry, the same every run), and one warning issued from
the first external accident case of accidents.demo, about half of its recipients acknowledged
(entered from the paper receipts, so without an account), the demo principal's enterprise left
to acknowledge on its workbench; one 重点关注 record. A second run changes nothing."""

from django.db import transaction
from django.utils import timezone

from accident_warnings import services
from accident_warnings.models import AccidentWarning, EventAction, WarningEvent, WarningRecipient
from accident_warnings.reference import AckState, SupervisionKind
from accidents.demo import EXTERNAL
from accidents.models import AccidentCase, AccidentSource
from core import events
from enterprises.models import Enterprise, ProcessKind

# The kinds each sector tag implies (the first of a pair picked by the enterprise's id parity).
BY_TAG = {
    "foundry": [("cupola", "induction_furnace"), ("pouring",), ("grinding",)],
    "metal_smelting": [("smelting_furnace",), ("heat_treatment",)],
    "combustible_dust": [("dust_collector",), ("grinding",)],
    "ammonia_refrigeration": [("ammonia_refrigeration_unit",)],
    "confined_space": [("sewage_pit", "tank")],
    "spray_painting": [("spray_painting",)],
    "coal_gas": [("gas_producer",)],
    "hazardous_chemicals": [("hazardous_chemicals_use",)],
}
BY_INDUSTRY = {
    "machinery": [("press", "crane"), ("welding",)],
    "building_materials": [("silo",), ("forklift",)],
}
TITLE = "关于吸取铝镁粉尘爆炸事故教训的警示"


def _profile(enterprises) -> int:
    known = set(ProcessKind.objects.values_list("code", flat=True))
    done = 0
    for enterprise in Enterprise.objects.filter(pk__in=[e.pk for e in enterprises]):
        if enterprise.process_kinds.exists():
            continue
        picks = list(BY_INDUSTRY.get(enterprise.industry, []))
        for tag in enterprise.sector_tags.values_list("code", flat=True):
            picks += BY_TAG.get(tag, [])
        codes = {choice[enterprise.pk % len(choice)] for choice in picks} & known
        if codes:
            enterprise.process_kinds.set(codes)
            done += 1
    return done


def load(supervisor, home: Enterprise, enterprises) -> dict:
    created = {"profiles": _profile(enterprises), "warnings": 0, "recipients": 0, "acknowledged": 0}
    if AccidentWarning.objects.filter(title=TITLE).exists():
        return created
    case = AccidentCase.objects.filter(
        title=EXTERNAL[0]["title"], source=AccidentSource.EXTERNAL
    ).first()
    if case is None:
        return created
    warning = services.draft(
        supervisor,
        accident_id=case.pk,
        title=TITLE,
        text=f"{case.title}造成人员伤亡。各企业要立即组织学习，对照排查除尘系统、打磨抛光等环节。",
        lessons="一、粉尘清扫制度落实到岗；二、除尘系统防爆措施；三、严禁违规动火。",
    )
    if not warning.recipients.filter(enterprise=home).exists():
        services.add_recipient(supervisor, warning.pk, home.pk)
    services.issue(supervisor, warning.pk)
    recipients = list(warning.recipients.exclude(enterprise=home).order_by("enterprise_id"))
    now = timezone.now()
    with transaction.atomic():
        for index, recipient in enumerate(recipients[: len(recipients) // 2]):
            state = AckState.STUDIED if index % 3 == 0 else AckState.READ
            note = (
                "已组织全体员工学习事故通报并开展排查（纸质回执录入）" if state == "studied" else ""
            )
            WarningRecipient.objects.filter(pk=recipient.pk).update(
                state=state, note=note, acknowledged_at=now
            )
            events.record(
                WarningEvent,
                warning=warning,
                enterprise_id=recipient.enterprise_id,
                action=EventAction.ACKNOWLEDGED,
                from_state=AckState.PENDING,
                to_state=state,
                note=note,
            )
            created["acknowledged"] += 1
    created["warnings"], created["recipients"] = 1, len(recipients) + 1
    others = [e for e in enterprises if e.pk != home.pk]
    if others:
        services.record_supervision(
            supervisor,
            enterprise_id=others[0].pk,
            kind=SupervisionKind.KEY_ATTENTION,
            held_on=timezone.localdate(),
            people="县应急管理局监管人员",
            content="同类事故警示后列为重点关注，督促落实粉尘防爆措施",
        )
    return created
