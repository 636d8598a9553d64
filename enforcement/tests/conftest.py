import pytest

from accounts.roles import Role
from conftest import make_enterprise, make_user


@pytest.fixture
def inspectors(county):
    """Six enforcement officers with badge numbers at the county (the pool)."""
    result = []
    for i in range(6):
        user = make_user(f"inspector{i}", Role.ENFORCEMENT_OFFICER, county)
        user.full_name = f"执法员{i}"
        user.badge_number = f"37152600{i:02d}"
        user.phone = f"1390000000{i}"
        user.save()
        result.append(user)
    return result


@pytest.fixture
def many_enterprises(town_a, town_b):
    """Twenty more enterprises, ten in each town."""
    return [
        make_enterprise(town_a if i % 2 else town_b, None, serial=100 + i, name=f"测试企业{i:02d}")
        for i in range(20)
    ]


def answer_all(user, inspection, wanting=()):
    """Answer every checklist item: compliant, except those in `wanting` ({item id: note})."""
    from enforcement.inspections import services as inspections
    from enforcement.models import Result

    wanting = dict(wanting)
    for row in inspections.checklist_rows(inspection):
        item = row["item"]
        if item.pk in wanting:
            inspections.answer(user, inspection.pk, item.pk, Result.NOT_COMPLIANT, wanting[item.pk])
        else:
            inspections.answer(user, inspection.pk, item.pk, Result.COMPLIANT)


@pytest.fixture
def inspect(users, inspectors):
    """inspect(enterprise, wanting=0, day=None, kind="on_site", complete=True): an inspection by
    the county's enforcement officer with two pool inspectors; the first `wanting` items with a
    criterion, then without, are answered 不符合."""
    from datetime import timedelta

    from django.utils import timezone

    from enforcement.inspections import services as inspections

    enforcer = users[Role.ENFORCEMENT_OFFICER]

    def make(enterprise, wanting=0, day=None, kind="on_site", complete=True):
        day = day or timezone.localdate()
        inspection = inspections.create_inspection(
            enforcer, enterprise.pk, kind, day, [inspectors[0].pk, inspectors[1].pk]
        )
        rows = inspections.checklist_rows(inspection)
        ordered = [r["item"] for r in rows if r["item"].criterion_id] + [
            r["item"] for r in rows if not r["item"].criterion_id
        ]
        chosen = {item.pk: f"问题{n}：{item.text[:10]}" for n, item in enumerate(ordered[:wanting])}
        answer_all(enforcer, inspection, chosen)
        if complete:
            deadline = day + timedelta(days=30) if wanting else None
            inspection = inspections.complete(enforcer, inspection.pk, "检查情况说明", deadline)
        return inspection

    return make
