# The two commands a newcomer needs: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test lint pytest browser-deps bench bench-ingest clean

$(VENV)/.installed: requirements/base.txt requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements/dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.installed node_modules/.installed

## make run: set up, migrate, load the demo and serve http://127.0.0.1:8000 (SQLite by default)
run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py load_demo
	@echo "安监平台已启动：http://$(HOST):$(PORT)/  （Ctrl+C 停止）"
	@# The task worker (notifications, deadline reminders, the monitoring sweeps) and the demo's
	@# monitoring simulator (live readings and incidents of the demo enterprises) run beside the
	@# web server and stop with it.
	$(PY) manage.py run_huey --quiet & worker=$$!; \
	$(PY) manage.py simulate_monitoring & simulator=$$!; \
	trap 'kill $$worker $$simulator 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/gunicorn anjian.wsgi --bind $(HOST):$(PORT) --workers 2 --threads 4 \
		--access-logfile - --error-logfile -

# Debian's Chromium and its driver drive the browser tests; CJK fonts make screenshots legible.
browser-deps:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
			chromium chromium-driver fonts-noto-cjk >/dev/null; \
	fi

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

pytest: setup browser-deps
	$(VENV)/bin/pytest $(PYTEST_ARGS)

## make test: set up and run the whole suite (lint, migrations check, tests); DATABASE_URL picks the database
test: lint pytest

## make bench: the province-scale benchmark (see README.md); DATABASE_URL picks the database
bench: setup
	$(PY) manage.py bench $(BENCH_ARGS)

## make bench-ingest: the ingestion benchmark (see README.md); DATABASE_URL picks the database,
## BENCH_ARGS="--duration 600" makes it the 10-minute memory run
bench-ingest: setup
	$(PY) manage.py bench_ingest $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules var
