"""What the enforcement pages share: one object of a scoped queryset or 404, and a page of a
list."""

from django.core.paginator import Paginator
from django.http import Http404

PAGE_SIZE = 50


def get_or_404(queryset, pk):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def paginate(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
