"""Django without its middleware, for the machine endpoints that carry a bearer token on every
request (a monitoring gateway's telemetry): no session, CSRF, messages, locale, audit context,
lockout or page headers to build for each of thousands of small requests a second. The WSGI
application (anjian/wsgi.py) sends those paths here and every other one through the full stack.

What the full stack does that such an endpoint still needs is done here: the Host header is
checked against ALLOWED_HOSTS (CommonMiddleware's check), the request_started/finished signals
still open and close database connections, and an exception still becomes Django's response.
The ops middleware (core/ops.py: request id, request log, slow statements and errors) stays."""

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler


class LeanHandler(WSGIHandler):
    def load_middleware(self, is_async=False):
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        from core.ops import OpsMiddleware

        self._middleware_chain = convert_exception_to_response(
            OpsMiddleware(convert_exception_to_response(self._checked))
        )

    def _checked(self, request):
        request.get_host()  # DisallowedHost: a 400, as on every other path
        return self._get_response(request)  # type: ignore[attr-defined]


def by_path(full, lean, paths):
    """A WSGI application that hands the requests for `paths` (exact PATH_INFO) to `lean`."""
    paths = frozenset(paths)

    def application(environ, start_response):
        handler = lean if environ.get("PATH_INFO") in paths else full
        return handler(environ, start_response)

    return application
