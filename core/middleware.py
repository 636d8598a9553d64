"""A query string is typed input too: a search box, a filter, a page number. What no stored text
may hold (core.inputs: control characters, NUL above all, which PostgreSQL refuses in any query)
is refused here once, before any view filters by it, as a 400 page or the API's 422."""

from django.http import JsonResponse
from django.shortcuts import render

from core.inputs import text_problem

QUERY_MESSAGE = "查询参数含有控制字符或无效字符，请修改后重试"


def query_problem(request) -> str | None:
    """The name of the first query parameter that cannot be used as text, or None."""
    for key, values in request.GET.lists():
        # Tab and line breaks are harmless in a filter (a value pasted from a spreadsheet).
        if any(text_problem(text, multiline=True) for text in (key, *values)):
            return key
    return None


class RefuseBadQueryStrings:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = query_problem(request)
        if key is None:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": QUERY_MESSAGE, "errors": [{"field": key, "message": QUERY_MESSAGE}]},
                status=422,
                json_dumps_params={"ensure_ascii": False},
            )
        return render(request, "400.html", {"reason": QUERY_MESSAGE}, status=400)
