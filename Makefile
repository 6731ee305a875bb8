# Co-produce: `make run` serves the portal with demo data; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install assets run test lint stop clean demo-code chromium bench

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/dist/.built: node_modules/.installed $(wildcard static/src/*)
	npm run --silent build
	touch $@

install: $(VENV)/.installed static/dist/.built

assets: static/dist/.built

# The portal, a Celery worker and its scheduler (beat); Ctrl-C stops all of them.
run: export DEBUG := true
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "Co-produce: http://$(HOST):$(PORT)/  (Ctrl-C stops the portal and its worker)"
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/celery -A coproduce worker --beat --loglevel=INFO --pool=solo & \
	$(BIN)/python manage.py runserver $(HOST):$(PORT); wait

# The two-factor code the demo facilitator and manager need right now.
demo-code: export DEBUG := true
demo-code: $(VENV)/.installed
	@$(BIN)/python manage.py demo_code

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

# The browser tests drive Debian's chromium: installed when the machine allows it (root
# with apt-get), else the one command to run is printed. First, so a missing one stops at once.
chromium:
	@bin/ensure-chromium

test: chromium install lint
	$(BIN)/python -m pytest

# Casting votes over HTTP, the portal beside a bare Django view (bench/README.md): a few
# minutes, on DATABASE_URL's server or the embedded PostgreSQL; it drops what it made.
bench: $(VENV)/.installed
	$(BIN)/python -m bench.bench_cast $(BENCH_ARGS)

# Stop the embedded PostgreSQL (it keeps running between commands on purpose).
stop:
	@test -x $(BIN)/python && $(BIN)/python -m coproduce.embedded_db stop || true

clean: stop
	rm -rf var staticfiles static/dist node_modules
