# ImpactDir: `make run` serves the demo directory, `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
BENCH_PROVIDERS ?= 100000
# The growth table of `make bench`: one database per size, seeded once (empty: no table).
BENCH_SIZES ?= 10000,30000,100000,300000

# Find a Python >= 3.12: $PYTHON, then python3.14/3.13/3.12 (each actually run,
# since a pyenv shim can exist and fail), then pyenv's installed versions.
define find_python
for c in "$$PYTHON" python3.14 python3.13 python3.12 \
    $$(command -v pyenv >/dev/null 2>&1 && ls -d "$$(pyenv root)"/versions/3.1[2-4]*/bin/python3 2>/dev/null | sort -rV); do \
  [ -n "$$c" ] || continue; \
  if "$$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then echo "$$c"; exit 0; fi; \
done; exit 1
endef

.PHONY: help venv run test lint format bench bench-growth soak clean

help:
	@echo "make run    - install, migrate, load demo data and serve http://$(HOST):$(PORT) on SQLite"
	@echo "make test   - lint and run the whole test suite (PostgreSQL when DATABASE_URL is set)"
	@echo "make lint   - ruff check and ruff format --check"
	@echo "make bench  - generate $(BENCH_PROVIDERS) providers into PostgreSQL and measure search; then the growth table ($(BENCH_SIZES))"
	@echo "make bench-growth - only the growth table (one database per size, seeded once)"
	@echo "make soak   - 64 connections for 60 s, then PostgreSQL stopped 10 s and a worker killed under load"

$(STAMP): requirements.txt
	@py=$$($(find_python)) || { echo "ImpactDir needs Python 3.12 or newer. None was found: tried \$$PYTHON, python3.14, python3.13, python3.12 and pyenv's versions/3.12+. Install one, or set PYTHON=/path/to/python3.12+." >&2; exit 1; }; \
	if [ ! -x $(BIN)/python ] || ! $(BIN)/python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then \
	  echo "Creating $(VENV) with $$py"; rm -rf $(VENV); "$$py" -m venv $(VENV); fi
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@rm -f $(VENV)/.installed-*; touch $@

venv: $(STAMP)

run: $(STAMP)
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py seed_demo --providers 300 --if-empty
	DEBUG=1 $(BIN)/python manage.py demo_logins
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	@[ -n "$$DATABASE_URL" ] || { echo "make bench needs PostgreSQL: set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/impactdir_bench" >&2; exit 1; }
	$(BIN)/python bench/run.py --providers $(BENCH_PROVIDERS)
	@[ -z "$(BENCH_SIZES)" ] || $(BIN)/python bench/growth.py --sizes $(BENCH_SIZES)

# Only the growth table (databases <DATABASE_URL's name>_10k … are made once and reused).
bench-growth: $(STAMP)
	@[ -n "$$DATABASE_URL" ] || { echo "make bench-growth needs PostgreSQL: set DATABASE_URL" >&2; exit 1; }
	$(BIN)/python bench/growth.py --sizes $(BENCH_SIZES)

# Stops and starts the local PostgreSQL cluster DATABASE_URL's port belongs to.
# SOAK_ARGS passes options to bench/soak.py (e.g. --no-faults, --seconds 20).
soak: $(STAMP)
	@[ -n "$$DATABASE_URL" ] || { echo "make soak needs PostgreSQL on this machine: set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/impactdir_bench (its cluster is stopped for 10 s)" >&2; exit 1; }
	$(BIN)/python bench/soak.py --providers $(BENCH_PROVIDERS) $(SOAK_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
