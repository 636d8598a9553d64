"""What every API module shares: the error body and the integer range of a database column."""

from typing import Annotated

from ninja import Field, Schema

# A 64-bit signed integer, the widest integer column (bigint) a filter or an id is compared
# with: past it the database driver fails (a 500), so a larger number is a 422 ("数值过大").
Int64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]


class ErrorOut(Schema):
    """Every refusal: the Chinese reason, and where fields are at fault, what is wrong with
    each (a list of {field, message} for unreadable data, {field: [messages]} for a form)."""

    detail: str
    errors: dict[str, list[str]] | list[dict] | None = None
