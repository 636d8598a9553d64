"""The province-wide search (README § Benchmark): a count capped at SEARCH_COUNT_LIMIT, shown as
"1,000+", and on PostgreSQL the two-character bigram index (core.search) used only for a pair
that its statistics call rare, finding exactly what LIKE finds."""

import datetime

import pytest
from django.db import connection

from accounts.roles import Role
from conftest import client_for, make_enterprise
from core import search
from core.pagination import IdFirstPaginator
from enterprises.models import Enterprise
from hazards.models import Hazard, Source, State

postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the bigram index is PostgreSQL's"
)


def hazards(enterprise, descriptions):
    Hazard.objects.bulk_create(
        Hazard(
            enterprise=enterprise,
            source=Source.ENFORCEMENT,
            description=text,
            found_on=datetime.date(2026, 3, 1),
            found_by="张检查",
            state=State.CONFIRMED,
        )
        for text in descriptions
    )


# --- the capped count ------------------------------------------------------------------------


def test_a_capped_count_stops_at_its_limit(users, enterprise_a):
    hazards(enterprise_a, [f"打磨工位粉尘积聚 {n}" for n in range(5)])
    queryset = Hazard.objects.order_by("-id")
    page = IdFirstPaginator(queryset, 2, first_ids=3, count_limit=3).get_page(1)
    assert (page.paginator.count, page.paginator.capped) == (4, True)
    assert page.paginator.count_label == "3+"
    exact = IdFirstPaginator(queryset, 2, first_ids=3, count_limit=10).get_page(1)
    assert (exact.paginator.count, exact.paginator.capped) == (5, False)
    assert exact.paginator.count_label == "5"
    assert IdFirstPaginator(queryset, 2, first_ids=3).get_page(1).paginator.count == 5


def test_the_ledger_shows_a_search_beyond_the_limit_as_limit_plus(
    client, users, enterprise_a, monkeypatch
):
    from hazards import views

    hazards(enterprise_a, [f"打磨工位粉尘积聚 {n}" for n in range(5)])
    monkeypatch.setattr(views, "SEARCH_COUNT_LIMIT", 3)
    monkeypatch.setattr(views, "_first_ids", lambda queryset: 2)
    client_for(client, users[Role.SUPERVISOR])
    assert "共 3+ 条隐患" in client.get("/hazards/?q=粉尘").content.decode()
    # A list without a search is counted in full.
    assert "共 5 条隐患" in client.get("/hazards/").content.decode()


def test_the_registry_shows_a_search_beyond_the_limit_as_limit_plus(
    client, users, town_a, monkeypatch
):
    from enterprises import views

    for serial in range(10, 15):
        make_enterprise(town_a, serial=serial, name=f"高唐县第{serial}机械制造有限公司")
    monkeypatch.setattr(views, "SEARCH_COUNT_LIMIT", 3)
    monkeypatch.setattr(IdFirstPaginator, "FIRST_IDS", 2)
    client_for(client, users[Role.SUPERVISOR])
    assert "共 3+ 家企业" in client.get("/enterprises/?q=机械").content.decode()


# --- the bigram index, on PostgreSQL -----------------------------------------------------------


@pytest.fixture
def analyzed():
    def analyze():
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE hazards_hazard")
            cursor.execute("ANALYZE enterprises_enterprise")
        search.clear_cache()

    yield analyze
    search.clear_cache()


@postgresql
def test_a_rare_pair_uses_the_bigram_index_and_a_common_one_does_not(users, enterprise_a, analyzed):
    common = [f"打磨工位粉尘积聚，编号{n}" for n in range(300)]
    hazards(enterprise_a, [*common, "除尘系统未设泄爆装置", "泄爆片锈蚀"])
    analyzed()
    assert search.is_rare("hazard_description_bigrams", "泄爆")
    assert search.is_rare("hazard_description_bigrams", "张庄")  # in no description
    assert not search.is_rare("hazard_description_bigrams", "粉尘")
    assert not search.is_rare("hazard_description_bigrams", "泄爆片")  # trigrams answer that

    enterprises = Enterprise.objects.all()
    rare = Hazard.objects.search("泄爆", enterprises)
    assert "anjian_bigrams" in str(rare.query)
    assert sorted(rare.values_list("description", flat=True)) == [
        "泄爆片锈蚀",
        "除尘系统未设泄爆装置",
    ]
    frequent = Hazard.objects.search("粉尘", enterprises)
    assert "anjian_bigrams" not in str(frequent.query)
    assert frequent.count() == 300
    # What the index finds is what LIKE finds.
    for pair in ("泄爆", "锈蚀", "装置", "张庄", "，编"):
        assert set(Hazard.objects.search(pair, enterprises).values_list("pk", flat=True)) == set(
            Hazard.objects.filter(description__contains=pair).values_list("pk", flat=True)
        ), pair


@postgresql
def test_the_registry_looks_a_rare_pair_up_in_the_name_index(users, town_a, analyzed):
    for serial in range(10, 310):
        make_enterprise(town_a, serial=serial, name=f"高唐县机械制造{serial}有限公司")
    make_enterprise(town_a, serial=400, name="高唐县泄爆设备有限公司")
    analyzed()
    found = Enterprise.objects.search("泄爆")
    assert "anjian_bigrams" in str(found.query)
    assert list(found.values_list("name", flat=True)) == ["高唐县泄爆设备有限公司"]
    assert "anjian_bigrams" not in str(Enterprise.objects.search("机械").query)
    assert Enterprise.objects.search("机械").count() == 300


def test_without_statistics_no_pair_counts_as_rare(db):
    search.clear_cache()
    assert not search.is_rare("no_such_index", "泄爆")
    assert not search.is_rare("hazard_description_bigrams", "泄爆片")
