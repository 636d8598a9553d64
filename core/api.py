"""/api/v1/notifications: the caller's own notifications (站内通知), as the inbox page shows them,
for a phone app or another client: list, unread count, mark one or all read. Another user's
notification is a 404, like anything out of scope."""

from datetime import datetime

from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from core import inbox
from core.api_schemas import Int64, Pagination

router = Router(tags=["站内通知"])


class NotificationOut(Schema):
    id: int
    kind: str = Field(description="所属业务（应用标识，如 hazards、monitoring）")
    kind_label: str
    title: str
    body: str
    link: str = Field(description="站内页面路径；无则为空")
    created_at: datetime
    read_at: datetime | None

    @staticmethod
    def resolve_link(obj):
        return inbox.safe_link(obj.link)


class NotificationFilters(Schema):
    kind: str = Field("", max_length=30, description="所属业务；空为全部")
    unread: bool = Field(False, description="只列未读")


class KindOut(Schema):
    kind: str
    label: str
    total: int
    unread: int


class UnreadOut(Schema):
    unread: int
    kinds: list[KindOut] = Field(description="各业务的通知数与未读数")


class MarkedOut(Schema):
    marked: int


class ReadAllFilter(Schema):
    kind: str = Field("", max_length=30, description="只把这一业务的标为已读；空为全部")


@router.get("", response=list[NotificationOut], summary="我的通知")
@paginate(Pagination)
def list_notifications(request, filters: Query[NotificationFilters]):
    return inbox.notifications(request.user, filters.kind, filters.unread)


@router.get("/unread", response=UnreadOut, summary="未读通知数")
def unread(request):
    return {"unread": inbox.unread_count(request.user), "kinds": inbox.kinds(request.user)}


@router.post("/{notification_id}/read", response=NotificationOut, summary="标为已读")
def mark_read(request, notification_id: Int64):
    return inbox.mark_read(request.user, notification_id)


@router.post("/read-all", response=MarkedOut, summary="全部标为已读")
def mark_all_read(request, filters: Query[ReadAllFilter]):
    return {"marked": inbox.mark_all_read(request.user, filters.kind)}
