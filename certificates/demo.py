"""Demo special-operation certificates for `manage.py load_demo`: at the demo principal's
enterprise, the operations its work needs (a low-voltage electrician ×2, welding ×1), their
holders (one welder's certificate expired, so the welding work item is red and shows a gap),
and one electrician due for 复审; at some other enterprises, a few certificates expiring or due
for review, so the county's list and the workbench have something. Invented names and ID
numbers (with a correct check character); recorded through certificates.services. A second run
finds them by number and creates nothing."""

from datetime import timedelta

from django.utils import timezone

from certificates import services
from certificates.models import Certificate


def _id(serial: int) -> str:
    body = f"37152619{80 + serial % 20:02d}0{1 + serial % 9}1{serial % 10}{serial % 1000:03d}"
    body = body[:17]
    total = sum(int(d) * w for d, w in zip(body, services._ID_WEIGHTS, strict=True))
    return body + services._ID_CHECK[total % 11]


def load(principal, enterprises) -> dict:
    today = timezone.localdate()
    home = principal.enterprise
    created = 0
    rows = [
        # (enterprise, name, operation, days since issue, post)
        (home, "赵志刚", "1.2", 400, "配电室"),
        (home, "钱海涛", "1.2", 3 * 365 - 30, "配电室"),  # review due in about a month
        (home, "孙立军", "2.1", 6 * 365 + 40, "焊接车间"),  # expired: a gap
    ]
    others = [e for e in enterprises if e.pk != home.pk][:12]
    for n, enterprise in enumerate(others):
        rows.append(
            (
                enterprise,
                f"演示持证人{n + 1}",
                ("1.2", "2.1", "3.1", "4.1")[n % 4],
                3 * 365 - 10 * n,
                "",
            )
        )
    for serial, (enterprise, name, operation, age, post) in enumerate(rows, start=1):
        number = f"DEMO{serial:06d}"
        if Certificate.objects.filter(number=number).exists():
            continue
        issued = today - timedelta(days=age)
        review, expiry = services.default_dates(issued)
        certificate = Certificate(
            enterprise=enterprise,
            holder_name=name,
            id_number=_id(serial),
            operation=operation,
            number=number,
            issued_on=issued,
            review_due_on=review if review < expiry else None,
            expires_on=expiry,
            authority="聊城市应急管理局",
            post=post,
            recorded_by=principal,
        )
        certificate.save()
        created += 1
    services.declare(principal, home.pk, "1.2", 2, "配电室值班、电气设备检修")
    services.declare(principal, home.pk, "2.1", 1, "设备维修焊接")
    return {"certificates": created, "gaps": len(services.gaps(home, today))}
