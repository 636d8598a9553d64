"""Province-scale benchmark of the enterprise registry and the hazard ledger (`make bench`).

It works in a database of its own, so the demo data is never touched: the SQLite file
var/bench.sqlite3, or the PostgreSQL database anjian_bench on the server DATABASE_URL names
(created when missing). There it loads, once, a Shandong-sized tree (山东省 > its 16 cities > their
136 counties > 13 town-level nodes each > 3 grids per town), 100,000 enterprises and 1,000,000
hazards over 2024-2026 (--reload builds it again), then times in-process with django.test.Client,
for a province (read-only), a city (read-only), a county and a town supervisor:

- registry: the filtered enterprise list, the search and the API list (goal: p95 < 150 ms);
- hazards: the ledger filtered, searched and paged, the zero-out board (goal: p95 < 300 ms),
  the workbench every user lands on (goal: p95 < 150 ms),
  and the 台账 export (goal: a county's whole ledger under 5 s), with rows exported, rows per
  second and the peak of Python memory traced during one more export.

`--scenario registry|hazards|all` picks what is timed; p50/p95/max per scenario and user are
printed as Markdown tables; TIMED_PAGES adds pages for some users only. `--counties 1` loads
高唐县 alone (under 聊城市 under 山东省), so a county's export can be
measured at full county size (`--count 7100 --hazards 72000`) without a million hazards;
`--database` names a database of one's own.

Each timed request ends like a request under gunicorn (close_old_connections), so with SQLite's
CONN_MAX_AGE=0 every request opens its own connection, as it does in production.
"""

import bisect
import itertools
import math
import random
import re
import statistics
import time
import tracemalloc
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import psycopg
from auditlog.context import disable_auditlog
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection, transaction
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from psycopg import sql

from accounts.models import User
from accounts.roles import Role
from core.models import ABOVE_COUNTY, Jurisdiction, JurisdictionKind
from demo.management.commands.load_demo import GIVEN, PROFILES, SURNAMES, WORDS
from enterprises import credit_code, pinyin
from enterprises.choices import DustClass, Industry, Standardization, Status
from enterprises.models import Enterprise, SectorTag
from hazards.forms import LedgerFilterForm
from hazards.models import (
    Extension,
    Hazard,
    HazardEvent,
    HazardPhoto,
    ListedLevel,
    MajorHazardCriterion,
    SelfInspectionItem,
    Source,
    State,
    Suspension,
)

SQLITE_FILE = "bench.sqlite3"
PG_DATABASE = "anjian_bench"
TARGET_P95_MS = 150

ROOT = ("370000", "山东省")
# The 16 prefecture-level cities of Shandong and their county-level divisions (public division
# codes), 136 in all. 聊城 comes first and 高唐县 first in it: `--counties 1` loads it alone.
# fmt: off
CITIES = [
    ("371500", "聊城市", [
        ("371526", "高唐县"), ("371502", "东昌府区"), ("371503", "茌平区"), ("371521", "阳谷县"),
        ("371522", "莘县"), ("371524", "东阿县"), ("371525", "冠县"), ("371581", "临清市"),
    ]),
    ("371400", "德州市", [
        ("371402", "德城区"), ("371403", "陵城区"), ("371422", "宁津县"), ("371423", "庆云县"),
        ("371424", "临邑县"), ("371425", "齐河县"), ("371426", "平原县"), ("371427", "夏津县"),
        ("371428", "武城县"), ("371481", "乐陵市"), ("371482", "禹城市"),
    ]),
    ("370900", "泰安市", [
        ("370983", "肥城市"), ("370902", "泰山区"), ("370911", "岱岳区"), ("370921", "宁阳县"),
        ("370923", "东平县"), ("370982", "新泰市"),
    ]),
    ("370100", "济南市", [
        ("370102", "历下区"), ("370103", "市中区"), ("370104", "槐荫区"), ("370105", "天桥区"),
        ("370112", "历城区"), ("370113", "长清区"), ("370114", "章丘区"), ("370115", "济阳区"),
        ("370116", "莱芜区"), ("370117", "钢城区"), ("370124", "平阴县"), ("370126", "商河县"),
    ]),
    ("370200", "青岛市", [
        ("370202", "市南区"), ("370203", "市北区"), ("370211", "黄岛区"), ("370212", "崂山区"),
        ("370213", "李沧区"), ("370214", "城阳区"), ("370215", "即墨区"), ("370281", "胶州市"),
        ("370283", "平度市"), ("370285", "莱西市"),
    ]),
    ("370300", "淄博市", [
        ("370302", "淄川区"), ("370303", "张店区"), ("370304", "博山区"), ("370305", "临淄区"),
        ("370306", "周村区"), ("370321", "桓台县"), ("370322", "高青县"), ("370323", "沂源县"),
    ]),
    ("370400", "枣庄市", [
        ("370402", "市中区"), ("370403", "薛城区"), ("370404", "峄城区"), ("370405", "台儿庄区"),
        ("370406", "山亭区"), ("370481", "滕州市"),
    ]),
    ("370500", "东营市", [
        ("370502", "东营区"), ("370503", "河口区"), ("370505", "垦利区"), ("370522", "利津县"),
        ("370523", "广饶县"),
    ]),
    ("370600", "烟台市", [
        ("370602", "芝罘区"), ("370611", "福山区"), ("370612", "牟平区"), ("370613", "莱山区"),
        ("370614", "蓬莱区"), ("370681", "龙口市"), ("370682", "莱阳市"), ("370683", "莱州市"),
        ("370685", "招远市"), ("370686", "栖霞市"), ("370687", "海阳市"),
    ]),
    ("370700", "潍坊市", [
        ("370702", "潍城区"), ("370703", "寒亭区"), ("370704", "坊子区"), ("370705", "奎文区"),
        ("370724", "临朐县"), ("370725", "昌乐县"), ("370781", "青州市"), ("370782", "诸城市"),
        ("370783", "寿光市"), ("370784", "安丘市"), ("370785", "高密市"), ("370786", "昌邑市"),
    ]),
    ("370800", "济宁市", [
        ("370811", "任城区"), ("370812", "兖州区"), ("370826", "微山县"), ("370827", "鱼台县"),
        ("370828", "金乡县"), ("370829", "嘉祥县"), ("370830", "汶上县"), ("370831", "泗水县"),
        ("370832", "梁山县"), ("370881", "曲阜市"), ("370883", "邹城市"),
    ]),
    ("371000", "威海市", [
        ("371002", "环翠区"), ("371003", "文登区"), ("371082", "荣成市"), ("371083", "乳山市"),
    ]),
    ("371100", "日照市", [
        ("371102", "东港区"), ("371103", "岚山区"), ("371121", "五莲县"), ("371122", "莒县"),
    ]),
    ("371300", "临沂市", [
        ("371302", "兰山区"), ("371311", "罗庄区"), ("371312", "河东区"), ("371321", "沂南县"),
        ("371322", "郯城县"), ("371323", "沂水县"), ("371324", "兰陵县"), ("371325", "费县"),
        ("371326", "平邑县"), ("371327", "莒南县"), ("371328", "蒙阴县"), ("371329", "临沭县"),
    ]),
    ("371600", "滨州市", [
        ("371602", "滨城区"), ("371603", "沾化区"), ("371621", "惠民县"), ("371622", "阳信县"),
        ("371623", "无棣县"), ("371625", "博兴县"), ("371681", "邹平市"),
    ]),
    ("371700", "菏泽市", [
        ("371702", "牡丹区"), ("371703", "定陶区"), ("371721", "曹县"), ("371722", "单县"),
        ("371723", "成武县"), ("371724", "巨野县"), ("371725", "郓城县"), ("371726", "鄄城县"),
        ("371728", "东明县"),
    ]),
]
# fmt: on
# (division code, name, city code, prefecture): every county of the tree, in loading order.
COUNTIES = [
    (code, name, city_code, city_name.removesuffix("市"))
    for city_code, city_name, counties in CITIES
    for code, name in counties
]
CITY_NAMES = {code: name for code, name, _ in CITIES}
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
# (username, full name, role, where, label): a province supervisor at 山东省, who sees all
# 100,000 enterprises; a city supervisor at 聊城市; a county supervisor at 高唐县; and a town
# supervisor at 高唐县's development zone.
PROVINCE = Role.PROVINCE_SUPERVISOR
USERS = [
    ("bench_province", "省级监管（基准）", PROVINCE, "province", "province supervisor"),
    ("bench_city", "市级监管（基准）", Role.CITY_SUPERVISOR, "city", "city supervisor"),
    ("bench_county", "县局监管（基准）", Role.SUPERVISOR, "county", "county supervisor"),
    ("bench_town", "镇街监管（基准）", Role.TOWN_SUPERVISOR, "town", "town supervisor"),
]
# Pages timed only for some of USERS (after the pages every user is timed on), each as (name,
# URL, p95 goal in ms or None for the table's, usernames). The targets dashboard reads the
# snapshots the nightly run stores (`manage.py bench_targets` computes them and times it).
TIMED_PAGES: list[tuple[str, str, int | None, tuple[str, ...]]] = [
    ("targets dashboard", "/targets/", None, tuple(u[0] for u in USERS)),
]

# --- The hazard ledger ---------------------------------------------------------------------------
REGISTRY, HAZARDS, ALL = "registry", "hazards", "all"
HAZARD_COUNT = 1_000_000
HAZARD_CHUNK = 20_000
TARGET_PAGE_P95_MS = 300
TARGET_WORKBENCH_P95_MS = 150  # the landing page, asked on every log-in
HAZARDS_FROM = date(2024, 1, 1)  # found_on is spread from here to today
MAJOR_SHARE = 0.10
# What is written per hazard, in this order; the rest (reported_by, submitted_by) stays empty.
HAZARD_COLUMNS = [
    "enterprise_id", "source", "description", "place", "found_on", "found_by", "is_major",
    "criterion_id", "major_reason", "state", "owner", "measures", "funds", "deadline",
    "contingency_plan", "suspension", "suspended_equipment", "listed_level", "listed_by",
    "evidence", "closed_by_id", "closed_at", "created_at", "updated_at",
]  # fmt: skip
SOURCE_WEIGHTS = {
    Source.SELF_INSPECTION: 45,
    Source.ENFORCEMENT: 20,
    Source.EXPERT: 12,
    Source.EMPLOYEE_REPORT: 8,
    Source.MONITORING: 5,
    Source.PUBLIC_TIP: 3,
    Source.OTHER: 7,
}
# The state a hazard has reached, by its age in days: a fresh one is mostly still being
# rectified, one over a month old mostly closed, one from an earlier year nearly always.
STATES_BY_AGE = [
    (30, {State.REPORTED: 15, State.CONFIRMED: 12, State.PLANNED: 20, State.RECTIFYING: 25,
          State.SUBMITTED: 10, State.CLOSED: 15, State.REJECTED: 3}),
    (365, {State.REPORTED: 1, State.CONFIRMED: 2, State.PLANNED: 3, State.RECTIFYING: 6,
           State.SUBMITTED: 2, State.CLOSED: 82, State.REJECTED: 4}),
    (None, {State.PLANNED: 0.5, State.RECTIFYING: 1, State.SUBMITTED: 0.5, State.CLOSED: 95,
            State.REJECTED: 3}),
]  # fmt: skip
PLANNED_STATES = {State.PLANNED, State.RECTIFYING, State.SUBMITTED, State.CLOSED}
GENERAL_DAYS = [7, 15, 15, 30, 30, 45, 60]  # a general hazard's rectification period
MAJOR_DAYS = [30, 60, 90, 90, 120, 180]
LISTED_WEIGHTS = {"": 67, ListedLevel.COUNTY: 25, ListedLevel.CITY: 6, ListedLevel.PROVINCE: 2}
# fmt: off
ISSUES = [
    "消防通道堆放杂物", "配电箱柜门损坏、未上锁", "安全警示标识缺失", "叉车未按期检验",
    "作业人员未按规定佩戴劳动防护用品", "砂轮机防护罩缺失", "应急照明灯损坏",
    "灭火器压力不足未及时更换", "安全出口指示标志不亮", "电气线路私拉乱接",
    "设备传动部位防护罩缺失", "气瓶未设置防倾倒措施", "行车限位装置失效", "有限空间作业未审批",
    "动火作业未办理作业票", "临时用电未使用漏电保护器", "危险化学品未分类存放",
    "员工安全培训记录不全", "应急预案未按期演练", "消火栓被遮挡", "货架超高堆放未固定",
    "压力表未按期校验", "安全阀未按期校验", "特种设备作业人员证书过期", "除尘器卸灰口积尘",
    "车间地面油污未清理", "吊索具磨损未报废", "登高作业未系安全带", "防爆区域使用非防爆电器",
    "安全管理制度未及时修订", "隐患排查记录填写不规范", "劳保用品发放台账缺失",
    "配电室未配备绝缘垫", "接地线断开", "疏散通道宽度不足", "宿舍私接充电线路",
]
PLACES = [
    "一号车间", "二号车间", "三号车间", "铸造车间", "机加工车间", "喷涂车间", "包装车间", "仓库",
    "成品库", "原料库", "危化品库", "配电室", "空压机房", "锅炉房", "制冷机房", "办公楼",
    "员工宿舍", "食堂", "厂区道路", "污水处理站", "除尘器", "装卸平台",
]
MEASURES = [
    "立即清理并落实专人定期检查", "更换损坏部件并组织验收", "完善制度并开展专项培训",
    "按标准加装防护设施", "委托有资质单位检测检验", "停用相关设备，整改合格后恢复使用",
]
REASONS = ["经专家论证，认定为重大事故隐患", "执法检查中认定，参照判定标准从严管理"]
EQUIPMENT = ["中频炉", "干式除尘系统", "喷漆室", "液氨储罐", "行车", "熔炼炉"]
# fmt: on


@dataclass
class Facts:
    """What one user's requests draw their parameters from."""

    user: User
    in_scope: int
    places: list[int]
    samples: list[tuple[str, str, str]]
    tags: list[str]


@dataclass
class LedgerFacts:
    """What one user's hazard-ledger requests draw their parameters from."""

    user: User
    in_scope: int
    towns: list[int]
    texts: list[str]  # enterprise names and hazard descriptions to cut search terms from


@dataclass
class Result:
    scenario: str
    user: str
    client: Client
    timings: list[tuple[float, str]] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # an export's rows, per timed request
    cpu: list[float] = field(default_factory=list)  # an export's CPU seconds in this process
    peak_mb: float = 0.0  # an export's peak of traced Python memory (one more, untimed request)
    goal: int | None = None  # its own p95 goal in ms, where it differs from the table's

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
    # --database; bench_draw and bench_grading borrow _use_bench_database without options.
    database: str | None = None

    def add_arguments(self, parser):
        parser.add_argument(
            "--scenario",
            choices=[REGISTRY, HAZARDS, ALL],
            default=ALL,
            help="测量企业名录（registry）、隐患台账（hazards）或两者（all，默认）",
        )
        parser.add_argument("--count", type=int, default=100_000, help="企业数量（默认 100000）")
        parser.add_argument(
            "--counties",
            type=int,
            default=len(COUNTIES),
            help=f"加载的县区数（默认 {len(COUNTIES)}）；"
            "1 即只有高唐县，用于以较小规模测量一个县的台账导出",
        )
        parser.add_argument(
            "--database",
            default="",
            help=f"基准数据库名（默认 PostgreSQL {PG_DATABASE}、SQLite var/{SQLITE_FILE}；"
            "给出时为 PostgreSQL 的库名或 var/<名>.sqlite3）",
        )
        parser.add_argument(
            "--hazards", type=int, default=HAZARD_COUNT, help="隐患数量（默认 1000000）"
        )
        parser.add_argument(
            "--export-requests",
            type=int,
            default=5,
            help="台账导出每个场景、每个用户的请求数（默认 5）",
        )
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
        count, seed, scenario = options["count"], options["seed"], options["scenario"]
        self.counties = COUNTIES[: options["counties"]]
        if not 1 <= options["counties"] <= len(COUNTIES):
            raise CommandError(f"--counties 须在 1 到 {len(COUNTIES)} 之间")
        self.database = options["database"]
        if count < 1 or options["requests"] < 1 or options["warmup"] < 0:
            raise CommandError("--count 与 --requests 须为正数，--warmup 不能为负")
        if options["hazards"] < 1 or options["export_requests"] < 1:
            raise CommandError("--hazards 与 --export-requests 须为正数")
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
        if scenario in (HAZARDS, ALL):
            self._ensure_hazards(options["hazards"], seed, where)
        requests, warmup = options["requests"], options["warmup"]
        results, pages, exports = [], [], []
        if scenario in (REGISTRY, ALL):
            results = self._measure(requests, warmup, random.Random(seed))
        if scenario in (HAZARDS, ALL):
            pages, exports = self._measure_hazards(
                requests, warmup, options["export_requests"], random.Random(seed)
            )
        self._header(requests, warmup, with_hazards=scenario != REGISTRY)
        if results:
            self._report(results, TARGET_P95_MS)
        if pages:
            self._report(pages, TARGET_PAGE_P95_MS)
            self._report_exports(exports)
        if options["queries"]:
            self._show_queries(results + pages)

    # --- The benchmark database -------------------------------------------------------------

    def _use_bench_database(self, reset: bool) -> str:
        """Point the default connection at the benchmark database, creating it (or, with
        `reset`, creating it anew); return where it is."""
        connection.close()
        params = connection.settings_dict
        if connection.vendor == "sqlite":
            name = f"{self.database}.sqlite3" if self.database else SQLITE_FILE
            path = Path(settings.VAR_DIR) / name
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
            # --database, or a DATABASE_URL naming a database that ends in "bench", is used as
            # it is, so that two benchmarks on one server need not share (and reload) one database.
            named = params["NAME"] if str(params["NAME"]).endswith("bench") else None
            database = self.database or named or PG_DATABASE
            name = sql.Identifier(database)
            with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
                if reset:
                    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
                found = admin.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [database]
                ).fetchone()
                if not found:
                    admin.execute(sql.SQL("CREATE DATABASE {}").format(name))
            params["NAME"] = database
            return f"PostgreSQL database {database}"
        raise CommandError(f"不支持的数据库：{connection.vendor}")

    def _migrate(self):
        call_command("migrate", interactive=False, verbosity=0)

    def _loaded(self, count: int) -> bool:
        return (
            Jurisdiction.objects.filter(code=ROOT[0]).exists()
            and User.objects.filter(username__in=[u[0] for u in USERS]).count() == len(USERS)
            and Enterprise.objects.count() == count
            and Jurisdiction.objects.filter(kind=JurisdictionKind.COUNTY).count()
            == len(self.counties)
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
        """The province, its cities (those of the counties loaded), the counties, 13 town-level
        nodes each and 3 grids per town. Returns the province and, per town, (town, grids,
        county row, weight)."""
        root = Jurisdiction.objects.create(
            code=ROOT[0], name=ROOT[1], kind=JurisdictionKind.PROVINCE
        )
        cities: dict[str, Jurisdiction] = {}
        towns = []
        for order, row in enumerate(self.counties, start=1):
            code, name, city_code, _ = row
            if city_code not in cities:
                cities[city_code] = Jurisdiction.objects.create(
                    code=city_code,
                    name=CITY_NAMES[city_code],
                    kind=JurisdictionKind.CITY,
                    parent=root,
                    sort_order=len(cities) + 1,
                )
            county = Jurisdiction.objects.create(
                code=code,
                name=name,
                kind=JurisdictionKind.COUNTY,
                parent=cities[city_code],
                sort_order=order,
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
                town, grids, (division, county_name, _, prefecture), _ = homes[i]
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
        county = zone.parent
        places = {"province": root, "city": county.parent, "county": county, "town": zone}
        for username, full_name, role, where, _ in USERS:
            user = User(username=username, full_name=full_name, role=role)
            user.jurisdiction = places[where]
            user.set_unusable_password()
            user.full_clean(exclude=["password"])
            user.save()

    # --- Loading hazards ------------------------------------------------------------------------

    def _ensure_hazards(self, count: int, seed: int, where: str):
        """Load `count` hazards once; another count replaces them."""
        if Hazard.objects.count() == count:
            self.stdout.write(f"Hazards already loaded in {where}; --reload builds them again.")
            return
        self.stdout.write(
            f"Loading {count:,} hazards into {where} (no HazardEvent rows: the ledger, the "
            "board and the export do not read them) …"
        )
        started = time.perf_counter()
        with transaction.atomic(), disable_auditlog():
            self._clear_hazards()
            self._write_hazards(self._hazard_rows(count, random.Random(f"{seed}-hazards")))
        loaded = time.perf_counter() - started
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # as after the registry: what autovacuum does
                cursor.execute(f"VACUUM ANALYZE {Hazard._meta.db_table}")
        self.stdout.write(
            f"Loaded {count:,} hazards in {loaded:.1f} s"
            + (
                f" (+ {time.perf_counter() - started - loaded:.1f} s VACUUM ANALYZE)."
                if connection.vendor == "postgresql"
                else "."
            )
        )

    @staticmethod
    def _clear_hazards():
        for model in (HazardEvent, HazardPhoto, Extension):
            model.objects.all().delete()
        SelfInspectionItem.objects.filter(hazard__isnull=False).update(hazard=None)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {Hazard._meta.db_table}")  # noqa: S608 (a model's table)

    def _write_hazards(self, rows):
        table = Hazard._meta.db_table
        if connection.vendor == "postgresql":
            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, HAZARD_COLUMNS))
            )
            with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        # Elsewhere, plain INSERTs in large batches, with dates, times and decimals stored as
        # Django stores them.
        fields = [Hazard._meta.get_field(c) for c in HAZARD_COLUMNS]
        prepared = [
            (i, f.get_db_prep_save)
            for i, f in enumerate(fields)
            if f.get_internal_type() in ("DateField", "DateTimeField", "DecimalField")
        ]
        statement = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (the model's names)
            connection.ops.quote_name(table),
            ", ".join(connection.ops.quote_name(c) for c in HAZARD_COLUMNS),
            ", ".join(["%s"] * len(HAZARD_COLUMNS)),
        )
        with connection.cursor() as cursor:
            while batch := list(itertools.islice(rows, HAZARD_CHUNK)):
                for n, row in enumerate(batch):
                    row = list(row)
                    for i, prep in prepared:
                        if row[i] is not None:
                            row[i] = prep(row[i], connection)
                    batch[n] = row
                cursor.executemany(statement, batch)

    def _hazard_rows(self, count: int, rng: random.Random):
        """An iterator of `count` hazards as tuples in HAZARD_COLUMNS order: spread over the
        enterprises (larger ones have more), found from 2024 to today, about a tenth major."""
        today = timezone.localdate()
        now = timezone.now()
        span = (today - HAZARDS_FROM).days
        zone = timezone.get_current_timezone()
        enterprises = list(
            Enterprise.objects.order_by("pk").values_list(
                "pk", "industry", "scope_path", "employee_count", "principal_name"
            )
        )
        through = Enterprise.sector_tags.through
        tags: dict[int, set[str]] = {}
        for enterprise_id, tag in through.objects.values_list("enterprise_id", "sectortag_id"):
            tags.setdefault(enterprise_id, set()).add(tag)
        criteria = list(MajorHazardCriterion.objects.filter(active=True))
        counties = dict(
            Jurisdiction.objects.filter(kind=JurisdictionKind.COUNTY).values_list("path", "name")
        )
        users = dict(
            User.objects.filter(username__in=[u[0] for u in USERS]).values_list("username", "pk")
        )
        county_path = User.objects.get(username="bench_county").jurisdiction.path
        cumulative = list(itertools.accumulate(math.sqrt(e[3]) for e in enterprises))
        applicable: dict[tuple, list] = {}
        # Choices as the plain strings stored.
        states = [
            (age, list(map(str, w)), list(itertools.accumulate(w.values())))
            for age, w in STATES_BY_AGE
        ]
        source_names = list(map(str, SOURCE_WEIGHTS))
        sources = list(itertools.accumulate(SOURCE_WEIGHTS.values()))
        levels = list(map(str, LISTED_WEIGHTS))
        listed = list(itertools.accumulate(LISTED_WEIGHTS.values()))

        def at(day: date, hours=(8, 18)) -> datetime:
            moment = datetime.combine(day, clock(rng.randint(*hours), rng.randrange(60)), zone)
            return min(moment, now)

        def rows():
            for _ in range(count):
                enterprise_id, industry, path, _, principal = enterprises[
                    bisect.bisect(cumulative, rng.random() * cumulative[-1])
                ]
                # "/province/city/county/town/..." → "/province/city/county/"
                county_prefix = "/".join(path.split("/")[:4]) + "/"
                found_on = HAZARDS_FROM + timedelta(days=rng.randrange(span + 1))
                age = (today - found_on).days
                for limit, names, weights in states:
                    if limit is None or age < limit:
                        state = names[bisect.bisect(weights, rng.random() * weights[-1])]
                        break
                major = rng.random() < MAJOR_SHARE
                criterion, reason, place = (
                    None,
                    "",
                    rng.choice(PLACES) if rng.random() < 0.7 else "",
                )
                if major:
                    key = (industry, frozenset(tags.get(enterprise_id, ())))
                    if key not in applicable:
                        applicable[key] = [
                            c
                            for c in criteria
                            if c.scope == "all"
                            or (c.scope == "industry" and c.industry == industry)
                            or (c.scope == "sector" and c.sector_tag_id in key[1])
                        ]
                    if applicable[key] and rng.random() < 0.85:
                        criterion = rng.choice(applicable[key])
                        description = criterion.text
                    else:
                        reason = rng.choice(REASONS)
                        description = (
                            f"{place or '生产现场'}{rng.choice(ISSUES)}，且未采取有效防范措施"
                        )
                else:
                    description = (
                        f"{place}{rng.choice(ISSUES)}" if rng.random() < 0.5 else rng.choice(ISSUES)
                    )
                planned = state in PLANNED_STATES
                deadline = None
                if planned:
                    deadline = found_on + timedelta(
                        days=rng.choice(MAJOR_DAYS if major else GENERAL_DAYS)
                    )
                created = at(found_on + timedelta(days=rng.choice([0, 0, 0, 1, 2])))
                closed_at = closer = None
                if state == State.CLOSED:
                    closed_at = at(
                        deadline - timedelta(days=rng.randint(-10, (deadline - found_on).days))
                    )
                    closed_at = max(closed_at, created)
                    closer = users[
                        "bench_county" if path.startswith(county_path) else "bench_province"
                    ]
                level, listed_by = "", ""
                suspension, equipment = Suspension.NONE.value, ""
                if major and state != State.REJECTED:
                    level = levels[bisect.bisect(listed, rng.random() * listed[-1])]
                    if level == ListedLevel.COUNTY:
                        listed_by = f"{counties[county_prefix]}应急管理局"
                    elif level == ListedLevel.CITY:
                        listed_by = "市应急管理局"
                    elif level == ListedLevel.PROVINCE:
                        listed_by = "山东省应急管理厅"
                    if rng.random() < 0.25:
                        suspension = rng.choice(
                            [Suspension.PRODUCTION.value, Suspension.EQUIPMENT.value]
                        )
                        if suspension == Suspension.EQUIPMENT:
                            equipment = rng.choice(EQUIPMENT)
                funds = None
                if planned:
                    funds = Decimal(
                        rng.choice(
                            [20_000, 80_000, 150_000, 500_000]
                            if major
                            else [0, 500, 1000, 2000, 5000]
                        )
                    )
                yield (
                    enterprise_id,
                    source_names[bisect.bisect(sources, rng.random() * sources[-1])],
                    description,
                    place,
                    found_on,
                    _person(rng),
                    major,
                    criterion.pk if criterion else None,
                    reason,
                    state,
                    principal if planned else "",
                    rng.choice(MEASURES) if planned else "",
                    funds,
                    deadline,
                    "整改期间落实专人监护，必要时停用相关设备" if planned and major else "",
                    suspension,
                    equipment,
                    level,
                    listed_by,
                    "已按整改措施完成整改，附整改前后照片"
                    if state in (State.SUBMITTED, State.CLOSED)
                    else "",
                    closer,
                    closed_at,
                    created,
                    closed_at or created,
                )

        # The queries above ran before the first row is asked for: during a COPY the
        # connection can run nothing else.
        return rows()

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
            client = Client(SERVER_NAME="localhost")  # testserver is not an allowed host
            client.force_login(facts.user)
            label = f"{label} ({facts.in_scope:,})"
            results += self._time(client, label, scenarios, facts, rng, requests, warmup)
        return results

    def _time(self, client, label, scenarios, facts, rng, requests, warmup) -> list[Result]:
        """Each scenario's URLs, built from the user's facts: `warmup` untimed, then `requests`
        timed."""
        results = []
        for name, build, *goal in scenarios:
            for _ in range(warmup):
                self._get(client, build(rng, facts))
            result = Result(name, label, client, goal=goal[0] if goal else None)
            for _ in range(requests):
                url = build(rng, facts)
                result.timings.append((self._get(client, url), url))
            results.append(result)
        return results

    @staticmethod
    def _get(client: Client, url: str) -> float:
        started = time.perf_counter()
        response = client.get(url)
        if response.streaming:  # a download: read to its end, as the client would
            for _ in response.streaming_content:
                pass
            response.close()
        elapsed = (time.perf_counter() - started) * 1000
        close_old_connections()
        if response.status_code != 200:
            raise CommandError(f"{url} 返回 {response.status_code}")
        return elapsed

    @staticmethod
    def _facts(user: User, rng: random.Random) -> Facts:
        places = Jurisdiction.objects.for_user(user).exclude(
            kind__in=[JurisdictionKind.COUNTY, *ABOVE_COUNTY]
        )
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

    # --- Measuring the hazard ledger -----------------------------------------------------------

    def _measure_hazards(self, requests, warmup, export_requests, rng):
        """The ledger's pages and the board, each like the registry's scenarios; then the export,
        fewer times (a download of up to tens of thousands of rows), with the rows each wrote."""
        scenarios = [
            ("ledger, filtered", self._ledger_url),
            ("ledger, search (q)", self._ledger_search_url),
            ("ledger, later pages", self._ledger_later_url),
            ("zero-out board", lambda rng, facts: "/hazards/zero-out/"),
            ("workbench (goal 150 ms)", lambda rng, facts: "/", TARGET_WORKBENCH_P95_MS),
        ]
        # A province supervisor has no county filter and a town supervisor sees no county, so
        # the whole-county export is the county supervisor's, of everything in their scope.
        downloads = [
            ("export, a town's majors", ALL, self._export_town_params),
            ("export, whole county", "county", lambda rng, facts: {}),
            ("export, whole town", "town", lambda rng, facts: {}),
        ]
        pages, exports = [], []
        for username, _, _, where, label in USERS:
            facts = self._ledger_facts(User.objects.get(username=username), rng)
            client = Client(SERVER_NAME="localhost")  # testserver is not an allowed host
            client.force_login(facts.user)
            label = f"{label} ({facts.in_scope:,})"
            pages += self._time(client, label, scenarios, facts, rng, requests, warmup)
            own = [
                (name, lambda rng, facts, url=url: url, *([goal] if goal else []))
                for name, url, goal, usernames in TIMED_PAGES
                if username in usernames
            ]
            pages += self._time(client, label, own, facts, rng, requests, warmup)
            for name, users, build in downloads:
                if users not in (ALL, where):
                    continue
                result = Result(name, label, client)  # no warm-up: the pages warmed up
                for _ in range(export_requests):
                    params = build(rng, facts)
                    url = f"/hazards/export.xlsx?{urlencode(params)}"
                    cpu = time.process_time()
                    result.timings.append((self._get(client, url), url))
                    result.cpu.append(time.process_time() - cpu)
                    form = LedgerFilterForm(facts.user, QueryDict(urlencode(params)))
                    result.rows.append(form.apply(Hazard.objects.for_user(facts.user)).count())
                # Memory: the last export once more, untimed, with Python's allocations traced.
                tracemalloc.start()
                try:
                    self._get(client, url)
                    result.peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
                finally:
                    tracemalloc.stop()
                exports.append(result)
        return pages, exports

    @staticmethod
    def _ledger_facts(user: User, rng: random.Random) -> LedgerFacts:
        towns = Jurisdiction.objects.for_user(user).town_level().values_list("pk", flat=True)
        names = Enterprise.objects.for_user(user).order_by().values_list("name", flat=True)
        hazards = Hazard.objects.for_user(user)
        descriptions = hazards.order_by().values_list("description", flat=True)[:5000]
        names, descriptions = list(names), list(descriptions)
        return LedgerFacts(
            user=user,
            in_scope=hazards.count(),
            towns=list(towns),
            texts=rng.sample(names, min(500, len(names)))
            + rng.sample(descriptions, min(500, len(descriptions))),
        )

    @staticmethod
    def _ledger_filters(rng: random.Random, facts: LedgerFacts) -> dict:
        """What the ledger's selects offer, in a mix: a town, major or general, a state, only
        overdue, a source; most requests set one or two of them."""
        params = {}
        if rng.random() < 0.5:
            params["town"] = rng.choice(facts.towns)
        if rng.random() < 0.35:
            params["major"] = rng.choice(["1", "1", "0"])
        if rng.random() < 0.3:
            params["state"] = rng.choice(State.values)
        if rng.random() < 0.15:
            params["overdue"] = "on"
        if rng.random() < 0.2:
            params["source"] = rng.choice(Source.values)
        return params

    def _ledger_url(self, rng, facts):
        return f"/hazards/?{urlencode(self._ledger_filters(rng, facts))}"

    def _ledger_search_url(self, rng, facts):
        """Two to four characters of an enterprise's name or of a hazard's description, now and
        then beside a filter."""
        params = self._ledger_filters(rng, facts) if rng.random() < 0.3 else {}
        text = rng.choice(facts.texts)
        length = rng.randint(2, 4)
        start = rng.randrange(max(1, len(text) - length + 1))
        params["q"] = text[start : start + length]
        return f"/hazards/?{urlencode(params)}"

    def _ledger_later_url(self, rng, facts):
        params = self._ledger_filters(rng, facts)
        params["page"] = rng.randint(2, 20)
        return f"/hazards/?{urlencode(params)}"

    @staticmethod
    def _export_town_params(rng, facts):
        return {"town": rng.choice(facts.towns), "major": "1"}

    # --- Reporting ----------------------------------------------------------------------------

    def _header(self, requests: int, warmup: int, with_hazards: bool):
        vendor = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(
            connection.vendor, connection.vendor
        )
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("SELECT sqlite_version()")
            else:
                cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0].split()[0]
        hazards = ""
        if with_hazards:
            hazards = (
                f"hazards: {Hazard.objects.count():,} (events: {HazardEvent.objects.count():,}) · "
            )
        self.stdout.write("")
        self.stdout.write(
            f"Database: {vendor} {version} · enterprises: {Enterprise.objects.count():,} · "
            f"{hazards}jurisdictions: {Jurisdiction.objects.count():,} · "
            f"{requests} requests per scenario and user (after {warmup} warm-up)"
        )

    def _report(self, results: list[Result], target: int):
        out = self.stdout
        out.write("")
        scope = "hazards" if target == TARGET_PAGE_P95_MS else "enterprises"
        out.write(f"| scenario | user ({scope} in scope) | p50 ms | p95 ms | max ms |")
        out.write("|---|---|---:|---:|---:|")
        misses = []
        for r in results:
            p95 = r.percentile(95)
            out.write(
                f"| {r.scenario} | {r.user} | {r.percentile(50):.1f} | {p95:.1f} | "
                f"{max(t for t, _ in r.timings):.1f} |"
            )
            if p95 >= (r.goal or target):
                misses.append(f"{r.scenario} / {r.user}")
        out.write("")
        if misses:
            out.write(self.style.WARNING(f"p95 ≥ {target} ms: " + "; ".join(misses)))
        else:
            own = sorted({f"{r.scenario.split(' (')[0]} {r.goal} ms" for r in results if r.goal})
            goals = f"{target} ms" + "".join(f"; {goal}" for goal in own)
            out.write(self.style.SUCCESS(f"Every p95 is within its goal ({goals})."))

    def _report_exports(self, results: list[Result]):
        out = self.stdout
        out.write("")
        out.write(
            "| export (a download, no goal) | user (hazards in scope) | requests | rows per export "
            "| p50 ms | p95 ms | max ms | rows/s | CPU s (median) | peak MB |"
        )
        out.write("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in results:
            rows = (
                f"{min(r.rows):,}–{max(r.rows):,}"
                if min(r.rows) != max(r.rows)
                else f"{r.rows[0]:,}"
            )
            rate = sum(r.rows) / (sum(t for t, _ in r.timings) / 1000)
            out.write(
                f"| {r.scenario} | {r.user} | {len(r.timings)} | {rows} | "
                f"{r.percentile(50):.1f} | {r.percentile(95):.1f} | "
                f"{max(t for t, _ in r.timings):.1f} | {rate:,.0f} | "
                f"{statistics.median(r.cpu):.2f} | {r.peak_mb:.1f} |"
            )

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
