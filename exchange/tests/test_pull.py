"""The cursor and the pull API: numbered only once committed (an id committed late is not
skipped), paged without gaps, filtered by kind, scoped to the caller's jurisdiction."""

import threading

import pytest
from django.db import connection, transaction

from accounts.roles import PERMISSIONS, Role
from conftest import bearer
from exchange import outbox
from exchange.models import ExchangeEntry
from exchange.tests.conftest import report_hazard

URL = "/api/v1/exchange/changes"


def _entry(**fields):
    base = {"kind": "enterprise", "object_id": 1, "scope_path": "/", "version": "v1"}
    return ExchangeEntry.objects.create(document={}, **{**base, **fields})


@pytest.mark.django_db
def test_a_lower_id_numbered_later_is_served_after_the_cursor_already_read():
    """An entry whose id is below one already served (it committed later) gets a later cursor,
    and a poller resuming after what it read gets it."""
    gap = _entry()
    later = _entry(object_id=2)
    gap_id = gap.pk
    gap.delete()
    assert outbox.sequence() == 1
    page, resume = outbox.changes(ExchangeEntry.objects.all(), 0, 10)
    assert [e.pk for e in page] == [later.pk] and resume == 1
    late = _entry(pk=gap_id, object_id=3)  # the lower id, "committed" now
    assert late.pk < later.pk
    page, resume = outbox.changes(ExchangeEntry.objects.all(), resume, 10)
    assert [(e.pk, e.seq) for e in page] == [(late.pk, 2)] and resume == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_commits_out_of_id_order_are_not_skipped():
    """On PostgreSQL: a transaction takes an id and commits after another took a higher id
    and committed; the poller that read the higher one still gets the lower one."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions: PostgreSQL")
    inserted, release, done = threading.Event(), threading.Event(), threading.Event()
    slow = {}

    def slow_writer():
        try:
            with transaction.atomic():
                slow["entry"] = _entry(object_id=1)
                inserted.set()
                release.wait(10)
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert inserted.wait(10)
    fast = _entry(object_id=2)
    assert fast.pk > slow["entry"].pk
    page, resume = outbox.changes(ExchangeEntry.objects.all(), 0, 10)
    assert [e.object_id for e in page] == [2]
    # A naive poller by id would now ask for id > fast.pk and never see the slow entry.
    release.set()
    assert done.wait(10)
    thread.join()
    page, resume = outbox.changes(ExchangeEntry.objects.all(), resume, 10)
    assert [e.object_id for e in page] == [1]
    assert page[0].seq > ExchangeEntry.objects.get(pk=fast.pk).seq


@pytest.fixture
def changes(users, county_supervisor, enterprise_a, enterprise_b, far_enterprise):
    """Hazards in town A (enterprise_a), town B (enterprise_b) and another county."""
    for n in range(3):
        report_hazard(county_supervisor, enterprise_a, f"A 隐患 {n}")
        report_hazard(county_supervisor, enterprise_b, f"B 隐患 {n}")
    far_enterprise.name = "冠县远方机械有限公司（改名）"
    far_enterprise.save()
    assert ExchangeEntry.objects.filter(enterprise_id=far_enterprise.pk).exists()


def _pull_all(client, limit, kinds=""):
    seen, after = [], 0
    for _ in range(100):
        body = client.get(URL, {"after": after, "limit": limit, "kinds": kinds}).json()
        seen += body["entries"]
        if not body["entries"]:
            return seen, body["next"]
        assert body["next"] >= after
        after = body["next"]
    raise AssertionError("no end")


def test_paging_serves_every_entry_once_in_order(api, changes, county):
    client = api(Role.SUPERVISOR)
    seen, last = _pull_all(client, limit=4)
    cursors = [e["cursor"] for e in seen]
    assert cursors == sorted(set(cursors))
    expected = list(
        ExchangeEntry.objects.filter(scope_path__startswith=county.path)
        .order_by("seq")
        .values_list("pk", flat=True)
    )
    assert [e["id"] for e in seen] == expected
    assert last == outbox.last()
    # Nothing new: the same cursor comes back, empty.
    body = client.get(URL, {"after": last}).json()
    assert body == {"entries": [], "next": last}


def _enterprise(entry):
    document = entry["document"]
    return document["id"] if entry["kind"] == "enterprise" else document["enterprise_id"]


def test_a_town_sees_only_its_town(api, changes, enterprise_a, enterprise_a2, enterprise_b):
    seen, _ = _pull_all(api(Role.TOWN_SUPERVISOR), limit=3)
    assert {_enterprise(e) for e in seen} == {enterprise_a.pk, enterprise_a2.pk}
    hazards = [e for e in seen if e["kind"] == "hazard"]
    assert len(hazards) == 3
    assert {e["document"]["enterprise_id"] for e in hazards} == {enterprise_a.pk}


def test_out_of_scope_is_absent(api, changes, far_enterprise):
    for role in (Role.SUPERVISOR, Role.TOWN_SUPERVISOR, Role.COUNTY_ADMIN):
        seen, _ = _pull_all(api(role), limit=50)
        assert far_enterprise.pk not in {e["document"].get("enterprise_id") for e in seen}
        assert far_enterprise.pk not in {
            e["document"].get("id") for e in seen if e["kind"] == "enterprise"
        }


def test_kinds_filter_and_documents(api, changes):
    seen, _ = _pull_all(api(Role.SUPERVISOR), limit=50, kinds="hazard")
    assert len(seen) == 6
    assert {e["kind"] for e in seen} == {"hazard"}
    assert {"id", "state", "credit_code", "description"} <= set(seen[0]["document"])
    response = api(Role.SUPERVISOR).get(URL, {"kinds": "hazard,nonsense"})
    assert response.status_code == 422
    assert "类别不存在" in response.json()["detail"]


def test_bad_cursor_is_422(api, changes):
    client = api(Role.SUPERVISOR)
    assert client.get(URL, {"after": -1}).status_code == 422
    assert client.get(URL, {"after": 2**64}).status_code == 422
    assert client.get(URL, {"limit": 0}).status_code == 422


def test_roles(api, changes):
    """Every role: exchange.pull answers, any other is a 403; no token is a 401."""
    assert set(Role) == set(PERMISSIONS["exchange.pull"]) | {
        r for r in Role if r not in PERMISSIONS["exchange.pull"]
    }
    for role in Role:
        response = api(role).get(URL)
        expected = 200 if role in PERMISSIONS["exchange.pull"] else 403
        assert response.status_code == expected, role
    assert PERMISSIONS["exchange.pull"] == {
        Role.COUNTY_ADMIN,
        Role.SUPERVISOR,
        Role.TOWN_SUPERVISOR,
        Role.CITY_SUPERVISOR,
        Role.PROVINCE_SUPERVISOR,
    }
    from django.test import Client

    assert Client().get(URL).status_code == 401


def test_city_sees_the_county(api, changes, enterprise_a, enterprise_b):
    seen, _ = _pull_all(api(Role.CITY_SUPERVISOR), limit=50, kinds="hazard")
    assert {e["document"]["enterprise_id"] for e in seen} == {enterprise_a.pk, enterprise_b.pk}


def test_bearer_token_of_the_pull_api(users):
    client = bearer(users[Role.SUPERVISOR])
    assert client.get(URL).status_code == 200
