"""Enforcement rules as data, each with its source."""

from decimal import Decimal

# REGULATIONS.md "Random inspections": local practice puts random inspections at 70 % or more
# of the annual plan (双随机抽查占年度监督检查计划的 70% 以上).
RANDOM_SHARE_MIN = Decimal("0.70")
RANDOM_SHARE_SOURCE = "山东省“双随机、一公开”监管工作要求：随机抽查比例不低于年度计划的 70%"

# The key list (重点检查企业, seed task 22: 突出高风险行业领域，分级确定重点检查企业名单).
# With grades (grading app): these levels are key; visits per year come from the grading app's
# supervision frequency (and its reduction for standardized enterprises).
KEY_LEVELS = ("red", "orange")
# Without a grade, an enterprise is key when it carries one of these sector tags; visits/year.
KEY_SECTORS = {
    "metal_smelting": 2,
    "foundry": 2,
    "molten_metal": 2,
    "coal_gas": 2,
    "combustible_dust": 2,
    "ammonia_refrigeration": 2,
    "chlorine": 2,
    "hazardous_chemicals": 2,
}
KEY_SECTORS_SOURCE = "治本攻坚方案 任务22：突出高风险行业领域，分级确定重点检查企业名单"

# Pool filter keys a draw accepts (the form and the API validate against these).
FILTER_KEYS = (
    "town",  # jurisdiction id (town level); the pool is the draw's area otherwise
    "industry",  # list of Industry codes
    "sector_tags",  # list of SectorTag codes: an enterprise with any of them
    "grade",  # list of grading levels (red/orange/yellow/blue), where graded
    "exclude_key_list",  # the plan's key list is inspected anyway: leave it out
    "exclude_recent_months",  # leave out enterprises drawn in the last N months
)

# Inspectors per inspection (REGULATIONS.md "Random inspections": at least two inspectors per
# inspection; 《行政处罚法》第四十二条: 执法人员不得少于两人). On site and unannounced: two
# enforcement officers or more. A remote inspection reviews monitoring evidence at the desk and
# may be done by one; a case filed from it goes through the penalty procedure with two.
MIN_INSPECTORS_BY_KIND = {"on_site": 2, "unannounced": 2, "remote": 1}
MIN_INSPECTORS_SOURCE = "《行政处罚法》第四十二条：执法人员不得少于两人"

# Default rectification period offered on the inspection form (责令限期整改), in days.
DEFAULT_RECTIFY_DAYS = 30
# Monitoring evidence a remote inspection may cite: alarms and power warnings of the last N days.
EVIDENCE_DAYS = 90

# --- remote enforcement and assistance (seed tasks 23, 24) --------------------------------------
# Working days an enterprise is given to explain monitoring evidence in a remote inspection
# (非现场执法). Draft: the bureau's own working rule, to be confirmed (no national figure).
REMOTE_EXPLAIN_WORKDAYS = 5
REMOTE_EXPLAIN_SOURCE = (
    "草案：本局非现场执法工作规则（企业收到说明要求后 5 个工作日内说明），待确认"
)
# The enterprise's explanation: at most this many files of at most this size each, of these
# kinds (recognised by their content, never by the name).
REMOTE_FILES_MAX = 10
REMOTE_FILE_MAX_BYTES = 10 * 1024 * 1024
# Alarm conditions raised by the video analytics (视频智能分析): a remote inspection's "video
# event" is an alarm of one of these.
VIDEO_CONDITIONS = ("hot_work", "overcrowding")

# A town with at least this many accidents of its enterprises (near misses not counted) in the
# last FREQUENT_ACCIDENTS_MONTHS months is flagged 事故多发 for assistance. Draft figures.
FREQUENT_ACCIDENTS_MIN = 2
FREQUENT_ACCIDENTS_MONTHS = 12
FREQUENT_ACCIDENTS_SOURCE = (
    "治本攻坚方案 任务24：对事故多发的辖区开展执法指导帮扶；"
    "阈值（12 个月内 2 起及以上）为草案，待确认"
)
# Assistance's effect: the town's figures over this many days before the assistance date and
# as many from it.
ASSISTANCE_WINDOW_DAYS = 90
