"""The demo's data exchange for `manage.py load_demo`: one subscriber, marked 示例 and switched
off (its URL, on 127.0.0.1, has nothing listening: switched on, its pushes would fail and be
retried), and one platform above registered to push tasks down, so the 数据交换 page shows
both kinds of record. Their secret and token are not kept anywhere: a real subscriber or
platform is registered on the page, or this one's secret regenerated. A second run finds them
and creates nothing."""

from exchange import services
from exchange.models import InboundPlatform, Kind, Subscriber

SUBSCRIBER = "示例：省安全风险监测预警平台（未运行）"
PLATFORM = "聊城市应急管理局平台"


def load(admin) -> dict:
    created = {"subscribers": 0, "platforms": 0}
    if not Subscriber.objects.filter(name=SUBSCRIBER).exists():
        subscriber, _secret = services.create_subscriber(
            admin,
            name=SUBSCRIBER,
            url="http://127.0.0.1:9/anjian-demo/receive",
            kinds=list(Kind.values),
        )
        services.edit_subscriber(
            admin,
            subscriber.pk,
            name=subscriber.name,
            url=subscriber.url,
            kinds=subscriber.kinds,
            adapter={},
            active=False,
        )
        created["subscribers"] = 1
    if not InboundPlatform.objects.filter(name=PLATFORM).exists():
        services.register_platform(admin, name=PLATFORM)
        created["platforms"] = 1
    return created
