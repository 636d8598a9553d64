import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

# PostgreSQL: readings partitioned by month (partitions are made as data arrives, see
# monitoring.partitions). The foreign key is checked at once, not deferred as Django's are:
# deferred checks queue an event per row until commit, which a batch of thousands pays for.
PG_READINGS = """
CREATE TABLE monitoring_reading (
    point_id bigint NOT NULL REFERENCES monitoring_point (id),
    ts timestamptz NOT NULL,
    value double precision NOT NULL,
    PRIMARY KEY (point_id, ts)
) PARTITION BY RANGE (ts)
"""


def create_readings(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_READINGS)
    else:
        schema_editor.create_model(apps.get_model("monitoring", "Reading"))


def drop_readings(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TABLE monitoring_reading CASCADE")
    else:
        schema_editor.delete_model(apps.get_model("monitoring", "Reading"))


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("enterprises", "0004_enterprise_has_monitoring"),
        ("hazards", "0005_ledger_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Alarm",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "condition",
                    models.CharField(
                        choices=[
                            ("high", "超上限"),
                            ("low", "超下限"),
                            ("rate", "数值突变"),
                            ("signal", "报警信号"),
                            ("fault", "设备故障"),
                            ("sensor", "传感器异常"),
                            ("offline", "离线"),
                            ("hot_work", "违规动火"),
                            ("overcrowding", "人员超限聚集"),
                        ],
                        max_length=20,
                        verbose_name="报警类型",
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("open", "待确认"),
                            ("acknowledged", "已确认"),
                            ("handled", "已处置"),
                            ("closed", "已关闭"),
                        ],
                        default="open",
                        max_length=20,
                        verbose_name="状态",
                    ),
                ),
                ("first_at", models.DateTimeField(verbose_name="开始时间")),
                ("last_at", models.DateTimeField(verbose_name="最近时间")),
                ("first_value", models.FloatField(blank=True, null=True, verbose_name="初始值")),
                ("last_value", models.FloatField(blank=True, null=True, verbose_name="最近值")),
                ("peak_value", models.FloatField(blank=True, null=True, verbose_name="峰值")),
                ("limit", models.FloatField(blank=True, null=True, verbose_name="阈值")),
                (
                    "cleared_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="恢复时间"),
                ),
                (
                    "raised_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="产生时间"
                    ),
                ),
                (
                    "escalation",
                    models.PositiveSmallIntegerField(
                        default=0,
                        help_text="0 未升级，1 已通知乡镇，2 已通知县局",
                        verbose_name="升级",
                    ),
                ),
                (
                    "acknowledged_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="确认时间"),
                ),
                (
                    "handled_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="处置时间"),
                ),
                ("handling", models.TextField(blank=True, verbose_name="处置情况")),
                ("closed_at", models.DateTimeField(blank=True, null=True, verbose_name="关闭时间")),
                ("data", models.JSONField(blank=True, default=dict, verbose_name="附加信息")),
                (
                    "enterprise",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="alarms",
                        to="enterprises.enterprise",
                        verbose_name="企业",
                    ),
                ),
                (
                    "hazard",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="alarms",
                        to="hazards.hazard",
                        verbose_name="重大事故隐患",
                    ),
                ),
            ],
            options={
                "verbose_name": "报警",
                "verbose_name_plural": "报警",
                "ordering": ["-raised_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="AlarmEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("action", models.CharField(max_length=30, verbose_name="操作")),
                ("from_state", models.CharField(blank=True, max_length=20, verbose_name="原状态")),
                ("to_state", models.CharField(blank=True, max_length=20, verbose_name="新状态")),
                ("note", models.TextField(blank=True, verbose_name="说明")),
                (
                    "at",
                    models.DateTimeField(
                        db_index=True, default=django.utils.timezone.now, verbose_name="时间"
                    ),
                ),
                ("notified_at", models.DateTimeField(blank=True, null=True)),
                (
                    "actor",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="操作人",
                    ),
                ),
                (
                    "alarm",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="monitoring.alarm",
                    ),
                ),
            ],
            options={
                "verbose_name": "报警处理记录",
                "verbose_name_plural": "报警处理记录",
                "ordering": ["at", "id"],
            },
        ),
        migrations.CreateModel(
            name="AlarmPhoto",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("snapshot", "抓拍"), ("handling", "处置照片")],
                        default="handling",
                        max_length=10,
                    ),
                ),
                ("image", models.ImageField(upload_to="alarms/%Y/%m/")),
                ("uploaded_at", models.DateTimeField(auto_now_add=True)),
                (
                    "alarm",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="photos",
                        to="monitoring.alarm",
                    ),
                ),
            ],
            options={
                "verbose_name": "报警照片",
                "verbose_name_plural": "报警照片",
            },
        ),
        migrations.CreateModel(
            name="Gateway",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "code",
                    models.CharField(
                        max_length=40,
                        unique=True,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^[A-Za-z0-9_.-]{1,40}$",
                                "编码只能包含字母、数字、点、下划线和连字符",
                            )
                        ],
                        verbose_name="网关编码",
                    ),
                ),
                ("name", models.CharField(blank=True, max_length=60, verbose_name="名称")),
                ("token_hash", models.CharField(editable=False, max_length=64, unique=True)),
                (
                    "token_hint",
                    models.CharField(editable=False, max_length=8, verbose_name="令牌末四位"),
                ),
                ("active", models.BooleanField(default=True, verbose_name="启用")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                (
                    "token_rotated_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="令牌更新时间"),
                ),
                (
                    "last_seen_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="最近上报"),
                ),
                (
                    "enterprise",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="gateways",
                        to="enterprises.enterprise",
                        verbose_name="企业",
                    ),
                ),
            ],
            options={
                "verbose_name": "采集网关",
                "verbose_name_plural": "采集网关",
                "ordering": ["code"],
            },
        ),
        migrations.CreateModel(
            name="Point",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "code",
                    models.CharField(
                        max_length=40,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^[A-Za-z0-9_.-]{1,40}$",
                                "编码只能包含字母、数字、点、下划线和连字符",
                            )
                        ],
                        verbose_name="点位编码",
                    ),
                ),
                (
                    "equipment",
                    models.CharField(
                        help_text="例如：1号除尘器", max_length=60, verbose_name="设备"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("pressure_diff", "压差"),
                            ("hopper_temp", "灰斗温度"),
                            ("airlock_fault", "锁气卸灰故障"),
                            ("spark", "火花探测"),
                            ("water_level", "水位"),
                            ("water_flow", "水流量"),
                            ("co", "一氧化碳"),
                            ("nh3", "氨气浓度"),
                            ("combustible_gas", "可燃气体"),
                            ("cooling_temp", "冷却水温度"),
                            ("cooling_flow_diff", "冷却水流量差"),
                            ("running", "设备运行"),
                            ("power", "功率"),
                            ("energy", "电量"),
                            ("people", "人数"),
                            ("camera", "智能摄像头"),
                        ],
                        max_length=20,
                        verbose_name="类型",
                    ),
                ),
                ("unit", models.CharField(blank=True, max_length=10, verbose_name="单位")),
                ("range_min", models.FloatField(verbose_name="量程下限")),
                ("range_max", models.FloatField(verbose_name="量程上限")),
                ("interval_seconds", models.PositiveIntegerField(verbose_name="上报周期（秒）")),
                ("high", models.FloatField(blank=True, null=True, verbose_name="高报阈值")),
                ("low", models.FloatField(blank=True, null=True, verbose_name="低报阈值")),
                (
                    "hold_seconds",
                    models.PositiveIntegerField(verbose_name="持续时间（秒）"),
                ),
                (
                    "rate_limit",
                    models.FloatField(blank=True, null=True, verbose_name="变化率阈值（每分钟）"),
                ),
                (
                    "offline_intervals",
                    models.PositiveSmallIntegerField(default=3, verbose_name="离线判定周期数"),
                ),
                ("active", models.BooleanField(default=True, verbose_name="启用")),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="创建时间"
                    ),
                ),
                (
                    "last_ts",
                    models.DateTimeField(blank=True, null=True, verbose_name="最近数据时间"),
                ),
                ("last_value", models.FloatField(blank=True, null=True, verbose_name="最近数值")),
                ("high_since", models.DateTimeField(blank=True, editable=False, null=True)),
                ("low_since", models.DateTimeField(blank=True, editable=False, null=True)),
                (
                    "enterprise",
                    models.ForeignKey(
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="monitoring_points",
                        to="enterprises.enterprise",
                        verbose_name="企业",
                    ),
                ),
                (
                    "gateway",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="points",
                        to="monitoring.gateway",
                        verbose_name="网关",
                    ),
                ),
            ],
            options={
                "verbose_name": "监测点位",
                "verbose_name_plural": "监测点位",
                "ordering": ["gateway", "code"],
            },
        ),
        migrations.AddField(
            model_name="alarm",
            name="point",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="alarms",
                to="monitoring.point",
                verbose_name="点位",
            ),
        ),
        migrations.CreateModel(
            name="PowerWarning",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("covert", "明停暗开"),
                            ("false_offline", "虚假离线"),
                            ("overload", "超负荷生产"),
                        ],
                        max_length=20,
                        verbose_name="类型",
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("open", "待研判"),
                            ("confirmed", "属实"),
                            ("dismissed", "不属实"),
                        ],
                        default="open",
                        max_length=20,
                        verbose_name="状态",
                    ),
                ),
                ("window_start", models.DateTimeField(verbose_name="起始")),
                ("window_end", models.DateTimeField(verbose_name="截止")),
                ("observed_kw", models.FloatField(verbose_name="窗口平均功率（kW）")),
                ("baseline_kw", models.FloatField(verbose_name="基准功率（kW）")),
                ("baseline", models.CharField(max_length=100, verbose_name="基准")),
                ("evidence", models.JSONField(default=dict, verbose_name="证据")),
                (
                    "detected_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="发现时间"
                    ),
                ),
                (
                    "reviewed_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="研判时间"),
                ),
                ("review_note", models.TextField(blank=True, verbose_name="研判意见")),
                (
                    "enterprise",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="power_warnings",
                        to="enterprises.enterprise",
                        verbose_name="企业",
                    ),
                ),
                (
                    "reviewed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="研判人",
                    ),
                ),
            ],
            options={
                "verbose_name": "电力预警",
                "verbose_name_plural": "电力预警",
                "ordering": ["-detected_at", "-id"],
            },
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Reading",
                    fields=[
                        (
                            "pk",
                            models.CompositePrimaryKey(
                                "point",
                                "ts",
                                blank=True,
                                editable=False,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        ("ts", models.DateTimeField(verbose_name="时间")),
                        ("value", models.FloatField(verbose_name="数值")),
                        (
                            "point",
                            models.ForeignKey(
                                db_index=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                to="monitoring.point",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "监测数据",
                        "verbose_name_plural": "监测数据",
                        "managed": True,
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(create_readings, drop_readings),
        migrations.AddIndex(
            model_name="point",
            index=models.Index(fields=["enterprise", "kind"], name="point_enterprise_kind"),
        ),
        migrations.AddIndex(
            model_name="point",
            index=models.Index(fields=["active", "last_ts"], name="point_active_last"),
        ),
        migrations.AddConstraint(
            model_name="point",
            constraint=models.UniqueConstraint(
                fields=("gateway", "code"), name="point_gateway_code"
            ),
        ),
        migrations.AddIndex(
            model_name="alarm",
            index=models.Index(
                fields=["state", "escalation", "raised_at"], name="alarm_escalation"
            ),
        ),
        migrations.AddIndex(
            model_name="alarm",
            index=models.Index(fields=["enterprise", "state"], name="alarm_enterprise_state"),
        ),
        migrations.AddConstraint(
            model_name="alarm",
            constraint=models.UniqueConstraint(
                condition=models.Q(("cleared_at__isnull", True)),
                fields=("point", "condition"),
                name="alarm_one_uncleared",
            ),
        ),
        migrations.AddConstraint(
            model_name="powerwarning",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state", "open")),
                fields=("enterprise", "kind"),
                name="power_warning_one_open",
            ),
        ),
    ]
