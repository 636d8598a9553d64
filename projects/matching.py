"""The equipment register against the catalogue of obsolete processes and equipment (seed task
4): an item in use whose name or process holds an entry's keyword (and whose model fits one of
the entry's model patterns, where it gives any) raises a general hazard in the ledger
(hazards.services.report_from_system, source 其他: the platform's own comparison) with the
entry's rectification deadline, naming the entry and its source. While that hazard is open, the
same item and entry raise no other; once it is closed or rejected, a later match raises a new
one. An entry not yet checked against the official text says so in the hazard, which the bureau
confirms or rejects as any hazard reported by others.

Matching runs when an item is saved or imported (projects.services) and, for every item of
every enterprise, when an entry of the catalogue is saved (projects.signals -> projects.tasks)."""

import operator
from datetime import timedelta
from fnmatch import fnmatchcase
from functools import reduce

from django.db.models import Q
from django.utils import timezone

from hazards import services as hazard_services
from hazards.models import OPEN_STATES
from hazards.states import Source
from projects.models import Equipment, EquipmentMatch, ObsoleteEntry

FOUND_BY = "淘汰落后工艺设备目录比对"
PLACE_MAX = 100  # hazards.Hazard.place
UNCONFIRMED_NOTE = "（该目录条目尚未与官方文本逐条核对，请监管部门核实后确认或不予确认）"


def entry_matches(entry: ObsoleteEntry, item: Equipment) -> bool:
    """Whether this item is what this entry names."""
    if not entry.active or not item.in_use:
        return False
    keywords = entry.keyword_list
    patterns = entry.pattern_list
    if not keywords and not patterns:
        return False
    text = f"{item.name} {item.process}".lower()
    if keywords and not any(k.lower() in text for k in keywords):
        return False
    if patterns:
        model = item.model.replace(" ", "").upper()
        return bool(model) and any(fnmatchcase(model, p.replace(" ", "").upper()) for p in patterns)
    return True


def describe(entry: ObsoleteEntry, item: Equipment) -> str:
    model = f"（型号 {item.model}）" if item.model else ""
    text = (
        f"在用{item.get_kind_display()}“{item.name}”{model}属于淘汰落后工艺设备目录所列"
        f"“{entry.name}”，依据：{entry.citation}。应按期淘汰或改造。"
    )
    return text + (UNCONFIRMED_NOTE if entry.unconfirmed else "")


def _open_pairs(items) -> set[tuple[int, int]]:
    return set(
        EquipmentMatch.objects.filter(
            equipment__in=[item.pk for item in items], hazard__state__in=OPEN_STATES
        ).values_list("equipment_id", "entry_id")
    )


def match_items(items, entries=None) -> list[EquipmentMatch]:
    """Match these items against the active entries (or `entries`); the new matches, each with
    its hazard. Call inside the transaction that saved the items."""
    items = [item for item in items if item.in_use]
    if not items:
        return []
    if entries is None:
        entries = list(ObsoleteEntry.objects.filter(active=True))
    already = _open_pairs(items)
    today = timezone.localdate()
    made = []
    for item in items:
        for entry in entries:
            if (item.pk, entry.pk) in already or not entry_matches(entry, item):
                continue
            hazard = hazard_services.report_from_system(
                item.enterprise,
                source=Source.OTHER,
                description=describe(entry, item),
                place=(item.process or item.name)[:PLACE_MAX],
                found_on=today,
                found_by=FOUND_BY,
                deadline=today + timedelta(days=entry.deadline_days),
                data={"obsolete_entry": entry.code, "equipment": item.pk},
            )
            made.append(EquipmentMatch.objects.create(equipment=item, entry=entry, hazard=hazard))
            already.add((item.pk, entry.pk))
    return made


def match_entry(entry: ObsoleteEntry, batch: int = 500) -> int:
    """Match one entry against every item in use of every enterprise (after the catalogue
    changed); how many new matches."""
    if not entry.active or not (entry.keyword_list or entry.pattern_list):
        return 0
    candidates = Equipment.objects.filter(in_use=True).select_related("enterprise")
    if entry.keyword_list:
        candidates = candidates.filter(
            reduce(
                operator.or_,
                (Q(name__icontains=k) | Q(process__icontains=k) for k in entry.keyword_list),
            )
        )
    made = 0
    last = 0
    while True:
        chunk = list(candidates.filter(pk__gt=last).order_by("pk")[:batch])
        if not chunk:
            return made
        made += len(match_items(chunk, [entry]))
        last = chunk[-1].pk
