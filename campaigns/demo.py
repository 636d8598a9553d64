"""A demo campaign for `manage.py load_demo`: task 8's confined-space campaign issued by the
county two weeks ago, in its self-check stage, targeting the demo principal's enterprise (left
to answer on the phone page) and about thirty others. About two in three of the others have
answered (entered from their paper forms: no account of theirs exists in the demo), some items
不符合, each a hazard linked to the campaign, a few of them already closed; so the per-town
table, the ledger and the workbench all have something on both sides. Invented and generic. A
second run finds the campaign and creates nothing."""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from campaigns import reference, services
from campaigns.models import Campaign, CampaignAnswer, CampaignFinding, FindingStage, Verdict
from enterprises.models import Enterprise
from hazards import services as hazard_services
from hazards.states import Source
from hazards.states import State as HazardState

NAME = "2026年有限空间作业专项整治"
NOTES = ["未设置安全警示标志", "未配备气体检测报警仪", "作业审批记录不全", "无专人监护记录"]


def load(supervisor, home: Enterprise, enterprises, seed: int = 20240408) -> dict:
    if Campaign.objects.filter(name=NAME).exists():
        return {"campaigns": 0, "targets": 0, "answered": 0, "findings": 0}
    rng = random.Random(seed)
    today = timezone.localdate()
    others = [e for e in enterprises if e.pk != home.pk]
    chosen = [home, *rng.sample(others, min(30, len(others)))]
    with transaction.atomic():
        campaign = services.create_campaign(
            supervisor,
            name=NAME,
            basis=reference.BASIS,
            starts_on=today - timedelta(days=14),
            ends_on=today + timedelta(days=76),
            template_code="confined_space",
            enterprise_ids=[e.pk for e in chosen],
        )
        services.start(
            supervisor,
            campaign.pk,
            self_check_ends_on=today + timedelta(days=7),
            town_check_ends_on=today + timedelta(days=30),
            spot_check_ends_on=today + timedelta(days=60),
        )
        Campaign.objects.filter(pk=campaign.pk).update(
            started_at=timezone.now() - timedelta(days=14)
        )
        items = list(campaign.items.order_by("position"))
        answered = findings = 0
        for target in campaign.targets.select_related("enterprise").exclude(enterprise=home):
            if rng.random() > 0.65:
                continue
            answered += 1
            for item in items:
                bad = rng.random() < 0.15
                verdict = Verdict.NONCONFORM if bad else Verdict.CONFORM
                note = rng.choice(NOTES) if bad else ""
                CampaignAnswer.objects.create(target=target, item=item, verdict=verdict, note=note)
                if not bad:
                    continue
                hazard = hazard_services.report_from_system(
                    target.enterprise,
                    source=Source.CAMPAIGN,
                    description=f"【{NAME}】{item.text}：{note}",
                    place="",
                    found_on=today - timedelta(days=rng.randrange(1, 10)),
                    found_by=target.enterprise.principal_name or "企业自查",
                )
                if rng.random() < 0.3:
                    # Rectified and verified since (the demo's history, not a workflow run).
                    hazard.state, hazard.closed_at = HazardState.CLOSED, timezone.now()
                    hazard.save(update_fields=["state", "closed_at"])
                CampaignFinding.objects.create(
                    campaign=campaign,
                    target=target,
                    item=item,
                    stage=FindingStage.SELF,
                    hazard=hazard,
                )
                findings += 1
            target.opened_at = target.self_checked_at = timezone.now() - timedelta(
                days=rng.randrange(1, 12)
            )
            target.save(update_fields=["opened_at", "self_checked_at"])
    return {"campaigns": 1, "targets": len(chosen), "answered": answered, "findings": findings}
