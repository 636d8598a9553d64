"""The equipment register against the catalogue of obsolete processes and equipment: a match
raises one hazard with a deadline naming the entry and its source; no match, no hazard; no
duplicate while the hazard is open; an unconfirmed entry says so; a changed catalogue is
matched against every register."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from hazards import services as hazard_services
from hazards.models import Hazard
from hazards.states import Source, State
from projects import matching, services
from projects.models import Equipment, EquipmentMatch, ObsoleteEntry
from projects.services import ProjectRefused
from projects.tests.conftest import has_chinese, snapshot


def item(user, **changes):
    data = {"name": "无芯工频感应电炉", "model": "GW-1.5", "kind": "production", "process": "熔炼"}
    data.update(changes)
    return services.record_equipment(user, data)


def test_the_catalogue_is_loaded_with_its_sources_and_every_entry_unconfirmed(db):
    entries = ObsoleteEntry.objects.all()
    assert entries.count() >= 5
    assert all(e.source and e.unconfirmed for e in entries)


def test_a_matching_item_raises_a_hazard_with_a_deadline_naming_entry_and_source(principal):
    furnace = item(principal)
    match = EquipmentMatch.objects.get(equipment=furnace)
    assert match.entry.code == "CY-03"
    hazard = match.hazard
    assert hazard.enterprise == furnace.enterprise
    assert hazard.source == Source.OTHER and hazard.state == State.REPORTED
    assert not hazard.is_major and hazard.reported_by is None
    assert hazard.deadline == timezone.localdate() + timedelta(days=match.entry.deadline_days)
    assert "无芯工频感应电炉" in hazard.description
    assert match.entry.source in hazard.description
    assert hazard.found_by == matching.FOUND_BY
    event = hazard.events.get()
    assert event.payload["obsolete_entry"] == "CY-03"


def test_a_long_name_or_process_fits_the_hazard_place(principal):
    furnace = item(principal, name="无芯工频感应电炉" + "甲" * 180, process="")
    hazard = furnace.matches.get().hazard
    assert len(hazard.place) == matching.PLACE_MAX
    assert furnace.name in hazard.description


def test_an_item_not_on_the_catalogue_raises_nothing(principal):
    before = Hazard.objects.count()
    item(principal, name="中频感应电炉", model="KGPS-500")
    item(principal, name="有芯工频感应电炉", model="GYT-1")  # the entry names coreless ones
    item(principal, name="抛丸机", model="Q3210", process="清理")
    assert Hazard.objects.count() == before
    assert not EquipmentMatch.objects.exists()


def test_an_item_out_of_use_or_an_inactive_entry_raises_nothing(principal):
    item(principal, in_use=False)
    ObsoleteEntry.objects.filter(code="CY-01").update(active=False)
    item(principal, name="热处理铅浴炉")
    assert not EquipmentMatch.objects.exists()


def test_model_patterns_must_fit_where_an_entry_gives_them(principal):
    old = item(principal, name="塔式起重机", model="TQ60-2", process="")
    new = item(principal, name="塔式起重机", model="QTZ80", process="")
    assert list(EquipmentMatch.objects.values_list("equipment", "entry__code")) == [
        (old.pk, "CY-04")
    ]
    assert not new.matches.exists()


def test_no_duplicate_hazard_while_one_is_open_and_a_new_one_after_it_is_rejected(principal, users):
    furnace = item(principal)
    services.update_equipment(principal, furnace.pk, {"quantity": 2})
    matching.match_entry(ObsoleteEntry.objects.get(code="CY-03"))
    assert EquipmentMatch.objects.filter(equipment=furnace).count() == 1
    hazard = EquipmentMatch.objects.get(equipment=furnace).hazard
    hazard_services.reject(users[Role.SUPERVISOR], hazard.pk, "已于上月拆除")
    services.update_equipment(principal, furnace.pk, {"quantity": 1})
    assert EquipmentMatch.objects.filter(equipment=furnace).count() == 2
    assert (
        Hazard.objects.filter(obsolete_matches__equipment=furnace, state=State.REPORTED).count()
        == 1
    )


def test_an_unconfirmed_entry_says_so_and_a_confirmed_one_does_not(principal):
    first = item(principal)
    assert matching.UNCONFIRMED_NOTE in first.matches.get().hazard.description
    ObsoleteEntry.objects.filter(code="CY-01").update(unconfirmed=False)
    second = item(principal, name="热处理铅浴炉", model="", process="热处理")
    assert matching.UNCONFIRMED_NOTE not in second.matches.get().hazard.description


def test_a_catalogue_entry_added_later_is_matched_against_every_register(
    principal, users, enterprise_b, immediate_tasks, django_capture_on_commit_callbacks
):
    mine = item(principal, name="冲天炉", model="3T", process="熔化")
    theirs = services.record_equipment(
        users[Role.SUPERVISOR],
        {"enterprise_id": enterprise_b.pk, "name": "冲天炉", "kind": "production"},
    )
    assert not EquipmentMatch.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        ObsoleteEntry.objects.create(
            code="TEST-1",
            name="冲天炉（测试条目）",
            kind="equipment",
            keywords="冲天炉",
            source="测试依据",
            unconfirmed=True,
        )
    assert set(EquipmentMatch.objects.values_list("equipment", flat=True)) == {mine.pk, theirs.pk}


def test_an_entry_whose_matching_task_was_lost_is_matched_by_the_hourly_sweep(
    principal, users, enterprise_b
):
    from projects import tasks

    mine = item(principal, name="冲天炉", model="3T", process="熔化")
    # Saved without its task running (the worker died): never matched.
    entry = ObsoleteEntry.objects.create(
        code="TEST-2",
        name="冲天炉（测试条目）",
        kind="equipment",
        keywords="冲天炉",
        source="测试依据",
    )
    assert not EquipmentMatch.objects.exists()
    assert list(tasks.unmatched().filter(code="TEST-2")) == [entry]
    tasks.rematch_unmatched.call_local()
    assert set(EquipmentMatch.objects.values_list("equipment", flat=True)) == {mine.pk}
    assert not tasks.unmatched().exists()
    # Changed after its matching: matched again; unchanged: left alone.
    entry.keywords = "冲天炉\n铅浴炉"
    entry.save()
    assert list(tasks.unmatched()) == [entry]
    tasks.rematch_unmatched.call_local()
    assert not tasks.unmatched().exists()


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"name": ""}, "name"),
        ({"kind": "vehicle"}, "kind"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": "3"}, "quantity"),
        ({"year": 1800}, "year"),
        ({"year": timezone.localdate().year + 1}, "year"),
        ({"model": "x" * 101}, "model"),
        ({"in_use": "yes"}, "in_use"),
    ],
)
def test_bad_equipment_input_is_refused_in_chinese_with_nothing_saved(principal, changes, field):
    before = snapshot()
    with pytest.raises(ProjectRefused) as caught:
        item(principal, **changes)
    assert caught.value.status == 422 and caught.value.field == field
    assert has_chinese(str(caught.value))
    assert snapshot() == before


def test_equipment_of_an_enterprise_out_of_scope_is_refused(users, enterprise_b):
    with pytest.raises(ProjectRefused) as caught:
        services.record_equipment(
            users[Role.TOWN_SUPERVISOR],
            {"enterprise_id": enterprise_b.pk, "name": "抛丸机", "kind": "production"},
        )
    assert caught.value.status == 404
    for role in (Role.EMPLOYEE, Role.EXPERT, Role.GRID_MEMBER, Role.ENFORCEMENT_OFFICER):
        with pytest.raises(ProjectRefused) as caught:
            item(users[role])
        assert caught.value.status == 403
    assert not Equipment.objects.exists()
