"""One paginator for the long lists (the enterprise registry, the hazard ledger)."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

# How far a search's count goes: "1,000+ 条" beyond.
SEARCH_COUNT_LIMIT = 1000


class IdFirstPaginator(Paginator):
    """Paginator's pages, read in two steps (`manage.py bench`: 100,000 enterprises, 1,000,000
    hazards): first the page's ids, which the list indexes answer alone, order and offset
    included; then the rows of those ids, in the list's order.

    The first page reads up to `first_ids` ids (FIRST_IDS unless given): fewer means that is all
    of them, so their number is the count and a narrow filter or a search that finds a few hundred
    rows costs no COUNT query. Other pages count first, as Paginator does.

    Reading far past the page has a price where a wide scope walks an order index that lacks a
    filtered column: every row walked, matching or not, is read from the table. Such a list reads
    fewer (`first_ids`): the hazard ledger's search for a term in 1% of a million hazards walked
    100,000 rows for its first 1,000 ids."""

    FIRST_IDS = 1000

    def __init__(self, *args, first_ids=None, count_limit=None, **kwargs):
        """`count_limit`: count no further than this (a search: counting every match of a
        common term reads them all); more is shown as "1,000+" (`count_label`)."""
        super().__init__(*args, **kwargs)
        if first_ids is not None:
            self.FIRST_IDS = first_ids
        self.count_limit = count_limit

    @cached_property
    def count(self):
        if self.count_limit is None:
            return Paginator.count.func(self)
        # Unordered, so that the database stops at whichever matches it meets first.
        return self.object_list.order_by()[: self.count_limit + 1].count()

    @property
    def capped(self) -> bool:
        return self.count_limit is not None and self.count > self.count_limit

    @property
    def count_label(self) -> str:
        return f"{self.count_limit:,}+" if self.capped else str(self.count)

    def get_page(self, number):
        try:
            first = int(number) == 1
        except (TypeError, ValueError):
            first = True  # Paginator.get_page shows page 1 for a missing or malformed number
        if not first:
            return super().get_page(number)
        ids = list(self.object_list.values_list("pk", flat=True)[: self.FIRST_IDS])
        if len(ids) < self.FIRST_IDS:
            self.count = len(ids)
        return self._get_page(self._rows(ids[: self.per_page]), 1, self)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = self.object_list.values_list("pk", flat=True)[bottom:top]
        return self._get_page(self._rows(list(ids)), number, self)

    def _rows(self, ids):
        # The rows by their ids alone: the list's filters chose the ids already, and repeated
        # beside them (a search's subqueries) they could lead the planner to walk the list again.
        listed = self.object_list
        rows = listed.model._default_manager.filter(pk__in=ids)
        rows.query.select_related = listed.query.select_related
        rows.query.deferred_loading = listed.query.deferred_loading
        rows = rows.prefetch_related(*listed._prefetch_related_lookups)
        return list(rows.order_by(*(listed.query.order_by or listed.model._meta.ordering)))
