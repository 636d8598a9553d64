"""What every API module shares: the error body and the integer range of a database column."""

from typing import Annotated

from ninja import Field, Schema
from ninja.conf import settings as ninja_settings
from ninja.pagination import LimitOffsetPagination

# A 64-bit signed integer, the widest integer column (bigint) a filter or an id is compared
# with: past it the database driver fails (a 500), so a larger number is a 422 ("数值过大").
Int64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]


class ErrorOut(Schema):
    """Every refusal: the Chinese reason, and where fields are at fault, what is wrong with
    each (a list of {field, message} for unreadable data, {field: [messages]} for a form)."""

    detail: str
    errors: dict[str, list[str]] | list[dict] | None = None


MAX_PAGE_SIZE = 500


class Pagination(LimitOffsetPagination):
    """limit and offset as ninja takes them, but bounded: a page holds at most MAX_PAGE_SIZE
    rows, and an offset past a 64-bit integer is a 422, not a database error (a 500)."""

    class Input(Schema):
        limit: int = Field(ninja_settings.PAGINATION_PER_PAGE, ge=1, le=MAX_PAGE_SIZE)
        offset: int = Field(0, ge=0, le=2**62)
