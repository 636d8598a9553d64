from datetime import timedelta

from django.utils import timezone

from accidents.models import AccidentCase, AccidentSource
from accounts.roles import Role
from enterprises.models import ProcessKind, SectorTag


def accident(recorder, *, tags=(), kinds=(), industry="machinery", **extra) -> AccidentCase:
    values = {
        "source": AccidentSource.EXTERNAL,
        "title": "某铸造企业熔炼炉爆炸事故",
        "occurred_at": timezone.now() - timedelta(days=10),
        "location": "江苏省某市",
        "industry": industry,
        "category": "machinery",
        "deaths": 1,
        "summary": "事故经过",
        "lessons": "吸取教训",
        "recorded_by": recorder,
    }
    values.update(extra)
    case = AccidentCase.objects.create(**values)
    case.sector_tags.set(SectorTag.objects.filter(code__in=tags))
    case.process_kinds.set(ProcessKind.objects.filter(code__in=kinds))
    return case


def bureau(users):
    return users[Role.SUPERVISOR]
