"""The demo's projects and equipment (projects.demo, called by load_demo): a reviewed metal
smelting project, a flagged one at another enterprise, a register with one obsolete match, and
nothing new on a second run."""

from accounts.roles import Role
from hazards.models import Hazard
from projects import demo
from projects.models import EquipmentMatch, Project, ProjectEvent


def test_the_demo_projects_and_register(users, enterprise_a, enterprise_b, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    args = (
        users[Role.SUPERVISOR],
        users[Role.ENFORCEMENT_OFFICER],
        users[Role.PRINCIPAL],
        [enterprise_a, enterprise_b],
    )
    made = demo.load(*args)
    assert made == {"projects": 3, "equipment": 5, "matches": 1}
    reviewed = Project.objects.get(name=demo.REVIEWED)
    assert reviewed.enterprise == enterprise_a and reviewed.state == "constructing"
    assert reviewed.reviewed_on < reviewed.construction_started_on
    assert not reviewed.unreviewed_construction
    flagged = Project.objects.get(name=demo.FLAGGED)
    assert flagged.enterprise == enterprise_b and flagged.unreviewed_construction
    assert flagged.state == "commissioned"
    match = EquipmentMatch.objects.get()
    assert match.equipment.name == "无芯工频感应电炉" and match.hazard.enterprise == enterprise_a
    before = (Project.objects.count(), ProjectEvent.objects.count(), Hazard.objects.count())
    assert demo.load(*args) == {"projects": 0, "equipment": 0, "matches": 0}
    assert (Project.objects.count(), ProjectEvent.objects.count(), Hazard.objects.count()) == before
