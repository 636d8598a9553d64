"""Benchmark of the public tip form (举报, issue 15): submissions a second a real server holds.

    manage.py bench_tips [--rate 50] [--duration 20] [--threads 16] [--photo]
                         [--workers 2] [--server-threads 16]

In a database of its own (var/bench_tips.sqlite3 on the embedded default, or PostgreSQL
`<DATABASE_URL's name>_bench_tips`), emptied and set up with a county, a town and --enterprises
enterprises; then gunicorn (the project's WSGI app, as `make run`: 2 workers × 16 threads) on a
free loopback port with the per-address daily limit switched off (TIPS_PER_ADDRESS_PER_DAY=0,
every client here is 127.0.0.1) and a task queue of its own. A bounded client of --threads
threads, each holding a keep-alive connection, POSTs /api/v1/tips (multipart form data, as the
mini program sends; with --photo a 640×480 JPEG each) for --duration seconds, at --rate
submissions a second in all (0: as fast as answered).

Measured: submissions/s (answered, from the first send to the last answer), latency p50/p95/max,
errors (any answer but 201, or a failed connection), and that the stored tips equal the
accepted answers."""

import http.client
import io
import json
import os
import shutil
import statistics
import threading
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection

from core.models import Jurisdiction, JurisdictionKind
from demo.management.commands.bench_gateways import _Gunicorn
from demo.management.commands.bench_ingest import Command as IngestCommand
from demo.management.commands.bench_ingest import percentile
from enterprises import credit_code
from enterprises.models import Enterprise
from tips.models import Tip


class Command(IngestCommand):
    help = (
        "群众举报表单性能基准：真实 gunicorn 服务、有界并发客户端，测每秒提交数、延迟 p50/p95 "
        "和错误数（独立数据库 var/bench_tips.sqlite3 或 PostgreSQL <库名>_bench_tips）"
    )
    requires_system_checks = []
    pg_database, sqlite_file, tasks_file, lock_name = (
        "anjian_bench_tips",
        "bench_tips.sqlite3",
        "bench_tips_tasks.sqlite3",
        "bench_tips.lock",
    )

    def add_arguments(self, parser):
        parser.add_argument("--rate", type=float, default=50, help="每秒提交总数（0：尽快）")
        parser.add_argument("--duration", type=float, default=20, help="持续秒数")
        parser.add_argument("--threads", type=int, default=16, help="客户端线程（长连接）数")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn 进程数")
        parser.add_argument("--server-threads", type=int, default=16, help="gunicorn 每进程线程数")
        parser.add_argument("--enterprises", type=int, default=200, help="企业数")
        parser.add_argument("--photo", action="store_true", help="每条附一张 640×480 JPEG")

    def handle(self, *args, **options):
        if options["duration"] <= 0 or options["threads"] < 1 or options["rate"] < 0:
            raise CommandError("--duration、--threads 须为正数，--rate 不能为负")
        where = self._open_bench_database()
        self.stdout.write(f"Benchmark database: {where}")
        ids = self._setup(options["enterprises"])
        self.home = Path(settings.VAR_DIR) / f"bench_tips-{uuid.uuid4().hex[:6]}"
        self.home.mkdir(parents=True, exist_ok=True)
        connection.close()
        server = _Gunicorn(
            str(Path(settings.BASE_DIR) / "manage.py"),
            self._server_env(),
            options["workers"],
            options["server_threads"],
            self.home,
        )
        self.stdout.write(f"{server.describe()} ready")
        try:
            result = self._load(server.port, ids, options)
        finally:
            server.stop()
            shutil.rmtree(self.home, ignore_errors=True)
        stored = Tip.objects.count()
        self._report(result, stored, options)

    def _setup(self, count: int) -> list[int]:
        Tip.objects.all().delete()
        county, _ = Jurisdiction.objects.get_or_create(
            code="bench-tips", defaults={"name": "基准县", "kind": JurisdictionKind.COUNTY}
        )
        town, _ = Jurisdiction.objects.get_or_create(
            code="bench-tips-01",
            defaults={"name": "基准镇", "kind": JurisdictionKind.TOWN, "parent": county},
        )
        existing = Enterprise.objects.filter(jurisdiction=town).count()
        for n in range(existing, count):
            Enterprise.objects.create(
                credit_code=credit_code.make(f"91371599{n:09d}"),
                name=f"基准企业{n:05d}有限公司",
                jurisdiction=town,
                industry="machinery",
                employee_count=50,
                principal_name="王建国",
                principal_phone="13800000001",
            )
        return list(Enterprise.objects.filter(jurisdiction=town).values_list("pk", flat=True))

    def _server_env(self) -> dict:
        env = {
            name: value
            for name, value in os.environ.items()
            if name not in {"DATABASE_URL", "REDIS_URL", "SQLITE_NAME", "TASKS_IMMEDIATE"}
        }
        env.update(
            ANJIAN_VAR_DIR=str(self.home),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            PYTHONUNBUFFERED="1",
            LOG_LEVEL="WARNING",
            TIPS_PER_ADDRESS_PER_DAY="0",
        )
        env.setdefault("SECRET_KEY", "bench-tips-secret-key")
        s = connection.settings_dict
        if connection.vendor == "sqlite":
            env["SQLITE_NAME"] = str(Path(s["NAME"]).resolve())
        else:
            from urllib.parse import quote

            credentials = quote(s["USER"] or "", safe="")
            if s["PASSWORD"]:
                credentials += ":" + quote(s["PASSWORD"], safe="")
            port = f":{s['PORT']}" if s["PORT"] else ""
            host = s["HOST"] or "127.0.0.1"
            env["DATABASE_URL"] = f"postgres://{credentials}@{host}{port}/{s['NAME']}"
        return env

    def _load(self, port: int, ids: list[int], options) -> dict:
        photo = _jpeg() if options["photo"] else None
        rate, duration = options["rate"], options["duration"]
        lock = threading.Lock()
        state = {"next": 0}
        latencies: list[float] = []
        errors: list[str] = []
        start = time.perf_counter() + 0.2
        stop_at = start + duration

        def next_slot():
            with lock:
                n = state["next"]
                state["next"] += 1
            return n, (start + n / rate if rate else None)

        def worker():
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            while True:
                n, due = next_slot()
                now = time.perf_counter()
                if due is not None:
                    if due >= stop_at:
                        break
                    if due > now:
                        time.sleep(due - now)
                elif now >= stop_at:
                    break
                body, content_type = _multipart(
                    {
                        "enterprise_id": str(ids[n % len(ids)]),
                        "what": f"基准举报 {n}：车间粉尘堆积，除尘器未开启",
                        "place": "打磨车间",
                        "anonymous": "true",
                    },
                    photo,
                )
                sent = time.perf_counter()
                try:
                    conn.request("POST", "/api/v1/tips", body, {"Content-Type": content_type})
                    response = conn.getresponse()
                    payload = response.read()
                    elapsed = time.perf_counter() - sent
                    with lock:
                        if response.status == 201 and json.loads(payload).get("code"):
                            latencies.append(elapsed)
                        else:
                            errors.append(f"{response.status} {payload[:200]!r}")
                except (OSError, http.client.HTTPException) as exc:
                    with lock:
                        errors.append(repr(exc))
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.close()

        threads = [threading.Thread(target=worker) for _ in range(options["threads"])]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return {
            "latencies": latencies,
            "errors": errors,
            "elapsed": time.perf_counter() - start,
        }

    def _report(self, result, stored, options):
        latencies, errors = result["latencies"], result["errors"]
        ok = len(latencies)
        rate = ok / result["elapsed"] if result["elapsed"] > 0 else 0.0
        target = f"{options['rate']:g}/s" if options["rate"] else "as fast as answered"
        self.stdout.write(
            f"Offered: {target} for {options['duration']:g} s, {options['threads']} client "
            f"threads{' with a photo each' if options['photo'] else ''}"
        )
        self.stdout.write(f"Submissions: {ok} accepted, {len(errors)} errors, {rate:.1f}/s")
        if latencies:
            p50, p95 = percentile(latencies, 50) * 1000, percentile(latencies, 95) * 1000
            worst, mean = max(latencies) * 1000, statistics.fmean(latencies) * 1000
            self.stdout.write(
                f"Latency: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {worst:.1f} ms, "
                f"mean {mean:.1f} ms"
            )
        self.stdout.write(f"Stored tips: {stored} (accepted answers: {ok})")
        for error in errors[:5]:
            self.stdout.write(f"  error: {error}")
        if errors or stored != ok:
            raise CommandError("基准未通过：有错误，或入库条数与成功应答不符")


def _jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (120, 130, 140)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _multipart(fields: dict, photo: bytes | None) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    if photo is not None:
        parts.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; '
                f'filename="p.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
            ).encode()
            + photo
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
