import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.roles import Role
from rewards import services

RULE = {
    "within_duty": "50",
    "outside_duty": "100",
    "major_within_duty": "500",
    "major_outside_duty": "1000",
}


def png(name="p.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def employee(users):
    return users[Role.EMPLOYEE]


@pytest.fixture
def officer(users):
    return users[Role.SAFETY_OFFICER]


@pytest.fixture
def principal(users):
    return users[Role.PRINCIPAL]


@pytest.fixture
def rule(officer, enterprise_a):
    return services.set_rule(officer, enterprise_a.pk, **RULE)


def employee_report(employee, enterprise, within=True, description="二号车间配电箱门未关闭"):
    return services.report_as_user(
        employee, enterprise.pk, description=description, place="二号车间", within_duty=within
    )
