import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anjian.settings")
_full = get_wsgi_application()

# The gateways' endpoints skip the middleware (core.lean): a bearer token on every request.
from core.lean import LeanHandler, by_path  # noqa: E402
from monitoring.api import GATEWAY_PATHS  # noqa: E402

application = by_path(_full, LeanHandler(), GATEWAY_PATHS)

from core.long_running import tune_garbage_collection  # noqa: E402

tune_garbage_collection()
