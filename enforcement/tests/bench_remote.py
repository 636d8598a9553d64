"""Benchmark of the per-town remote counts and an assistance record's before/after figures:
20,000 remote inspections over 100 enterprises in two towns. Figures in the README
(`-s` prints them). Run by name, like the other bench_*.py files; the suite does not collect it,
and the assertions check the figures' correctness, not their time."""

import time
from datetime import timedelta

from django.utils import timezone

from accounts.roles import Role
from conftest import make_enterprise, make_user
from enforcement.models import AssistanceRecord, RemoteInspection
from enforcement.penalties import statistics
from enforcement.remote import services

N = 20000


def test_bench(county, town_a, town_b):
    user = make_user("bench_sup", Role.SUPERVISOR, county)
    ents = [
        make_enterprise(town_a if i % 2 else town_b, None, serial=500 + i, name=f"基准企业{i}")
        for i in range(100)
    ]
    today = timezone.localdate()
    RemoteInspection.objects.bulk_create(
        [
            RemoteInspection(
                enterprise=ents[i % 100],
                jurisdiction=county,
                source="documents",
                question="基准",
                due_on=today + timedelta(days=5 - i % 10),
                opened_by=user,
                opened_on=today - timedelta(days=i % 300),
                state=["awaiting", "answered", "decided"][i % 3],
                outcome="no_problem" if i % 3 == 2 else "",
                decided_on=today - timedelta(days=i % 200) if i % 3 == 2 else None,
            )
            for i in range(N)
        ],
        batch_size=2000,
    )
    start = time.perf_counter()
    rows = statistics.remote_by_town(user, today.year, today)
    took = time.perf_counter() - start
    print(f"\nBENCH remote_by_town {N} rows, {len(rows)} towns: {took * 1000:.0f} ms")
    assert sum(r.opened for r in rows) == sum(
        1 for i in range(N) if (today - timedelta(days=i % 300)).year == today.year
    )
    record = AssistanceRecord.objects.create(
        town=town_a,
        reasons=["零处罚"],
        method="cross_area",
        assisted_on=today - timedelta(days=30),
        findings="基准",
        created_by=user,
    )
    start = time.perf_counter()
    effect = services.before_after(record, today)
    took = time.perf_counter() - start
    print(f"BENCH before_after: {took * 1000:.0f} ms")
    assert effect["after"]["remote"] == sum(1 for i in range(N) if i % 2 and i % 300 <= 30)
