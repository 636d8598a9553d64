"""Counts over a scoped set of reports (the bureau's statistics, an enterprise's summary): how
many, how many verified (and their share of those decided), rewards proposed and paid."""

from decimal import Decimal

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce

from rewards.models import ReportState, RewardState

ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=12, decimal_places=2))


def _aggregates():
    return {
        "reports": Count("pk"),
        "verified": Count("pk", filter=Q(state=ReportState.VERIFIED)),
        "not_verified": Count("pk", filter=Q(state=ReportState.NOT_VERIFIED)),
        "outside": Count("pk", filter=Q(within_duty=False)),
        "paid": Coalesce(Sum("reward__amount", filter=Q(reward__state=RewardState.PAID)), ZERO),
        "pending_rewards": Count(
            "reward", filter=Q(reward__state__in=[RewardState.PROPOSED, RewardState.APPROVED])
        ),
    }


def _share(row: dict) -> dict:
    decided = row["verified"] + row["not_verified"]
    row["verified_share"] = round(100 * row["verified"] / decided) if decided else None
    return row


def summary(reports) -> dict:
    return _share(reports.order_by().aggregate(**_aggregates()))


def by_town(reports) -> list[dict]:
    rows = (
        reports.order_by()
        .values("enterprise__jurisdiction_id", "enterprise__jurisdiction__name")
        .annotate(enterprises=Count("enterprise", distinct=True), **_aggregates())
        .order_by("enterprise__jurisdiction__sort_order", "enterprise__jurisdiction__name")
    )
    return [_share(row) for row in rows]


def by_enterprise(reports) -> list[dict]:
    rows = (
        reports.order_by()
        .values("enterprise_id", "enterprise__name", "enterprise__jurisdiction__name")
        .annotate(**_aggregates())
        .order_by("-reports", "enterprise__name")
    )
    return [_share(row) for row in rows]
