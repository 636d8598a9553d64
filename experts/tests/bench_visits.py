"""A county-sized timing of expert services' reads (not part of the suite: its name is not
test_*.py). 13 towns, 10,000 enterprises (a third with the confined-space tag, a sixth more
with a confined-space kind in their profile), 20,000 confined spaces, 3,000 visits with two
findings each (6,000 hazards, a third closed); five runs of each, printed in ms, sorted. Run it
explicitly:

    pytest experts/tests/bench_visits.py -s
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/anjian_experts \\
        pytest experts/tests/bench_visits.py -s
"""

import random
import time
from datetime import date, timedelta

import pytest
from django.test import Client

from accounts.roles import Role
from conftest import make_code, make_user
from core.models import Jurisdiction, JurisdictionKind
from enterprises.models import Enterprise
from experts import services
from experts.models import ConfinedSpace, ExpertVisit, VisitFinding
from hazards.models import Hazard
from workbench.items import expert_items

ENTERPRISES, VISITS = 10_000, 3_000


@pytest.mark.django_db
def test_bench(county, capsys):
    rng = random.Random(9)
    towns = [
        Jurisdiction.objects.create(
            code=f"T{i}", name=f"镇{i}", kind=JurisdictionKind.TOWN, parent=county
        )
        for i in range(13)
    ]
    supervisor = make_user("sup", Role.SUPERVISOR, county)
    town = make_user("town", Role.TOWN_SUPERVISOR, towns[0])
    experts = [make_user(f"exp{i}", Role.EXPERT) for i in range(10)]
    rows = []
    for i in range(ENTERPRISES):
        e = Enterprise(
            credit_code=make_code(i + 100),
            name=f"企业{i}",
            jurisdiction=towns[i % 13],
            industry="machinery",
            principal_name="王",
            principal_phone="1",
        )
        e.scope_path = towns[i % 13].path
        e.name_initials = f"qy{i}"
        rows.append(e)
    Enterprise.objects.bulk_create(rows, batch_size=2000)
    ids = list(Enterprise.objects.order_by("pk").values_list("pk", flat=True))
    tags = Enterprise.sector_tags.through
    tags.objects.bulk_create(
        [tags(enterprise_id=pk, sectortag_id="confined_space") for pk in ids[::3]]
    )
    kinds = Enterprise.process_kinds.through
    kinds.objects.bulk_create([kinds(enterprise_id=pk, processkind_id="tank") for pk in ids[1::6]])
    spaced = ids[::3][: len(ids[::3]) // 2]
    ConfinedSpace.objects.bulk_create(
        [
            ConfinedSpace(
                enterprise_id=pk,
                name=f"空间{n}",
                location="厂区",
                kind_id=rng.choice(["tank", "sewage_pit", "bin"]),
                hazards=["oxygen_deficiency"],
                responsible="李",
                updated_by=supervisor,
            )
            for pk in spaced
            for n in range(12)
        ][:20_000],
        batch_size=2000,
    )
    visited = rng.sample(ids[::3], VISITS)
    start = date(2026, 1, 5)
    ExpertVisit.objects.bulk_create(
        [
            ExpertVisit(
                jurisdiction=county,
                enterprise_id=pk,
                planned_on=start + timedelta(days=n % 300),
                state=rng.choice(["planned", "in_progress", "reported", "closed"]),
                created_by=supervisor,
            )
            for n, pk in enumerate(visited)
        ],
        batch_size=2000,
    )
    visits = list(ExpertVisit.objects.order_by("pk"))
    through = ExpertVisit.experts.through
    through.objects.bulk_create(
        [through(expertvisit_id=v.pk, user_id=experts[n % 10].pk) for n, v in enumerate(visits)]
    )
    Hazard.objects.bulk_create(
        [
            Hazard(
                enterprise_id=v.enterprise_id,
                source="expert_visit",
                description=f"问题{k}",
                found_by="专家",
                state="closed" if k == 0 and n % 3 == 0 else "reported",
            )
            for n, v in enumerate(visits)
            for k in range(2)
        ],
        batch_size=2000,
    )
    hazards = list(Hazard.objects.order_by("pk").values_list("pk", flat=True))
    VisitFinding.objects.bulk_create(
        [
            VisitFinding(
                visit=v, description="问题", hazard_id=hazards[2 * n + k], recorded_by=supervisor
            )
            for n, v in enumerate(visits)
            for k in range(2)
        ],
        batch_size=2000,
    )
    page = Client()
    page.force_login(supervisor)
    town_page = Client()
    town_page.force_login(town)
    timings = {}
    for name, fn in (
        ("visit list page (county)", lambda: page.get("/experts/")),
        ("visit list page (town)", lambda: town_page.get("/experts/")),
        ("API list, first page (county)", lambda: page.get("/api/v1/expert-visits")),
        (
            "ledger missing (county count)",
            lambda: services.ledger_missing(Enterprise.objects.for_user(supervisor)).count(),
        ),
        ("expert's workbench items", lambda: expert_items(experts[0], date(2026, 12, 6))),
        ("close_settled sweep", services.close_settled),
    ):
        fn()  # warm-up: the first request compiles the templates and loads the URLconf
        runs = []
        for _ in range(5):
            t = time.perf_counter()
            response = fn()
            runs.append((time.perf_counter() - t) * 1000)
            assert getattr(response, "status_code", 200) == 200
        timings[name] = sorted(runs)
    with capsys.disabled():
        print("\nBENCH", {k: [round(x) for x in v] for k, v in timings.items()})
