"""load_demo itself: every app's demo loaded (the monitoring backfill left out: its own tests,
test_monitoring.py, cover it), and a second run adds nothing."""

from accounts.models import User
from accounts.roles import Role
from enforcement.models import Draw, Inspection, Penalty
from enforcement.tests.test_demo import counts
from enterprises.models import Enterprise
from exchange.models import InboundPlatform, Subscriber
from grading.models import EnterpriseGrade, GradeOverride


def test_load_demo_grades_and_enforces_and_runs_twice(demo_without_monitoring):
    demo_without_monitoring()
    demo_ids = set(
        Enterprise.objects.filter(is_demo=True, status="operating").values_list("pk", flat=True)
    )
    assert demo_ids <= set(EnterpriseGrade.objects.values_list("enterprise_id", flat=True))
    assert GradeOverride.objects.filter(state="pending").count() == 1
    officers = User.objects.filter(role=Role.ENFORCEMENT_OFFICER).exclude(badge_number="")
    assert set(officers.values_list("username", flat=True)) >= {
        "zhifa",
        "zhifa2",
        "zhifa3",
        "zhifa4",
    }
    assert len(set(officers.values_list("badge_number", flat=True))) == officers.count()
    # The admin's shared data belongs to a platform account; the county administrator is not
    # a superuser.
    assert User.objects.get(username="pingtai").is_superuser
    assert not User.objects.get(username="admin").is_superuser
    assert Draw.objects.filter(published=True).count() == 1
    assert Inspection.objects.filter(state="completed").count() == 2
    assert Penalty.objects.count() == 3  # one more closed case for the public cases page
    # The data exchange page has an example subscriber (switched off) and a platform above.
    subscriber = Subscriber.objects.get()
    assert "示例" in subscriber.name and not subscriber.active
    assert subscriber.url.startswith("http://127.0.0.1:")
    assert InboundPlatform.objects.get().name == "聊城市应急管理局平台"
    before = counts()
    demo_without_monitoring()
    assert counts() == before
    assert Subscriber.objects.count() == InboundPlatform.objects.count() == 1
