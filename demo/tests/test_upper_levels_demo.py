"""The demo's tree above the county: 高唐县 under 聊城市 under 山东省, with a read-only city and
province supervisor; a database loaded before those levels has its county moved under them."""

from accounts.models import User
from accounts.roles import Role
from conftest import make_enterprise
from core.models import Jurisdiction, JurisdictionKind
from enterprises.models import Enterprise


def test_the_demo_puts_the_county_under_a_city_and_a_province(demo_without_monitoring):
    # A demo database of before: 高唐县 at the root, a town and an enterprise below it.
    old = Jurisdiction.objects.create(code="371526", name="高唐县", kind=JurisdictionKind.COUNTY)
    town = Jurisdiction.objects.create(
        code="371526-01", name="鱼邱湖街道", kind=JurisdictionKind.STREET, parent=old
    )
    firm = make_enterprise(town, serial=77, name="高唐县旧库企业有限公司")
    demo_without_monitoring()

    province = Jurisdiction.objects.get(code="370000")
    city = Jurisdiction.objects.get(code="371500")
    county = Jurisdiction.objects.get(code="371526")
    assert (province.kind, city.kind) == (JurisdictionKind.PROVINCE, JurisdictionKind.CITY)
    assert county.pk == old.pk and county.parent == city and city.parent == province
    assert county.path == f"/{province.pk}/{city.pk}/{county.pk}/"
    town.refresh_from_db()
    firm.refresh_from_db()
    assert town.path == f"{county.path}{town.pk}/"
    assert firm.scope_path == town.path
    # Every row below the county moved with it.
    assert (
        not Jurisdiction.objects.exclude(pk__in=[province.pk, city.pk])
        .exclude(path__startswith=county.path)
        .exists()
    )
    assert not Enterprise.objects.exclude(scope_path__startswith=county.path).exists()

    shiji, shengji = User.objects.get(username="shiji"), User.objects.get(username="shengji")
    assert (shiji.role, shiji.jurisdiction) == (Role.CITY_SUPERVISOR, city)
    assert (shengji.role, shengji.jurisdiction) == (Role.PROVINCE_SUPERVISOR, province)
    demo_firms = Enterprise.objects.filter(is_demo=True)
    assert Enterprise.objects.for_user(shiji).filter(is_demo=True).count() == demo_firms.count()
    assert Enterprise.objects.for_user(shengji).count() == Enterprise.objects.count()
