# The two commands a newcomer needs: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Where lint keeps its caches; two runs at once (.ci/run: SQLite and PostgreSQL) use two.
CACHE_DIR ?= var

MQTT_PORT ?= 1883
MOSQUITTO := $(shell command -v mosquitto || ls /usr/sbin/mosquitto 2>/dev/null)

.PHONY: setup run test lint pytest browser-deps broker-deps deploy-deps fonts bench bench-ingest \
	scaleout scaleout-deps clean

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
run: setup fonts
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py load_demo
	@echo "安监平台已启动：http://$(HOST):$(PORT)/  （Ctrl+C 停止）"
	@# The task worker (notifications, deadline reminders, the monitoring sweeps) and the demo's
	@# monitoring simulator (live readings and incidents of the demo enterprises) run beside the
	@# web server and stop with it. With Mosquitto installed, so do the broker (the shipped
	@# deploy/mosquitto.conf, unless a broker already listens on MQTT_PORT) and an MQTT ingest
	@# worker; without it, telemetry comes over HTTP only.
	$(PY) manage.py run_huey --quiet & worker=$$!; \
	$(PY) manage.py simulate_monitoring & simulator=$$!; \
	broker=; ingest=; \
	if [ -n "$(MOSQUITTO)" ]; then \
		if (echo > /dev/tcp/127.0.0.1/$(MQTT_PORT)) 2>/dev/null; then \
			echo "MQTT：127.0.0.1:$(MQTT_PORT) 已有消息服务器，直接使用（其配置应含 deploy/mosquitto.conf 的设置）"; \
		else \
			mkdir -p var/mosquitto; \
			sed 's/^listener 1883 /listener $(MQTT_PORT) /' deploy/mosquitto.conf > var/mosquitto/mosquitto.conf; \
			echo "user $$(id -un)" >> var/mosquitto/mosquitto.conf; \
			$(MOSQUITTO) -c var/mosquitto/mosquitto.conf 2>>var/mosquitto/mosquitto.log & broker=$$!; \
			sleep 0.5; \
		fi; \
		MQTT_PORT=$(MQTT_PORT) $(PY) manage.py ingest_mqtt --client-id anjian-ingest-make-run & ingest=$$!; \
	else \
		echo "未安装 mosquitto：不启动 MQTT 接入（HTTP 上报不受影响；make broker-deps 可安装）"; \
	fi; \
	trap 'kill $$worker $$simulator $$ingest 2>/dev/null; sleep 1; kill $$broker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/gunicorn anjian.wsgi --bind $(HOST):$(PORT) --workers 2 --threads 16 \
		--access-logfile - --error-logfile -

# A CJK font for the Chinese labels of the charts drawn on the server (targets/charts.py, the
# reports' Word files): installed where root or sudo is at hand; without one the charts are
# drawn with ASCII labels, nothing fails.
fonts:
	@if ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
		if [ "$$(id -u)" = 0 ]; then SUDO=; \
		elif sudo -n true 2>/dev/null; then SUDO=sudo; \
		else echo "未安装中文字体（fonts-noto-cjk）：报告图表将使用英文标签"; exit 0; fi; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
			fonts-noto-cjk >/dev/null || echo "字体安装失败：报告图表将使用英文标签"; \
	fi

# Debian's Chromium and its driver drive the browser tests; CJK fonts make screenshots legible.
browser-deps:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
			chromium chromium-driver fonts-noto-cjk >/dev/null; \
	fi

# The tests start their own Mosquitto (2.x) with deploy/mosquitto.conf.
broker-deps:
	@if [ -z "$(MOSQUITTO)" ]; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
			mosquitto >/dev/null; \
	fi

# Debian's nginx (and openssl) and systemd's systemd-analyze: core/tests/test_deploy.py checks
# deploy/nginx/anjian.conf with `nginx -t` behind a throw-away certificate and the units with
# `systemd-analyze verify` (no running systemd needed).
deploy-deps:
	@if { ! command -v nginx && [ ! -x /usr/sbin/nginx ]; } >/dev/null || \
		! command -v openssl >/dev/null || ! command -v systemd-analyze >/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
			nginx openssl systemd >/dev/null; \
	fi

# The scale-out test starts its own nginx, Redis and Mosquitto (Debian's) on free ports.
scaleout-deps: deploy-deps broker-deps
	@if ! command -v redis-server >/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
			redis-server >/dev/null; \
	fi

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-logo --cache-dir $(CACHE_DIR)/import_linter_cache
	$(VENV)/bin/mypy --cache-dir $(CACHE_DIR)/mypy_cache
	$(PY) manage.py makemigrations --check --dry-run

pytest: setup browser-deps broker-deps deploy-deps
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

## make scaleout: nginx, two app servers, two gateway servers, Redis and two task workers,
## Mosquitto and two ingest workers on 127.0.0.1; traffic, four processes killed mid-run, checks
## (see README.md);
## DATABASE_URL names the PostgreSQL server, SCALEOUT_ARGS="--duration 60" passes options
scaleout: setup scaleout-deps
	$(PY) deploy/scaleout/run.py $(SCALEOUT_ARGS)

clean:
	rm -rf $(VENV) node_modules var
