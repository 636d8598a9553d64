"""The city and province levels above the county (issue 17): a city supervisor sees every county
of their city and nothing of another city, a province supervisor all of the province; both only
read (a 403 on a change), and an object outside their node is a 404. The tree:

    山东省 > 聊城市 > 高唐县 (the root conftest's: 赵寨子镇 with enterprise_a and enterprise_a2,
                               清平镇 with enterprise_b)
                    > 茌平区 > 振兴街道 (one enterprise)
           > 德州市 > 齐河县 > 晏城街道 (one enterprise)
    冠县 (a county of no province here: far_enterprise)
"""

import pytest
from django.core.exceptions import ValidationError

from accounts.roles import PERMISSIONS, UPPER_READ_ACTIONS, UPPER_ROLES, Role, can
from conftest import make_enterprise, make_user
from core.models import ABOVE_COUNTY, Jurisdiction, JurisdictionKind
from enterprises.models import Enterprise
from hazards import services
from hazards.board import build
from hazards.models import Hazard, Source


@pytest.fixture
def tree(users, province, city, county, enterprise_a, enterprise_a2, enterprise_b, far_enterprise):
    chiping = Jurisdiction.objects.create(
        code="371503", name="茌平区", kind=JurisdictionKind.COUNTY, parent=city
    )
    chiping_street = Jurisdiction.objects.create(
        code="371503-01", name="振兴街道", kind=JurisdictionKind.STREET, parent=chiping
    )
    dezhou = Jurisdiction.objects.create(
        code="371400", name="德州市", kind=JurisdictionKind.CITY, parent=province
    )
    qihe = Jurisdiction.objects.create(
        code="371425", name="齐河县", kind=JurisdictionKind.COUNTY, parent=dezhou
    )
    qihe_street = Jurisdiction.objects.create(
        code="371425-01", name="晏城街道", kind=JurisdictionKind.STREET, parent=qihe
    )
    chiping_firm = make_enterprise(chiping_street, serial=21, name="茌平信发铝制品有限公司")
    qihe_firm = make_enterprise(qihe_street, serial=22, name="齐河县华宇机械有限公司")
    supervisors = {
        "高唐县": users[Role.SUPERVISOR],
        "茌平区": make_user("chiping_supervisor", Role.SUPERVISOR, chiping),
        "齐河县": make_user("qihe_supervisor", Role.SUPERVISOR, qihe),
        "冠县": make_user(
            "guanxian_supervisor",
            Role.SUPERVISOR,
            Jurisdiction.objects.get(pk=far_enterprise.jurisdiction.parent_id),
        ),
    }
    firms = {
        "enterprise_a": enterprise_a,
        "enterprise_a2": enterprise_a2,
        "enterprise_b": enterprise_b,
        "chiping": chiping_firm,
        "qihe": qihe_firm,
        "far": far_enterprise,
    }
    county_of = {
        "enterprise_a": "高唐县",
        "enterprise_a2": "高唐县",
        "enterprise_b": "高唐县",
        "chiping": "茌平区",
        "qihe": "齐河县",
        "far": "冠县",
    }
    hazards = {}
    for key, firm in firms.items():
        hazards[key] = services.report(
            supervisors[county_of[key]],
            firm.pk,
            source=Source.ENFORCEMENT,
            description=f"{firm.name}配电箱柜门损坏",
        )
    return {
        "firms": firms,
        "hazards": hazards,
        "dezhou": dezhou,
        "city_user": users[Role.CITY_SUPERVISOR],
        "province_user": users[Role.PROVINCE_SUPERVISOR],
    }


LIAOCHENG = {"enterprise_a", "enterprise_a2", "enterprise_b", "chiping"}
SHANDONG = LIAOCHENG | {"qihe"}


def _seen(model, user, objects, action):
    pks = set(model.objects.for_user(user, action).values_list("pk", flat=True))
    return {key for key, obj in objects.items() if obj.pk in pks}


def test_a_city_supervisor_sees_every_county_of_the_city_and_nothing_of_another(tree):
    user = tree["city_user"]
    assert _seen(Enterprise, user, tree["firms"], "enterprise.list") == LIAOCHENG
    assert _seen(Hazard, user, tree["hazards"], "hazard.list") == LIAOCHENG
    # Their jurisdictions: the city and below, not 德州市 nor the province.
    names = set(Jurisdiction.objects.for_user(user).values_list("name", flat=True))
    assert {"聊城市", "高唐县", "茌平区", "振兴街道", "赵寨子镇"} <= names
    assert not names & {"山东省", "德州市", "齐河县", "冠县"}


def test_a_province_supervisor_sees_the_whole_province_and_nothing_outside(tree):
    user = tree["province_user"]
    assert _seen(Enterprise, user, tree["firms"], "enterprise.list") == SHANDONG
    assert _seen(Hazard, user, tree["hazards"], "hazard.list") == SHANDONG


def test_the_county_users_see_as_before(tree, users):
    assert _seen(Enterprise, users[Role.SUPERVISOR], tree["firms"], "enterprise.list") == {
        "enterprise_a",
        "enterprise_a2",
        "enterprise_b",
    }
    assert _seen(Enterprise, users[Role.TOWN_SUPERVISOR], tree["firms"], None) == {
        "enterprise_a",
        "enterprise_a2",
    }


@pytest.mark.parametrize("role", [Role.CITY_SUPERVISOR, Role.PROVINCE_SUPERVISOR])
def test_upper_users_read_pages_in_scope_and_get_404_outside(client, tree, role):
    user = tree["city_user"] if role == Role.CITY_SUPERVISOR else tree["province_user"]
    client.force_login(user)
    inside = tree["firms"]["chiping"]
    assert client.get(f"/enterprises/{inside.pk}/").status_code == 200
    assert client.get(f"/hazards/{tree['hazards']['chiping'].pk}/").status_code == 200
    assert client.get(f"/enterprises/{tree['firms']['far'].pk}/").status_code == 404
    assert client.get(f"/hazards/{tree['hazards']['far'].pk}/").status_code == 404
    if role == Role.CITY_SUPERVISOR:  # 齐河县 is another city's
        assert client.get(f"/enterprises/{tree['firms']['qihe'].pk}/").status_code == 404
        assert client.get(f"/hazards/{tree['hazards']['qihe'].pk}/").status_code == 404
    page = client.get("/enterprises/").content.decode()
    assert "茌平信发铝制品有限公司" in page
    assert "冠县远方机械有限公司" not in page
    # The enterprise page offers no change: no edit button, no hazard report.
    detail = client.get(f"/enterprises/{inside.pk}/").content.decode()
    assert f"/enterprises/{inside.pk}/edit/" not in detail
    assert "/hazards/report/" not in detail


@pytest.mark.parametrize("role", [Role.CITY_SUPERVISOR, Role.PROVINCE_SUPERVISOR])
def test_upper_users_may_not_change_anything(client, tree, role):
    user = tree["city_user"] if role == Role.CITY_SUPERVISOR else tree["province_user"]
    client.force_login(user)
    firm = tree["firms"]["chiping"]
    hazards_before = Hazard.objects.count()
    assert client.get("/hazards/report/").status_code == 403
    response = client.post(
        "/hazards/report/",
        {"enterprise": firm.pk, "source": Source.ENFORCEMENT, "description": "擅自登记"},
    )
    assert response.status_code == 403
    assert client.get(f"/enterprises/{firm.pk}/edit/").status_code == 403
    response = client.post(f"/enterprises/{firm.pk}/edit/", {"name": "改名有限公司"})
    assert response.status_code == 403
    assert client.get("/enterprises/new/").status_code == 403
    hazard = tree["hazards"]["chiping"]
    assert client.post(f"/hazards/{hazard.pk}/confirm/").status_code in (403, 302)
    hazard.refresh_from_db()
    assert hazard.state == "reported"
    firm.refresh_from_db()
    assert firm.name == "茌平信发铝制品有限公司"
    assert Hazard.objects.count() == hazards_before
    # The service refuses too, whatever page asks.
    with pytest.raises(services.TransitionRefused):
        services.report(user, firm.pk, source=Source.ENFORCEMENT, description="擅自登记")


def test_upper_users_may_not_change_anything_through_the_api(client, tree):
    client.force_login(tree["province_user"])
    firm = tree["firms"]["chiping"]
    response = client.post(
        "/api/v1/hazards",
        {"enterprise_id": firm.pk, "source": "enforcement", "description": "擅自登记"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "您的角色不能登记隐患"
    assert client.get(f"/api/v1/enterprises/{firm.pk}").status_code == 200
    assert client.get(f"/api/v1/enterprises/{tree['firms']['far'].pk}").status_code == 404


def test_upper_roles_only_read():
    """Every action they hold is a reading one a county supervisor holds too; none of the
    changes (the hazard report they would get through _ALL among them) is theirs."""
    assert set(PERMISSIONS) >= UPPER_READ_ACTIONS
    for action, roles in PERMISSIONS.items():
        for role in UPPER_ROLES:
            assert (role in roles) == (action in UPPER_READ_ACTIONS), action
    for action in UPPER_READ_ACTIONS:
        assert Role.SUPERVISOR in PERMISSIONS[action], action
    for action in ("hazard.report", "enterprise.edit", "enterprise.import", "hazard.review"):
        assert not PERMISSIONS[action] & UPPER_ROLES
    assert "certificate.id_number" not in UPPER_READ_ACTIONS


def test_the_workbench_shows_the_figures_of_the_whole_node(client, tree):
    client.force_login(tree["province_user"])
    response = client.get("/")
    assert response.status_code == 200
    overview = response.context["overview"]
    assert overview is not None
    assert 'id="quick-report"' not in response.content.decode()


def test_the_zero_out_board_of_an_upper_user_lists_the_nodes_below(client, tree):
    for key in ("chiping", "enterprise_b", "qihe", "far"):
        Hazard.objects.filter(pk=tree["hazards"][key].pk).update(is_major=True)
    board = build(tree["province_user"])
    assert board.row_label == "下级区划"
    assert sorted((r.name, r.open_majors) for r in board.towns) == [("德州市", 1), ("聊城市", 2)]
    assert board.total.open_majors == 3
    board = build(tree["city_user"])
    assert sorted((r.name, r.open_majors) for r in board.towns) == [("茌平区", 1), ("高唐县", 1)]
    client.force_login(tree["city_user"])
    page = client.get("/hazards/zero-out/").content.decode()
    assert "茌平区" in page and "下级区划" in page
    # The ledger filtered by a county below (the board's link).
    chiping = Jurisdiction.objects.get(name="茌平区")
    ledger = client.get(f"/hazards/?major=1&town={chiping.pk}")
    assert [h.pk for h in ledger.context["page"]] == [tree["hazards"]["chiping"].pk]


def test_their_pages_answer(client, tree):
    client.force_login(tree["city_user"])
    assert client.get("/").status_code == 200
    assert client.get("/enterprises/").status_code == 200
    assert client.get("/hazards/").status_code == 200
    assert client.get("/hazards/zero-out/").status_code == 200


# --- User.clean ---------------------------------------------------------------------------------


def _clean(role, jurisdiction):
    from accounts.models import User

    User(username=f"u_{role}", role=role, jurisdiction=jurisdiction).full_clean(
        exclude=["password"]
    )


@pytest.mark.django_db
def test_a_province_supervisor_belongs_to_a_province(province, city, county):
    _clean(Role.PROVINCE_SUPERVISOR, province)
    for node in (city, county):
        with pytest.raises(ValidationError) as refused:
            _clean(Role.PROVINCE_SUPERVISOR, node)
        assert refused.value.message_dict["jurisdiction"] == ["省级监管人员的所属区划应为省"]


@pytest.mark.django_db
def test_a_city_supervisor_belongs_to_a_city(province, city, county):
    _clean(Role.CITY_SUPERVISOR, city)
    for node in (province, county):
        with pytest.raises(ValidationError) as refused:
            _clean(Role.CITY_SUPERVISOR, node)
        assert refused.value.message_dict["jurisdiction"] == ["市级监管人员的所属区划应为市"]
    with pytest.raises(ValidationError) as refused:
        _clean(Role.CITY_SUPERVISOR, None)
    assert refused.value.message_dict["jurisdiction"] == ["该角色必须指定所属区划"]


@pytest.mark.django_db
def test_county_roles_stay_at_a_county(city):
    with pytest.raises(ValidationError) as refused:
        _clean(Role.SUPERVISOR, city)
    assert refused.value.message_dict["jurisdiction"] == ["县局角色的所属区划应为县"]


# --- The tree ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_which_kind_sits_under_which(province, city, county):
    def check(kind, parent):
        Jurisdiction(code=f"x-{kind}", name="新区划", kind=kind, parent=parent).full_clean()

    check(JurisdictionKind.CITY, province)
    check(JurisdictionKind.COUNTY, city)
    check(JurisdictionKind.COUNTY, province)  # 省直管县
    check(JurisdictionKind.COUNTY, None)
    for kind, parent in [
        (JurisdictionKind.PROVINCE, city),
        (JurisdictionKind.CITY, None),
        (JurisdictionKind.CITY, city),
        (JurisdictionKind.COUNTY, county),
        (JurisdictionKind.TOWN, city),
        (JurisdictionKind.TOWN, province),
    ]:
        with pytest.raises(ValidationError):
            check(kind, parent)
    assert city.is_above_county and province.is_above_county
    assert not county.is_above_county
    assert set(ABOVE_COUNTY) == {JurisdictionKind.PROVINCE, JurisdictionKind.CITY}
    assert county.path == f"{province.path}{city.pk}/{county.pk}/"


def test_can_answers_for_the_new_roles(users):
    assert can(users[Role.PROVINCE_SUPERVISOR], "hazard.board")
    assert not can(users[Role.CITY_SUPERVISOR], "hazard.report")


# --- Their accounts in the admin -----------------------------------------------------------------


def _add_user(client, role, jurisdiction):
    return client.post(
        "/admin/accounts/user/add/",
        {
            "username": f"new_{role}",
            "password1": "another-long-pass-1",
            "password2": "another-long-pass-1",
            "usable_password": "true",
            "full_name": "新用户",
            "role": role,
            "jurisdiction": jurisdiction.pk,
        },
    )


def test_the_platform_admin_adds_a_city_supervisor_at_a_city_only(
    client, platform_admin, city, county
):
    from accounts.models import User

    client.force_login(platform_admin)
    refused = _add_user(client, Role.CITY_SUPERVISOR, county)
    assert refused.status_code == 200
    assert "市级监管人员的所属区划应为市" in refused.content.decode()
    assert not User.objects.filter(username=f"new_{Role.CITY_SUPERVISOR}").exists()
    response = _add_user(client, Role.CITY_SUPERVISOR, city)
    assert response.status_code == 302
    created = User.objects.get(username=f"new_{Role.CITY_SUPERVISOR}")
    assert created.jurisdiction == city and not created.is_staff


def test_a_county_admin_is_not_offered_the_upper_roles(client, users, province):
    from accounts.models import User

    client.force_login(users[Role.COUNTY_ADMIN])
    page = client.get("/admin/accounts/user/add/").content.decode()
    assert 'value="supervisor"' in page
    assert 'value="province_supervisor"' not in page
    assert 'value="city_supervisor"' not in page
    response = _add_user(client, Role.PROVINCE_SUPERVISOR, province)
    assert response.status_code == 200
    assert not User.objects.filter(username=f"new_{Role.PROVINCE_SUPERVISOR}").exists()
    # Nor do they manage the accounts above their county.
    managed = User.objects.managed_by(users[Role.COUNTY_ADMIN])
    assert not managed.filter(role__in=UPPER_ROLES).exists()
