import io
import zipfile
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.roles import Role
from conftest import make_user
from projects import services
from projects.models import Equipment, EquipmentMatch, Project, ProjectEvent


def pdf(name="设计专篇.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n%test\n", content_type="application/pdf")


def png(name="验收.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def docx(name="诊断报告.docx"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return SimpleUploadedFile(name, buffer.getvalue())


def days_ago(n=1) -> date:
    return timezone.localdate() - timedelta(days=n)


def project_data(enterprise=None, **changes):
    data = {
        "name": "2号熔炼车间扩建项目",
        "kind": "expand",
        "is_metal_smelting": True,
        "description": "新增 5 吨中频感应电炉两台",
        "planned_start": date(2026, 3, 1),
        "planned_completion": date(2026, 12, 31),
    }
    if enterprise is not None:
        data["enterprise_id"] = enterprise.pk
    data.update(changes)
    return data


def snapshot():
    """Everything a refused request must leave alone."""
    return (
        list(Project.objects.order_by("pk").values()),
        list(ProjectEvent.objects.order_by("pk").values()),
        list(Equipment.objects.order_by("pk").values()),
        list(EquipmentMatch.objects.order_by("pk").values()),
    )


def has_chinese(text):
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def designed(user, project):
    return services.act(
        user, project.pk, "design", on=days_ago(30), document=pdf(), designer="山东冶金设计院"
    )


@pytest.fixture
def world(users, enterprise_a, enterprise_a2, enterprise_b, far_enterprise):
    """One project per enterprise: {"a", "a2", "b", "far"} → project."""
    admin = users[Role.COUNTY_ADMIN]
    far_admin = make_user("far_admin", Role.COUNTY_ADMIN, far_enterprise.jurisdiction.parent)
    return {
        "a": services.register(admin, project_data(enterprise_a, name="精工铸造熔炼车间扩建")),
        "a2": services.register(
            admin, project_data(enterprise_a2, name="鑫泰纺织仓库新建", is_metal_smelting=False)
        ),
        "b": services.register(admin, project_data(enterprise_b, name="清平木业车间改建")),
        "far": services.register(far_admin, project_data(far_enterprise, name="冠县远方项目")),
    }
