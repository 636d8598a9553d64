import datetime

import pytest

from accounts.roles import Role
from certificates.models import Certificate
from certificates.services import _ID_CHECK, _ID_WEIGHTS, default_dates

D = datetime.date
ISSUED = D(2022, 3, 1)


def make_id(serial: int) -> str:
    """A resident ID number with a correct check character."""
    body = f"37152619{80 + serial % 20:02d}0101{serial % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True))
    return body + _ID_CHECK[total % 11]


def make_certificate(enterprise, *, serial=1, operation="1.2", issued_on=ISSUED, **extra):
    review, expiry = default_dates(issued_on)
    values = {
        "enterprise": enterprise,
        "holder_name": f"持证人{serial}",
        "id_number": make_id(serial),
        "operation": operation,
        "number": f"T{serial:010d}",
        "issued_on": issued_on,
        "review_due_on": review,
        "expires_on": expiry,
        "authority": "聊城市应急管理局",
    }
    values.update(extra)
    certificate = Certificate(**values)
    certificate.save()
    return certificate


@pytest.fixture
def manager(users):
    return users[Role.SAFETY_OFFICER]
