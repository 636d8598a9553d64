import pytest

from campaigns.models import Campaign, CampaignFinding, CampaignTarget, State
from hazards.states import State as HazardState


@pytest.mark.django_db
def test_demo_loads_one_campaign_in_progress_once(demo_without_monitoring):
    demo_without_monitoring()
    campaign = Campaign.objects.get()
    assert campaign.state == State.SELF_CHECK
    targets = CampaignTarget.objects.filter(campaign=campaign)
    assert targets.filter(self_checked_at__isnull=False).exists()
    assert targets.filter(self_checked_at__isnull=True).exists()
    findings = CampaignFinding.objects.filter(campaign=campaign)
    assert findings.filter(hazard__state=HazardState.CLOSED).exists()
    assert findings.exclude(hazard__state=HazardState.CLOSED).exists()
    demo_without_monitoring()
    assert Campaign.objects.count() == 1
