"""One paginator for the long lists (the enterprise registry, the hazard ledger)."""

from django.core.paginator import Paginator


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

    def __init__(self, *args, first_ids=None, **kwargs):
        super().__init__(*args, **kwargs)
        if first_ids is not None:
            self.FIRST_IDS = first_ids

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
        return list(self.object_list.filter(pk__in=ids))
