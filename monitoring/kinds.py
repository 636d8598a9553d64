"""The kinds of monitoring point and their documented defaults.

A point takes its kind's defaults when it is created and may then be set point by point. The
figures are starting values a bureau is expected to tune, chosen from common practice for the
devices seed task 14 names (dust removal systems: pressure difference across the filter, hopper
temperature, airlock discharge, spark detection and extinguishing; ammonia refrigeration: NH3
leak detection; gas: CO and combustible gas detectors with two alarm levels of which the first
is used here) and from the physical range of ordinary sensors. Sources:
- 粉尘防爆安全规程 (GB 15577-2018) and 工贸企业粉尘防爆安全规定 (应急管理部令第6号): dust
  removal systems monitored by pressure difference, hopper temperature and airlock state,
  spark detection where the standard asks for it;
- 可燃气体和有毒气体检测报警设计标准 (GB/T 50493-2019): first-level alarm of a combustible gas
  at no more than 25 % LEL; NH3 and CO alarm levels below occupational exposure limits (GBZ 2.1:
  NH3 PC-STEL 30 mg/m³ ≈ 40 ppm, CO PC-TWA 20 mg/m³ ≈ 17 ppm, taken here as 25 ppm / 24 ppm);
- the equipment's own operating envelope for temperatures, flows and power.
"""

from dataclasses import dataclass

from django.db import models


class PointKind(models.TextChoices):
    PRESSURE_DIFF = "pressure_diff", "压差"
    HOPPER_TEMP = "hopper_temp", "灰斗温度"
    AIRLOCK_FAULT = "airlock_fault", "锁气卸灰故障"
    SPARK = "spark", "火花探测"
    WATER_LEVEL = "water_level", "水位"
    WATER_FLOW = "water_flow", "水流量"
    CO = "co", "一氧化碳"
    NH3 = "nh3", "氨气浓度"
    COMBUSTIBLE_GAS = "combustible_gas", "可燃气体"
    COOLING_TEMP = "cooling_temp", "冷却水温度"
    COOLING_FLOW_DIFF = "cooling_flow_diff", "冷却水流量差"
    RUNNING = "running", "设备运行"
    POWER = "power", "功率"
    ENERGY = "energy", "电量"
    PEOPLE = "people", "人数"
    CAMERA = "camera", "智能摄像头"


@dataclass(frozen=True)
class KindDefaults:
    unit: str
    range_min: float
    range_max: float
    interval_seconds: int  # how often a healthy device reports
    high: float | None = None  # alarm above, held for hold_seconds
    low: float | None = None  # alarm below, held for hold_seconds
    hold_seconds: int = 0
    rate_limit: float | None = None  # alarm on a change larger than this per minute
    boolean: bool = False  # true/false readings, stored as 1 and 0
    # What a true reading means: "signal", a process alarm (a spark); "fault", the device's own
    # fault (第十四条); None, nothing to alarm on (equipment running).
    true_means: str | None = None


KIND_DEFAULTS: dict[str, KindDefaults] = {
    # Pulse-jet bag filters run at roughly 800–1,500 Pa; above 1,800 Pa bags are clogging, below
    # 300 Pa a bag has burst or the fan stopped. A jump of 500 Pa in a minute is a burst bag.
    PointKind.PRESSURE_DIFF: KindDefaults(
        "Pa", 0, 5000, 60, high=1800, low=300, hold_seconds=300, rate_limit=500
    ),
    # A hopper warmer than 70 °C is smouldering dust; a rise of 5 °C a minute is a fire starting.
    PointKind.HOPPER_TEMP: KindDefaults("℃", -40, 300, 60, high=70, hold_seconds=60, rate_limit=5),
    PointKind.AIRLOCK_FAULT: KindDefaults("", 0, 1, 60, boolean=True, true_means="fault"),
    PointKind.SPARK: KindDefaults("", 0, 1, 60, boolean=True, true_means="signal"),
    PointKind.WATER_LEVEL: KindDefaults("m", 0, 20, 60, low=0.5, hold_seconds=300),
    PointKind.WATER_FLOW: KindDefaults("m³/h", 0, 500, 60, low=1, hold_seconds=300),
    PointKind.CO: KindDefaults("ppm", 0, 1000, 30, high=24, hold_seconds=0),
    PointKind.NH3: KindDefaults("ppm", 0, 1000, 30, high=25, hold_seconds=0),
    PointKind.COMBUSTIBLE_GAS: KindDefaults("%LEL", 0, 100, 30, high=25, hold_seconds=0),
    PointKind.COOLING_TEMP: KindDefaults(
        "℃", -20, 150, 60, high=45, hold_seconds=120, rate_limit=5
    ),
    # Inflow minus outflow of a furnace's cooling water: a difference is water going where it
    # must not (第四条 / 第五条 on cooling water of smelting furnaces).
    PointKind.COOLING_FLOW_DIFF: KindDefaults("m³/h", -100, 100, 60, high=2, hold_seconds=60),
    PointKind.RUNNING: KindDefaults("", 0, 1, 60, boolean=True),
    PointKind.POWER: KindDefaults("kW", 0, 100_000, 900),
    PointKind.ENERGY: KindDefaults("kWh", 0, 1e12, 900),
    PointKind.PEOPLE: KindDefaults("人", 0, 10_000, 60),
    PointKind.CAMERA: KindDefaults("", 0, 1, 3600),
}

# Values true/false come as JSON booleans (or 0/1); they are stored as 1.0 and 0.0.
BOOLEAN_KINDS = frozenset(k for k, d in KIND_DEFAULTS.items() if d.boolean)
# Devices of 第十四条 (monitoring, alarm, protection and interlock devices): a fault or a long
# silence of one of these is a major hazard. Power meters and cameras are not safety devices.
SAFETY_DEVICE_KINDS = frozenset(KIND_DEFAULTS) - {
    PointKind.POWER,
    PointKind.ENERGY,
    PointKind.RUNNING,
    PointKind.PEOPLE,
    PointKind.CAMERA,
}
# The power analytics read these.
POWER_KINDS = frozenset({PointKind.POWER})
