"""The confined-space ledger: who keeps it, what it refuses (in Chinese, nothing changed),
which enterprises must have one, and its Excel export."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook

from accounts.roles import UPPER_ROLES as UPPER
from accounts.roles import Role
from conftest import client_for
from enterprises.models import Enterprise, ProcessKind, SectorTag
from experts import services
from experts.models import ConfinedSpace, ExpertEvent
from experts.services import ExpertRefused
from experts.tests.conftest import snapshot, space_data, today

pytestmark = pytest.mark.django_db


def test_a_principal_adds_a_space_with_its_controls(users, enterprise_a):
    space = services.save_space(
        users[Role.PRINCIPAL],
        enterprise_a.pk,
        **space_data(hazards=["toxic_gas", "oxygen_deficiency", "toxic_gas"]),
    )
    assert space.kind_id == "sewage_pit"
    # Stored once each, in the reference order.
    assert space.hazards == ["oxygen_deficiency", "toxic_gas"]
    assert space.hazard_labels == ["缺氧", "有毒气体"]
    assert (space.lockout, space.isolation, space.scan_entry, space.monitoring) == (
        True,
        True,
        False,
        False,
    )
    event = ExpertEvent.objects.get(space=space)
    assert event.to_state == "created" and event.actor == users[Role.PRINCIPAL]


def test_a_correction_keeps_the_row(users, enterprise_a, space):
    services.save_space(
        users[Role.SAFETY_OFFICER],
        enterprise_a.pk,
        space_id=space.pk,
        **space_data(monitoring=True, responsible="王班长"),
    )
    space.refresh_from_db()
    assert space.monitoring and space.responsible == "王班长"
    assert ConfinedSpace.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "请填写有限空间名称"),
        ({"name": "污水池\x00"}, "有限空间名称含有换行、制表符、控制字符或无效字符"),
        ({"name": "池\ud800"}, "有限空间名称含有换行、制表符、控制字符或无效字符"),
        ({"location": "x" * 101}, "所在位置不能超过 100 个字"),
        ({"kind": "cupola"}, "请选择有限空间类型"),  # an equipment kind, not a space
        ({"kind": "nope"}, "请选择有限空间类型"),
        ({"hazards": []}, "请至少选择一项危险有害因素"),
        ({"hazards": ["radiation"]}, "危险有害因素无效"),
        ({"hazards": "toxic_gas"}, "请至少选择一项危险有害因素"),
        ({"last_checked_on": date(1, 1, 1)}, "最近检查日期超出合理范围"),
        ({"last_checked_on": date(9999, 12, 31)}, "最近检查日期超出合理范围"),
        ({"last_checked_on": "2026-01-01"}, "请填写最近检查日期"),
        ({"responsible": " "}, "请填写责任人"),
    ],
)
def test_bad_input_is_refused_and_nothing_changes(users, enterprise_a, change, message):
    before = snapshot()
    with pytest.raises(ExpertRefused) as refused:
        services.save_space(users[Role.PRINCIPAL], enterprise_a.pk, **space_data(**change))
    assert str(refused.value).startswith(message)
    assert refused.value.status == 422
    assert snapshot() == before


def test_a_future_check_date_is_refused(users, enterprise_a):
    with pytest.raises(ExpertRefused, match="最近检查日期不能晚于今天"):
        services.save_space(
            users[Role.PRINCIPAL],
            enterprise_a.pk,
            **space_data(last_checked_on=today() + timedelta(days=1)),
        )


def test_a_second_space_of_the_same_name_is_refused(users, enterprise_a, space):
    before = snapshot()
    with pytest.raises(ExpertRefused, match="已有同名有限空间") as refused:
        services.save_space(users[Role.PRINCIPAL], enterprise_a.pk, **space_data())
    assert refused.value.status == 409
    assert snapshot() == before


@pytest.mark.parametrize(
    "role", [Role.SUPERVISOR, Role.TOWN_SUPERVISOR, Role.EXPERT, Role.EMPLOYEE]
)
def test_only_the_enterprise_managers_keep_the_ledger(users, enterprise_a, role):
    with pytest.raises(ExpertRefused, match="您的角色不能登记有限空间台账") as refused:
        services.save_space(users[role], enterprise_a.pk, **space_data())
    assert refused.value.status == 403
    assert not ConfinedSpace.objects.exists()


def test_another_enterprise_is_not_found(users, enterprise_b):
    with pytest.raises(ExpertRefused) as refused:
        services.save_space(users[Role.PRINCIPAL], enterprise_b.pk, **space_data())
    assert refused.value.status == 404


def test_another_enterprise_space_cannot_be_corrected(users, enterprise_a, enterprise_b):
    from conftest import make_user

    principal_b = make_user("principal_b", Role.PRINCIPAL, enterprise=enterprise_b)
    theirs = services.save_space(principal_b, enterprise_b.pk, **space_data())
    with pytest.raises(ExpertRefused) as refused:
        services.save_space(
            users[Role.PRINCIPAL], enterprise_a.pk, space_id=theirs.pk, **space_data(name="x")
        )
    assert refused.value.status == 404
    theirs.refresh_from_db()
    assert theirs.name == "1号污水池"


def test_the_ledger_is_expected_by_profile_or_tag_and_missing_until_a_space(
    users, enterprise_a, enterprise_a2, enterprise_b
):
    enterprise_a.process_kinds.add(ProcessKind.objects.get(pk="tank"))
    enterprise_b.sector_tags.add(SectorTag.objects.get(pk="confined_space"))
    enterprise_a2.process_kinds.add(ProcessKind.objects.get(pk="cupola"))  # not a space
    every = Enterprise.objects.all()
    expected = set(services.ledger_expected(every).values_list("pk", flat=True))
    assert expected == {enterprise_a.pk, enterprise_b.pk}
    services.save_space(users[Role.PRINCIPAL], enterprise_a.pk, **space_data())
    assert list(services.ledger_missing(every)) == [enterprise_b]


def test_the_ledger_page_and_the_form(client, users, enterprise_a):
    client_for(client, users[Role.PRINCIPAL])
    response = client.post(
        f"/experts/enterprises/{enterprise_a.pk}/spaces/new/",
        {
            "name": "脱硫塔",
            "location": "锅炉房北侧",
            "kind": "tank",
            "hazards": ["oxygen_deficiency", "toxic_gas"],
            "lockout": "on",
            "responsible": "李安全",
        },
    )
    assert response.status_code == 302
    space = ConfinedSpace.objects.get()
    assert space.lockout and not space.isolation and space.last_checked_on is None
    page = client.get(f"/experts/enterprises/{enterprise_a.pk}/spaces/").content.decode()
    assert "脱硫塔" in page and "缺氧、有毒气体" in page
    # A bad entry shows its reason on the form and saves nothing.
    response = client.post(
        f"/experts/enterprises/{enterprise_a.pk}/spaces/new/",
        {
            "name": "脱硫塔",
            "location": "x",
            "kind": "tank",
            "hazards": ["dust"],
            "responsible": "李",
        },
    )
    assert response.status_code == 200
    assert "本企业台账中已有同名有限空间" in response.content.decode()
    assert ConfinedSpace.objects.count() == 1


def test_the_export_lists_the_spaces_and_keeps_formulas_as_text(client, users, enterprise_a):
    services.save_space(users[Role.PRINCIPAL], enterprise_a.pk, **space_data(name="=1+2"))
    client_for(client, users[Role.TOWN_SUPERVISOR])
    response = client.get(f"/experts/enterprises/{enterprise_a.pk}/spaces/export/")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("有限空间名称", "所在位置", "类型", "危险有害因素")
    assert rows[1][0] == "=1+2" and sheet["A2"].data_type != "f"
    assert rows[1][2:8] == ("污水池、化粪池、窨井", "缺氧、有毒气体", "是", "是", "否", "否")


@pytest.mark.parametrize("role", list(Role))
def test_the_ledger_pages_by_role(client, users, enterprise_a, enterprise_b, space, role):
    client_for(client, users[role])
    inside = client.get(f"/experts/enterprises/{enterprise_a.pk}/spaces/")
    outside = client.get(f"/experts/enterprises/{enterprise_b.pk}/spaces/")
    export = client.get(f"/experts/enterprises/{enterprise_b.pk}/spaces/export/")
    if role == Role.EMPLOYEE:
        assert inside.status_code == 403
    else:
        assert inside.status_code == 200 and "1号污水池" in inside.content.decode()
    county_wide = role in (Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER, *UPPER)
    if role == Role.EMPLOYEE:
        assert outside.status_code in (403, 404)
    else:
        assert outside.status_code == (200 if county_wide else 404)
        assert export.status_code == (200 if county_wide else 404)
    edit = client.get(f"/experts/spaces/{space.pk}/edit/")
    allowed = role in (Role.PRINCIPAL, Role.SAFETY_OFFICER)
    assert edit.status_code == (200 if allowed else 403)
