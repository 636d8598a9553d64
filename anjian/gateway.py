"""The gateways' HTTP server (monitoring.gateway_server), as an ASGI application for uvicorn:

    uvicorn anjian.gateway:application --host 127.0.0.1 --port 8011 --workers 2 \
        --loop uvloop --http httptools --no-access-log

deploy/systemd/anjian-gateway@.service runs it; nginx sends POST /api/v1/telemetry to it."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anjian.settings")
django.setup()

from core.long_running import tune_garbage_collection  # noqa: E402
from monitoring.gateway_server import GatewayServer  # noqa: E402

application = GatewayServer()

tune_garbage_collection()
