"""A timing of the public report form by name (README: Employee hazard reports and rewards),
run only when asked: REWARDS_TIMING=1 pytest rewards/tests/test_timing.py -q -s"""

import os
import time

import pytest

from rewards import services
from rewards.tests.conftest import RULE

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not os.environ.get("REWARDS_TIMING"), reason="REWARDS_TIMING=1 to run"),
]
POSTS = 300


def test_by_name_form_timing(client, officer, enterprise_a):
    services.set_rule(officer, enterprise_a.pk, **RULE, allow_by_name=True)
    url = f"/r/{services.channel_for(enterprise_a).token}/"
    form = {
        "name": "李四",
        "phone": "13900000000",
        "description": "配电箱门未关闭",
        "place": "车间",
        "within_duty": "no",
    }
    times = []
    for i in range(POSTS):
        start = time.perf_counter()
        # A new address every time: the per-address daily limit is not what is timed.
        response = client.post(url, form, REMOTE_ADDR=f"10.0.{i // 200}.{i % 200}")
        times.append(time.perf_counter() - start)
        assert "报告已提交" in response.content.decode()
    times.sort()
    median, p95 = times[POSTS // 2], times[int(POSTS * 0.95)]
    print(
        f"\n{POSTS} reports: median {median * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
        f"{POSTS / sum(times):.0f}/s"
    )
