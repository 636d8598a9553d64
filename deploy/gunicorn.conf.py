"""gunicorn's settings for an Anjian app server (deploy/systemd/anjian-web@.service passes the
port as --bind). Workers and threads come from the environment file; many threads per worker
let HTTP telemetry be stored in larger batches (README "Monitoring", group commit).

With LOG_FORMAT=json gunicorn's own messages are JSON lines too, and its access log stays off:
the app writes one line per request with its request id, user, status and duration
(LOG_REQUESTS, core/ops.py)."""

import os

workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "16"))
worker_class = "gthread"
# A request longer than this is killed with its worker (exports of a whole county stay under it).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
# On SIGTERM (systemctl stop/restart) requests in flight get this long to finish.
graceful_timeout = 30
keepalive = 5
# nginx is on the same host; only it may say the request came over HTTPS.
forwarded_allow_ips = "127.0.0.1"
accesslog = None
# gunicorn's control socket defaults to one path in the user's home: two instances on a host
# would share it. systemd starts, stops and reloads the instances instead.
control_socket_disable = True
errorlog = "-"
capture_output = True

if os.environ.get("LOG_FORMAT") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(levelname)s %(name)s %(message)s",
                "rename_fields": {"levelname": "level", "name": "logger"},
                "timestamp": "time",
                "json_ensure_ascii": False,
            }
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
            # The app writes the request lines (with their ids); this would repeat each one.
            "gunicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
