"""The demo's live monitoring feed: every tick, the next readings of every demo point through
the ingestion service, and incidents on a schedule (demo.simulator). `make run` starts it
beside the web server and the task worker, whose every-minute sweep raises the offline alarms of
a gateway gone silent and escalates unacknowledged alarms."""

import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from demo.simulator import DEFAULT_INCIDENTS, INCIDENT_KINDS, INCIDENT_LABELS, Simulator


class Command(BaseCommand):
    help = (
        "演示监测数据模拟器：为演示企业持续生成除尘、气体、冷却水和电力数据，并按计划制造报警事件"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=60, help="每隔多少秒生成一次数据（默认 60）"
        )
        parser.add_argument("--once", action="store_true", help="只生成一次后退出")
        parser.add_argument(
            "--seed", type=int, default=None, help="随机数种子：同一种子得到同样的数据和事件"
        )
        parser.add_argument(
            "--incident-every",
            type=float,
            default=10,
            help="大约每隔多少分钟制造一次事件（默认 10，0 表示不制造）",
        )
        parser.add_argument(
            "--first-incident-after",
            type=float,
            default=2,
            help="启动后多少分钟制造第一个事件（默认 2）",
        )
        parser.add_argument(
            "--incidents",
            default=",".join(DEFAULT_INCIDENTS),
            help="轮流制造的事件类型，逗号分隔："
            + "，".join(f"{k}（{v}）" for k, v in INCIDENT_LABELS.items()),
        )
        parser.add_argument(
            "--incident",
            action="append",
            default=[],
            choices=INCIDENT_KINDS,
            help="启动时立即制造的事件（可重复）",
        )
        parser.add_argument(
            "--catch-up",
            type=float,
            default=10,
            help="停止一段时间后重新启动时，最多补发多少分钟的数据（默认 10）",
        )

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        if options["interval"] <= 0:
            raise CommandError("--interval 必须大于 0")
        kinds = [k.strip() for k in options["incidents"].split(",") if k.strip()]
        unknown = sorted(set(kinds) - set(INCIDENT_KINDS))
        if unknown:
            raise CommandError(
                f"未知的事件类型：{', '.join(unknown)}（可选：{', '.join(INCIDENT_KINDS)}）"
            )
        every = options["incident_every"]
        simulator = Simulator(
            options["seed"],
            incident_every=timedelta(minutes=every) if every > 0 else None,
            incidents=kinds,
            first_incident_after=timedelta(minutes=options["first_incident_after"]),
            catch_up=timedelta(minutes=max(options["catch_up"], 0)),
        )
        if not simulator.feeds:
            self.stderr.write("没有可模拟的演示监测网关：请先运行 manage.py load_demo")
            return
        self._say(
            f"模拟器启动：{len(simulator.feeds)} 个演示网关，"
            f"{sum(len(f.signals) for f in simulator.feeds)} 个点位，"
            f"每 {options['interval']:g} 秒一次"
        )
        now = timezone.now()
        for kind in options["incident"]:
            incident = simulator.start_incident(kind, now)
            self._started([incident] if incident else [], simulator, kind)
        try:
            while True:
                began = time.monotonic()
                # A long-running process: drop connections past their age or broken (not
                # inside a transaction someone else holds, as a test's).
                if not connection.in_atomic_block:
                    close_old_connections()
                try:
                    self._report(simulator.tick(), simulator)
                except DatabaseError as error:  # the database away for a moment: next tick
                    self.stderr.write(f"本次模拟失败，下次重试：{error}")
                if options["once"]:
                    return
                time.sleep(max(options["interval"] - (time.monotonic() - began), 0.5))
        except KeyboardInterrupt:
            self._say("模拟器已停止")

    def _report(self, result, simulator):
        # -v 0: errors only; -v 1 (default): incidents and new alarms; -v 2: every tick.
        stamp = timezone.localtime(result.now).strftime("%H:%M:%S")
        line = f"[{stamp}] 模拟数据 {result.readings} 条（{result.gateways} 个网关）"
        if result.alarms:
            line += f"，新报警 {result.alarms} 条"
        if self.verbosity >= 2 or (self.verbosity == 1 and (result.alarms or result.started)):
            self.stdout.write(line)
        self._started(result.started, simulator)
        for error in result.errors:
            self.stderr.write(f"写入失败，下次重试：{error}")

    def _started(self, incidents, simulator, wanted=None):
        if wanted and not incidents:
            self.stderr.write(f"没有适合“{INCIDENT_LABELS[wanted]}”的演示点位")
        for incident in incidents:
            until = timezone.localtime(incident.end).strftime("%H:%M")
            self._say(f"  模拟事件：{incident.describe(simulator.names)}（至 {until}）")

    def _say(self, text):
        if self.verbosity >= 1:
            self.stdout.write(text)
