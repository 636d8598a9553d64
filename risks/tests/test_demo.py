"""The demo's registers: the principal's enterprise through the services (with history),
others as background, checks generated; a second run adds nothing."""

from accounts.roles import Role
from enterprises.models import Enterprise
from risks import demo
from risks.models import CheckTask, Measure, Risk, RiskEvent, RiskUnit
from risks.reference import meets


def test_the_demo_register_and_a_second_run(users, enterprise_a, enterprise_a2, enterprise_b):
    principal = users[Role.PRINCIPAL]
    made = demo.load(principal, Enterprise.objects.all())
    assert made["enterprises"] == 3 and made["risks"] == 3 * 5
    home = Risk.objects.filter(enterprise=enterprise_a)
    assert set(home.values_list("colour", flat=True)) == {"red", "orange", "yellow", "blue"}
    assert RiskEvent.objects.filter(enterprise=enterprise_a, action="risk_added").count() == 5
    # Every measure at the level its risk's colour requires.
    assert all(
        meets(m.control_level, m.risk.colour) for m in Measure.objects.select_related("risk")
    )
    assert CheckTask.objects.exists()
    before = (RiskUnit.objects.count(), Risk.objects.count(), CheckTask.objects.count())
    again = demo.load(principal, Enterprise.objects.all())
    assert again["risks"] == 0 and again["enterprises"] == 0
    assert (RiskUnit.objects.count(), Risk.objects.count(), CheckTask.objects.count()) == before
