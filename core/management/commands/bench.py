"""Province-scale benchmark of the enterprise registry (`make bench`).

It works in a database of its own, so the demo data is never touched: the SQLite file
var/bench.sqlite3, or the PostgreSQL database anjian_bench on the server DATABASE_URL names
(created when missing). There it loads, once, 100,000 enterprises under 20 counties of about 13
towns with 3 grids each (--reload builds it again), then times the filtered list page, the search
and the API list in-process with django.test.Client for a province, a county and a town
supervisor, and prints p50/p95/max per scenario and user as a Markdown table.

Each timed request ends like a request under gunicorn (close_old_connections), so with SQLite's
CONN_MAX_AGE=0 every request opens its own connection, as it does in production.
"""

import random
import re
import statistics
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import psycopg
from auditlog.context import disable_auditlog
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from psycopg import sql

from accounts.models import User
from accounts.roles import Role
from core.management.commands.load_demo import GIVEN, PROFILES, SURNAMES, WORDS
from core.models import Jurisdiction, JurisdictionKind
from enterprises import credit_code, pinyin
from enterprises.choices import DustClass, Industry, Standardization, Status
from enterprises.models import Enterprise, SectorTag

SQLITE_FILE = "bench.sqlite3"
PG_DATABASE = "anjian_bench"
TARGET_P95_MS = 150

ROOT = ("37", "山东省（基准）")
# (division code, name, prefecture): 聊城 and 德州's counties and 肥城市, public facts.
COUNTIES = [
    ("371526", "高唐县", "聊城"),
    ("371502", "东昌府区", "聊城"),
    ("371503", "茌平区", "聊城"),
    ("371521", "阳谷县", "聊城"),
    ("371522", "莘县", "聊城"),
    ("371524", "东阿县", "聊城"),
    ("371525", "冠县", "聊城"),
    ("371581", "临清市", "聊城"),
    ("371402", "德城区", "德州"),
    ("371403", "陵城区", "德州"),
    ("371422", "宁津县", "德州"),
    ("371423", "庆云县", "德州"),
    ("371424", "临邑县", "德州"),
    ("371425", "齐河县", "德州"),
    ("371426", "平原县", "德州"),
    ("371427", "夏津县", "德州"),
    ("371428", "武城县", "德州"),
    ("371481", "乐陵市", "德州"),
    ("371482", "禹城市", "德州"),
    ("370983", "肥城市", "泰安"),
]
# Town-level names are synthetic: a zone, three streets and nine towns per county.
# fmt: off
PLACE_WORDS = [
    "城关", "新华", "人和", "清平", "梁村", "尹集", "固河", "姜店", "杨屯", "琉璃寺",
    "三十里铺", "赵寨子", "汇鑫", "鱼邱湖", "东关", "西关", "南关", "北关", "张庄", "王庄",
    "李楼", "刘集", "马集", "孙庄", "杜庄", "韩屯", "郭店", "冯官屯", "柳林", "龙山",
    "青石", "白马", "桃园", "杏花", "双庙", "大辛", "小屯", "前进", "胜利", "东风",
    "红旗", "黄河", "运河", "徒骇", "马颊", "宋楼", "侯营", "崔庙",
]
# fmt: on
STREETS_PER_COUNTY = 3
TOWNS_PER_COUNTY = 9
GRIDS_PER_TOWN = 3
GRID_NAMES = ["第一网格", "第二网格", "第三网格"]
# The demo's profiles as (share, industry, name suffixes, tags, dust class, headcount range),
# plus the two industries the demo county lacks.
BENCH_PROFILES = [
    *((p[0], p[1], p[2], p[3], p[4], p[6]) for p in PROFILES),
    (
        8,
        Industry.NONFERROUS,
        ["铝业有限公司", "铜业有限公司"],
        ["metal_smelting", "molten_metal"],
        None,
        (50, 600),
    ),
    (
        6,
        Industry.NONFERROUS,
        ["铝型材有限公司", "有色金属制品有限公司"],
        ["combustible_dust"],
        DustClass.METAL,
        (20, 200),
    ),
    (1, Industry.TOBACCO, ["烟叶复烤有限公司", "卷烟材料有限公司"], [], None, (100, 500)),
]
# Tags some enterprises of any profile carry besides their profile's, with their likelihood.
EXTRA_TAGS = {
    "confined_space": 0.08,
    "hazardous_chemicals": 0.10,
    "factory_in_factory": 0.03,
    "lithium_battery": 0.02,
}
STANDARDIZATION_WEIGHTS = {
    Standardization.NONE: 50,
    Standardization.LEVEL_3: 25,
    Standardization.LEVEL_2: 5,
    Standardization.LEVEL_1: 1,
    Standardization.SMALL_MICRO: 19,
}
STATUS_WEIGHTS = {
    Status.OPERATING: 92,
    Status.SUSPENDED: 4,
    Status.ORDERED_TO_STOP: 2,
    Status.CLOSED: 2,
}
CHUNK = 2000
SELECT_LIST = re.compile(r"^SELECT (?!COUNT\(\*\)).*? FROM ")  # shortened, counts kept
# (username, full name, role, where, label): a supervisor at the root, which is county-kind
# like every node above the towns, and so sees all 100,000 enterprises; one at 高唐县; and a
# town supervisor at 高唐县's development zone.
USERS = [
    ("bench_province", "省级监管（基准）", Role.SUPERVISOR, "root", "province supervisor"),
    ("bench_county", "县局监管（基准）", Role.SUPERVISOR, "county", "county supervisor"),
    ("bench_town", "镇街监管（基准）", Role.TOWN_SUPERVISOR, "town", "town supervisor"),
]


@dataclass
class Facts:
    """What one user's requests draw their parameters from."""

    user: User
    in_scope: int
    places: list[int]
    samples: list[tuple[str, str, str]]
    tags: list[str]


@dataclass
class Result:
    scenario: str
    user: str
    client: Client
    timings: list[tuple[float, str]] = field(default_factory=list)

    def percentile(self, p: int) -> float:
        ms = sorted(t for t, _ in self.timings)
        return statistics.quantiles(ms, n=100, method="inclusive")[p - 1] if len(ms) > 1 else ms[0]


class Command(BaseCommand):
    help = (
        "省级规模性能基准：在独立数据库（var/bench.sqlite3 或 PostgreSQL anjian_bench）中加载 "
        "10 万家企业，测量企业列表、搜索和 API 的响应时间（p50/p95/max）"
    )
    # The default connection is switched to the benchmark database in handle(); migrate runs
    # the system checks there.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=100_000, help="企业数量（默认 100000）")
        parser.add_argument(
            "--requests", type=int, default=200, help="每个场景、每个用户的请求数（默认 200）"
        )
        parser.add_argument("--warmup", type=int, default=20, help="每个场景的预热请求数")
        parser.add_argument("--reload", action="store_true", help="删除基准数据库并重新加载")
        parser.add_argument("--seed", type=int, default=20240403, help="随机种子")
        parser.add_argument(
            "--queries",
            action="store_true",
            help="重放每个场景最慢的请求，打印其 SQL 及耗时（SQLite 的耗时不含逐行读取）",
        )

    def handle(self, *args, **options):
        count, seed = options["count"], options["seed"]
        if count < 1 or options["requests"] < 1 or options["warmup"] < 0:
            raise CommandError("--count 与 --requests 须为正数，--warmup 不能为负")
        where = self._use_bench_database(reset=options["reload"])
        self._migrate()
        if self._loaded(count):
            self.stdout.write(f"Registry already loaded in {where}; --reload builds it again.")
        else:
            if Jurisdiction.objects.exists():  # another --count: start from an empty database
                self._use_bench_database(reset=True)
                self._migrate()
            self.stdout.write(f"Loading {count:,} enterprises into {where} …")
            seconds = self._load(count, random.Random(seed))
            self.stdout.write(f"Loaded {count:,} enterprises in {seconds:.1f} s.")
        results = self._measure(options["requests"], options["warmup"], random.Random(seed))
        self._report(results, options["requests"], options["warmup"])
        if options["queries"]:
            self._show_queries(results)

    # --- The benchmark database -------------------------------------------------------------

    def _use_bench_database(self, reset: bool) -> str:
        """Point the default connection at the benchmark database, creating it (or, with
        `reset`, creating it anew); return where it is."""
        connection.close()
        params = connection.settings_dict
        if connection.vendor == "sqlite":
            path = Path(settings.VAR_DIR) / SQLITE_FILE
            if reset:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            params["NAME"] = path
            return str(path)
        if connection.vendor == "postgresql":
            server = {
                "host": params.get("HOST") or None,
                "port": params.get("PORT") or None,
                "user": params.get("USER") or None,
                "password": params.get("PASSWORD") or None,
            }
            name = sql.Identifier(PG_DATABASE)
            with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
                if reset:
                    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
                found = admin.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [PG_DATABASE]
                ).fetchone()
                if not found:
                    admin.execute(sql.SQL("CREATE DATABASE {}").format(name))
            params["NAME"] = PG_DATABASE
            return f"PostgreSQL database {PG_DATABASE}"
        raise CommandError(f"不支持的数据库：{connection.vendor}")

    def _migrate(self):
        call_command("migrate", interactive=False, verbosity=0)

    def _loaded(self, count: int) -> bool:
        return (
            Jurisdiction.objects.filter(code=ROOT[0]).exists()
            and User.objects.filter(username__in=[u[0] for u in USERS]).count() == len(USERS)
            and Enterprise.objects.count() == count
        )

    # --- Loading ------------------------------------------------------------------------------

    def _load(self, count: int, rng: random.Random) -> float:
        started = time.perf_counter()
        with transaction.atomic(), disable_auditlog():
            root, towns = self._jurisdictions(rng)
            self._enterprises(count, towns, rng)
            self._users(root, towns)
        if connection.vendor == "postgresql":
            # What autovacuum does shortly after a bulk load (statistics, visibility map). SQLite
            # keeps no statistics unless someone runs ANALYZE; nothing in production does, so
            # neither does the bench.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        return time.perf_counter() - started

    def _jurisdictions(self, rng):
        """The root, 20 counties, 13 town-level nodes each and 3 grids per town. Returns the
        root and, per town, (town, grids, county row, weight)."""
        root = Jurisdiction.objects.create(code=ROOT[0], name=ROOT[1], kind=JurisdictionKind.COUNTY)
        towns = []
        for order, row in enumerate(COUNTIES, start=1):
            code, name, _ = row
            county = Jurisdiction.objects.create(
                code=code, name=name, kind=JurisdictionKind.COUNTY, parent=root, sort_order=order
            )
            county_weight = rng.uniform(0.6, 1.4)  # counties differ in how many firms they host
            words = rng.sample(PLACE_WORDS, STREETS_PER_COUNTY + TOWNS_PER_COUNTY)
            places = [(JurisdictionKind.ZONE, f"{_short(name)}经济开发区", 3.0)]
            places += [(JurisdictionKind.STREET, f"{w}街道", 1.5) for w in words[:3]]
            places += [(JurisdictionKind.TOWN, f"{w}镇", 1.0) for w in words[3:]]
            for index, (kind, town_name, weight) in enumerate(places, start=1):
                town = Jurisdiction.objects.create(
                    code=f"{code}-{index:02d}",
                    name=town_name,
                    kind=kind,
                    parent=county,
                    sort_order=index,
                )
                grids = [
                    Jurisdiction.objects.create(
                        code=f"{code}-{index:02d}-g{g + 1}",
                        name=f"{town_name}{GRID_NAMES[g]}",
                        kind=JurisdictionKind.GRID,
                        parent=town,
                        sort_order=g + 1,
                    )
                    for g in range(GRIDS_PER_TOWN)
                ]
                towns.append((town, grids, row, county_weight * weight))
        return root, towns

    def _enterprises(self, count, towns, rng):
        tags = {t.code: t for t in SectorTag.objects.all()}
        through = Enterprise.sector_tags.through
        homes = rng.choices(towns, weights=[t[3] for t in towns], k=count)
        profiles = rng.choices(BENCH_PROFILES, weights=[p[0] for p in BENCH_PROFILES], k=count)
        serials = rng.sample(range(10**8, 10**9), count)
        initials: dict[str, str] = {}
        for start in range(0, count, CHUNK):
            batch, batch_tags = [], []
            for i in range(start, min(start + CHUNK, count)):
                town, grids, (division, county_name, prefecture), _ = homes[i]
                where = f"山东省{prefecture}市{county_name}"
                _, industry, suffixes, tag_codes, dust, heads = profiles[i]
                grid = rng.choice(grids) if rng.random() < 0.95 else None
                name = self._name(rng, county_name, prefecture, suffixes)
                if name not in initials:
                    initials[name] = pinyin.initials(name)
                codes = set(tag_codes)
                codes.update(c for c, p in EXTRA_TAGS.items() if rng.random() < p)
                employees = rng.randint(*heads)
                dust_workers = None
                if dust is not None:
                    dust_workers = min(employees, rng.choice([4, 6, 8, 10, 12, 15, 20, 30, 45]))
                above = employees >= 100 and rng.random() < 0.7
                located = rng.random() < 0.8
                batch.append(
                    Enterprise(
                        credit_code=credit_code.make(f"91{division}{serials[i]:09d}"),
                        name=name,
                        name_initials=initials[name],
                        address=f"{where}{town.name}{rng.randint(1, 500)}号",
                        jurisdiction=town,
                        grid=grid,
                        scope_path=(grid or town).path,
                        industry=industry,
                        dust_class=dust or "",
                        dust_workers=dust_workers,
                        employee_count=employees,
                        above_scale=above,
                        small_micro=not above and employees < 100,
                        principal_name=_person(rng),
                        principal_phone=_phone(rng),
                        safety_officer_name=_person(rng),
                        safety_officer_phone=_phone(rng),
                        standardization=_weighted(rng, STANDARDIZATION_WEIGHTS),
                        status=_weighted(rng, STATUS_WEIGHTS),
                        longitude=_coordinate(rng, 115_500_000, 118_000_000) if located else None,
                        latitude=_coordinate(rng, 36_000_000, 38_000_000) if located else None,
                    )
                )
                batch_tags.append(codes)
            Enterprise.objects.bulk_create(batch)
            through.objects.bulk_create(
                through(enterprise_id=e.pk, sectortag_id=tags[c].pk)
                for e, codes in zip(batch, batch_tags, strict=True)
                for c in sorted(codes)
            )

    @staticmethod
    def _name(rng, county_name, prefecture, suffixes):
        prefix = rng.choices(
            [county_name, _short(county_name), prefecture, "山东", ""], weights=[25, 15, 15, 35, 10]
        )[0]
        word = rng.choice(WORDS) + rng.choice(WORDS)
        if rng.random() < 0.08:
            word = "精" + rng.choice(WORDS)
        return f"{prefix}{word}{rng.choice(suffixes)}"

    def _users(self, root, towns):
        zone = towns[0][0]  # 高唐经济开发区
        places = {"root": root, "county": zone.parent, "town": zone}
        for username, full_name, role, where, _ in USERS:
            user = User(username=username, full_name=full_name, role=role)
            user.jurisdiction = places[where]
            user.set_unusable_password()
            user.full_clean(exclude=["password"])
            user.save()

    # --- Measuring ----------------------------------------------------------------------------

    def _measure(self, requests: int, warmup: int, rng: random.Random) -> list[Result]:
        scenarios = [
            ("list, filtered", self._list_url),
            ("search (q)", self._search_url),
            ("API list", self._api_url),
        ]
        results = []
        for username, *_, label in USERS:
            facts = self._facts(User.objects.get(username=username), rng)
            client = Client()
            client.force_login(facts.user)
            label = f"{label} ({facts.in_scope:,})"
            for name, build in scenarios:
                for _ in range(warmup):
                    self._get(client, build(rng, facts))
                result = Result(name, label, client)
                for _ in range(requests):
                    url = build(rng, facts)
                    result.timings.append((self._get(client, url), url))
                results.append(result)
        return results

    @staticmethod
    def _get(client: Client, url: str) -> float:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        close_old_connections()
        if response.status_code != 200:
            raise CommandError(f"{url} 返回 {response.status_code}")
        return elapsed

    @staticmethod
    def _facts(user: User, rng: random.Random) -> Facts:
        places = Jurisdiction.objects.for_user(user).exclude(kind=JurisdictionKind.COUNTY)
        enterprises = Enterprise.objects.for_user(user).order_by()
        rows = list(enterprises.values_list("name", "name_initials", "credit_code"))
        return Facts(
            user=user,
            in_scope=len(rows),
            places=list(places.values_list("pk", flat=True)),
            samples=rng.sample(rows, min(1000, len(rows))),
            tags=list(SectorTag.objects.values_list("code", flat=True)),
        )

    @staticmethod
    def _filters(rng: random.Random, facts: Facts) -> dict:
        """A realistic mix: most requests narrow by town or grid, some by two or three more."""
        params = {}
        if rng.random() < 0.6:
            params["town"] = rng.choice(facts.places)
        if rng.random() < 0.5:
            params["industry"] = rng.choice(Industry.values)
        if rng.random() < 0.35:
            params["status"] = rng.choice(Status.values)
        if rng.random() < 0.25:
            params["standardization"] = rng.choice(Standardization.values)
        if rng.random() < 0.2:
            params["tag"] = rng.choice(facts.tags)
        if rng.random() < 0.1:
            params["dust_class"] = rng.choice(DustClass.values)
        return params

    @staticmethod
    def _query_text(rng: random.Random, facts: Facts) -> str:
        """What someone types: pinyin initials, a fragment of the name or a credit code's start."""
        name, initials, code = rng.choice(facts.samples)
        kind = rng.randrange(3)
        if kind == 0:
            length = rng.randint(2, 5)
            start = rng.randrange(max(1, len(initials) - length - 4))
            return initials[start : start + length]
        if kind == 1:
            length = rng.randint(2, 4)
            start = rng.randrange(max(1, len(name) - length - 4))
            return name[start : start + length]
        return code[: rng.randint(8, 14)]

    def _list_url(self, rng, facts):
        params = self._filters(rng, facts)
        if rng.random() < 0.3:
            params["page"] = rng.randint(2, 10)
        return f"/enterprises/?{urlencode(params)}"

    def _search_url(self, rng, facts):
        return f"/enterprises/?{urlencode({'q': self._query_text(rng, facts)})}"

    def _api_url(self, rng, facts):
        params = {"limit": 50, "offset": rng.choice([0, 0, 0, 50, 100, 200, 500])}
        params.update(self._filters(rng, facts))
        if rng.random() < 0.2:
            params["q"] = self._query_text(rng, facts)
        return f"/api/v1/enterprises?{urlencode(params)}"

    # --- Reporting ----------------------------------------------------------------------------

    def _report(self, results: list[Result], requests: int, warmup: int):
        vendor = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(
            connection.vendor, connection.vendor
        )
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("SELECT sqlite_version()")
            else:
                cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0].split()[0]
        out = self.stdout
        out.write("")
        out.write(
            f"Database: {vendor} {version} · enterprises: {Enterprise.objects.count():,} · "
            f"jurisdictions: {Jurisdiction.objects.count():,} · "
            f"{requests} requests per scenario and user (after {warmup} warm-up)"
        )
        out.write("")
        out.write("| scenario | user (enterprises in scope) | p50 ms | p95 ms | max ms |")
        out.write("|---|---|---:|---:|---:|")
        misses = []
        for r in results:
            p95 = r.percentile(95)
            out.write(
                f"| {r.scenario} | {r.user} | {r.percentile(50):.1f} | {p95:.1f} | "
                f"{max(t for t, _ in r.timings):.1f} |"
            )
            if p95 >= TARGET_P95_MS:
                misses.append(f"{r.scenario} / {r.user}")
        out.write("")
        if misses:
            out.write(self.style.WARNING(f"p95 ≥ {TARGET_P95_MS} ms: " + "; ".join(misses)))
        else:
            out.write(self.style.SUCCESS(f"Every p95 is under {TARGET_P95_MS} ms."))

    def _show_queries(self, results: list[Result]):
        for r in results:
            _, url = max(r.timings)
            with CaptureQueriesContext(connection) as captured:
                elapsed = self._get(r.client, url)
            self.stdout.write(f"\n{r.scenario} / {r.user}: {url} ({elapsed:.1f} ms)")
            for query in captured.captured_queries:
                statement = SELECT_LIST.sub("SELECT … FROM ", query["sql"], count=1)
                self.stdout.write(f"  {float(query['time']) * 1000:7.1f} ms  {statement}")


def _short(county_name: str) -> str:
    """高唐县 -> 高唐, 东昌府区 -> 东昌府; a one-character name (莘县) keeps its suffix."""
    return county_name[:-1] if len(county_name) > 2 else county_name


def _weighted(rng, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _person(rng):
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", *GIVEN])


def _phone(rng):
    return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"


def _coordinate(rng, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low, high)) / 1_000_000
