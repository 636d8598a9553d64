"""A county-sized timing of the training board's queries (not part of the suite: its name is
not test_*.py). 13 towns, 7,100 enterprises (half with a task 17/18 sector tag), 14,200
drills; five runs of each, printed in ms, sorted. Run it explicitly:

    pytest training/tests/bench_board.py -q -s
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/anjian_training \
        pytest training/tests/bench_board.py -q -s
"""

import random
import time
from datetime import date

import pytest

from accounts.roles import Role
from conftest import make_code, make_user
from core.models import Jurisdiction, JurisdictionKind
from enterprises.models import Enterprise
from training import services
from training.models import Drill


@pytest.mark.django_db
def test_bench(county, capsys):
    rng = random.Random(1)
    towns = [
        Jurisdiction.objects.create(
            code=f"T{i}", name=f"镇{i}", kind=JurisdictionKind.TOWN, parent=county
        )
        for i in range(13)
    ]
    admin = make_user("adm", Role.SUPERVISOR, county)
    ents = []
    for i in range(7100):
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
        ents.append(e)
    Enterprise.objects.bulk_create(ents, batch_size=1000)
    ids = list(Enterprise.objects.values_list("pk", flat=True))
    through = Enterprise.sector_tags.through
    tags = ["foundry", "combustible_dust", "labor_intensive", "ammonia_refrigeration"]
    through.objects.bulk_create(
        [
            through(enterprise_id=pk, sectortag_id=rng.choice(tags))
            for pk in ids
            if rng.random() < 0.5
        ]
    )
    Drill.objects.bulk_create(
        [
            Drill(
                enterprise_id=pk,
                held_on=date(2026, rng.randint(1, 11), 1),
                kind="evacuation",
                scenario="x",
                participants=5,
                created_by=admin,
                no_notice=True,
            )
            for pk in ids
            for _ in range(2)
        ],
        batch_size=2000,
    )
    today = date(2026, 12, 6)
    timings = {}
    for name, fn in (
        ("town_rows", lambda: services.town_rows(admin, today)),
        ("drills_missing", lambda: services.drills_missing(Enterprise.objects.all(), today)),
        ("principals_missing", lambda: list(services.principals_missing(Enterprise.objects.all()))),
    ):
        runs = []
        for _ in range(5):
            t = time.perf_counter()
            fn()
            runs.append((time.perf_counter() - t) * 1000)
        timings[name] = sorted(runs)
    with capsys.disabled():
        print("\nBENCH", {k: [round(x) for x in v] for k, v in timings.items()})
