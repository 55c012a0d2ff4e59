# Liaison: the two commands a newcomer needs.
#   make demo   run the embedded default (SQLite, in-process tasks) with demo data on 127.0.0.1:8000
#   make test   the full check against PostgreSQL + Redis, as CI runs it
#   make bench  every benchmark in bench/, one table, written to docs/benchmarks.md (BENCH_QUICK=1: scale 1)
# Both create .venv from requirements-dev.lock (= requirements.lock + test tools) the first
# time, and again whenever a lock changes.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# requirements-dev.lock = requirements.lock (production) + the test tools; both pin exact versions
# (no --hash: the hashes pip would record cover only the platforms this machine downloads).
LOCK := requirements-dev.lock
# The stamp is named after the lock's content, so a changed lock reinstalls and an
# unchanged one (even freshly checked out, with a new mtime) does not.
LOCK_SHA := $(shell cat requirements.lock $(LOCK) 2>/dev/null | sha256sum | cut -c1-16)
STAMP := $(VENV)/.installed-$(LOCK_SHA)

# Set on the command line only (make demo PORT=8001): a PORT or HOST in the shell is ignored.
HOST := 127.0.0.1
PORT := 8000
ARGS :=
TEST_DATABASE_URL := postgres://postgres@127.0.0.1:5432/liaison
TEST_REDIS_URL := redis://127.0.0.1:6379/0

.PHONY: help install demo test lock services prod-check restore-check bench

help:
	@echo "make demo   run Liaison on SQLite with demo data at http://$(HOST):$(PORT)/ (PORT=8001 to move it)"
	@echo "make test   check, makemigrations --check, ruff, pytest on PostgreSQL + Redis (ARGS='-k foo')"
	@echo "make prod-check  the production stack on loopback, smoke-tested through nginx"
	@echo "make restore-check  back up the demo data, restore it into a new database, compare (rows, report figures, media)"
	@echo "make lock   regenerate requirements.lock and requirements-dev.lock from .venv"
	@echo "make bench  every benchmark in bench/ at its scales, one table -> docs/benchmarks.md (BENCH_QUICK=1: scale 1 only)"

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "make: python3.11 not found" >&2; exit 1; }
	@echo "==> creating $(VENV) with $(PYTHON) ($$($(PYTHON) -V))"
	$(PYTHON) -m venv $(VENV)

$(STAMP): | $(BIN)/python
	@test -f requirements.lock -a -f $(LOCK) || { echo "make: requirements.lock or $(LOCK) is missing" >&2; exit 1; }
	@echo "==> installing $(LOCK) into $(VENV)"
	@# (sed drops this machine's noise about absent local index folders; pip's status is kept)
	@$(BIN)/python -m pip install --quiet --requirement $(LOCK) 2>&1 | sed '/is ignored: it is neither a file nor a directory/d'
	@$(BIN)/python -m pip check
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

# The embedded default: no DATABASE_URL/REDIS_URL/CELERY_* from the caller's environment.
# Two-factor sign-in is optional in the demo (its logins are for trying the site; it is required in production).
DEMO_ENV := env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL -u CELERY_RESULT_BACKEND \
	-u CELERY_TASK_ALWAYS_EAGER -u SQLITE_PATH DEBUG=1 TWO_FACTOR_REQUIRED=0

demo: install
	@if [ -f .env ] && grep -Eq '^[[:space:]]*(export[[:space:]]+)?(DATABASE_URL|REDIS_URL|CELERY_[A-Z_]+|SQLITE_PATH)=' .env; then \
		echo "make demo runs on the embedded SQLite default, but .env sets DATABASE_URL/REDIS_URL/CELERY_*/SQLITE_PATH." >&2; \
		echo "Move .env aside, or start the server yourself: $(BIN)/python manage.py runserver" >&2; \
		exit 1; \
	fi
	@echo "==> manage.py migrate (embedded default: SQLite file db.sqlite3, tasks in-process)"
	@$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	@echo "==> manage.py seed_demo"
	@$(DEMO_ENV) $(BIN)/python manage.py seed_demo
	@echo
	@echo "==> Liaison demo: open http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/; the logins are above; Ctrl-C stops)"
	@echo
	@$(DEMO_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

services:
	@scripts/ensure-services.sh

# DATABASE_URL and REDIS_URL from the caller's environment win over the defaults.
test: install
	@export DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" REDIS_URL="$${REDIS_URL:-$(TEST_REDIS_URL)}"; \
	scripts/ensure-services.sh; \
	scripts/ensure-browser.sh; \
	echo "==> DATABASE_URL=$$DATABASE_URL REDIS_URL=$$REDIS_URL" | sed -E 's#//([^:/@ ]*):[^@/ ]*@#//\1:***@#g'; \
	set -x; \
	$(BIN)/python manage.py check; \
	$(BIN)/python manage.py makemigrations --check --dry-run; \
	$(BIN)/ruff check .; \
	$(BIN)/ruff format --check .; \
	$(BIN)/pytest --create-db $(ARGS); \
	BIN=$(BIN) scripts/prod-check.sh; \
	BIN=$(BIN) scripts/restore-check.sh

# The production stack on loopback (nginx + gunicorn + worker + beat on PostgreSQL and
# Redis), smoke-tested through nginx and stopped; `make test` ends with it.
prod-check: install
	@BIN=$(BIN) scripts/prod-check.sh

# A backup known to restore: seed_demo (scale 1) and media, scripts/backup.sh,
# scripts/restore.sh into a new database, migrate, then every table's row count, the city
# dashboard's figures and the media files compared; `make test` ends with it.
restore-check: install
	@BIN=$(BIN) scripts/restore-check.sh

# PostgreSQL on BENCH_PG (default postgres://postgres@127.0.0.1:5432); seeded databases
# $(BENCH_DB_PREFIX)_s1 / _s30 are built once and reused (see bench/run.py).
bench: install
	@scripts/ensure-services.sh
	@$(BIN)/python bench/run.py

lock: | $(BIN)/python
	@scripts/lock.sh
