"""The area a bureau user acts for."""

from core.errors import Refused
from core.models import Jurisdiction


def area_for(user) -> Jurisdiction:
    if not user.jurisdiction_id:
        raise Refused("只有监管部门人员可以进行此操作", 403)
    return user.jurisdiction
