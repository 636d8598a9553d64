from accounts.roles import Role
from certificates import demo, services
from certificates.models import Certificate
from enterprises.models import Enterprise


def test_the_demo_and_a_second_run(users, enterprise_a, enterprise_a2, enterprise_b):
    principal = users[Role.PRINCIPAL]
    made = demo.load(principal, Enterprise.objects.all())
    assert made["certificates"] == 5 and made["gaps"] == 1
    assert all(services.id_number_problem(c.id_number) is None for c in Certificate.objects.all())
    again = demo.load(principal, Enterprise.objects.all())
    assert again["certificates"] == 0
    assert Certificate.objects.count() == 5
