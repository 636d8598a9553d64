"""The 岗位风险告知卡: a Word file of the post's risks, measures and emergency steps, for whoever
sees the register; another enterprise's is not found."""

import io

from django.urls import reverse
from docx import Document

from accounts.roles import Role
from conftest import client_for, make_user
from risks import services
from risks.tests.conftest import LEC_RED, make_register


def test_the_card_lists_the_post_risks_measures_and_steps(client, users, manager, enterprise_a):
    unit, _, risk = make_register(manager, enterprise_a, factors=LEC_RED, unit_kind="post")
    services.add_measure(
        manager,
        risk.pk,
        kind="ppe",
        description="穿戴隔热服",
        control_level="company",
        owner_name="王建国",
    )
    withdrawn = services.add_measure(
        manager,
        risk.pk,
        kind="training",
        description="旧培训",
        control_level="company",
        owner_name="李强",
    )
    services.withdraw_measure(manager, withdrawn.pk, reason="更新")
    client_for(client, users[Role.EMPLOYEE])
    response = client.get(reverse("risks:card", args=[unit.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for row in doc.tables[0].rows for c in row.cells)
    assert "铸造车间岗位风险告知卡" in text
    assert "重大风险（红色）" in text
    assert "立即停炉断电" in text
    assert "中频炉炉衬侵蚀" in cells and "穿戴隔热服（公司级 / 王建国）" in cells
    assert "旧培训" not in cells


def test_another_enterprise_card_is_not_found(client, manager, enterprise_a, enterprise_b):
    unit, _, _ = make_register(manager, enterprise_a)
    other = make_user("principal_b", Role.PRINCIPAL, enterprise=enterprise_b)
    client_for(client, other)
    assert client.get(reverse("risks:card", args=[unit.pk])).status_code == 404
