"""Matching: same industry, a shared key sector, a shared equipment/process kind, each match
explained with the names; reproducible and ordered; closed enterprises, the accident's own
enterprise and enterprises outside the issuer's scope left out."""

from accident_warnings.services import match
from accounts.roles import Role
from conftest import make_enterprise
from enterprises.models import Enterprise, ProcessKind, SectorTag

from .helpers import accident


def _built(town_a, town_b):
    """Hand-built: who matches what against an accident in machinery, tag foundry, kinds
    spray_painting and dust_collector."""
    both = make_enterprise(town_a, serial=11, name="甲机械厂", industry="machinery")
    both.sector_tags.set([SectorTag.objects.get(code="foundry")])
    both.process_kinds.set(
        ProcessKind.objects.filter(code__in=["dust_collector", "spray_painting"])
    )
    kind_only = make_enterprise(town_b, serial=12, name="乙家具厂", industry="light_industry")
    kind_only.process_kinds.set(ProcessKind.objects.filter(code__in=["spray_painting", "boiler"]))
    industry_only = make_enterprise(town_a, serial=13, name="丙机械厂", industry="machinery")
    nothing = make_enterprise(town_b, serial=14, name="丁纺织厂", industry="textile")
    nothing.process_kinds.set(ProcessKind.objects.filter(code__in=["boiler"]))
    closed = make_enterprise(
        town_a, serial=15, name="戊机械厂", industry="machinery", status="closed"
    )
    return both, kind_only, industry_only, nothing, closed


def test_it_explains_each_match_with_the_names(users, town_a, town_b, enterprise_a):
    both, kind_only, industry_only, nothing, closed = _built(town_a, town_b)
    case = accident(
        users[Role.SUPERVISOR], tags=["foundry"], kinds=["spray_painting", "dust_collector"]
    )
    found = {m.enterprise_id: m for m in match(case, Enterprise.objects.all())}

    assert found[both.pk].reasons == [
        {"field": "industry", "label": "行业相同", "names": ["机械"]},
        {"field": "sector_tag", "label": "重点行业领域相同", "names": ["机械铸造"]},
        # In the kinds' reference order (dust_collector before spray_painting), not the input's.
        {"field": "process_kind", "label": "设备工艺相似", "names": ["除尘系统", "喷涂"]},
    ]
    assert found[kind_only.pk].explanation == "设备工艺相似：喷涂"
    assert found[industry_only.pk].explanation == "行业相同：机械"
    # enterprise_a (conftest): machinery with the foundry tag.
    assert found[enterprise_a.pk].explanation == "行业相同：机械；重点行业领域相同：机械铸造"
    assert nothing.pk not in found
    assert closed.pk not in found


def test_it_is_reproducible_and_ordered(users, town_a, town_b, enterprise_a):
    both, kind_only, industry_only, _nothing, _closed = _built(town_a, town_b)
    case = accident(users[Role.SUPERVISOR], tags=["foundry"], kinds=["spray_painting"])
    first = [(m.enterprise_id, m.reasons) for m in match(case, Enterprise.objects.all())]
    second = [(m.enterprise_id, m.reasons) for m in match(case, Enterprise.objects.all())]
    assert first == second
    # Most reasons first, then by name: 甲机械厂 (3), enterprise_a (2), then 丙机械厂 and 乙家具厂
    # (1 each) by name.
    assert [pk for pk, _r in first] == sorted(
        [both.pk, enterprise_a.pk, industry_only.pk, kind_only.pk],
        key=lambda pk: {both.pk: (0, ""), enterprise_a.pk: (1, "")}.get(
            pk, (2, Enterprise.objects.get(pk=pk).name)
        ),
    )
    assert first[0][0] == both.pk and first[1][0] == enterprise_a.pk


def test_it_leaves_out_the_accidents_own_enterprise(users, enterprise_a, town_a):
    other = make_enterprise(town_a, serial=21, name="同行机械厂", industry="machinery")
    case = accident(users[Role.SUPERVISOR], source="local", enterprise=enterprise_a, location="")
    ids = [m.enterprise_id for m in match(case, Enterprise.objects.all())]
    assert ids == [other.pk]


def test_it_matches_only_within_the_scope_given(users, town_a, town_b, enterprise_a):
    _built(town_a, town_b)
    case = accident(users[Role.SUPERVISOR], kinds=["spray_painting"])
    town_user = users[Role.TOWN_SUPERVISOR]
    ids = {m.enterprise_id for m in match(case, Enterprise.objects.for_user(town_user))}
    assert ids and all(Enterprise.objects.get(pk=pk).jurisdiction == town_a for pk in ids)
