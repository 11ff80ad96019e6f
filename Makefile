# The two commands a newcomer types: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_ARGS ?=
# Re-install whenever pyproject.toml changes.
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install run test lint format bench bench-scale migrate demo worker

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput -v0

demo: migrate
	$(BIN)/python manage.py load_demo

run: demo
	$(BIN)/python manage.py collectstatic --noinput -v0
	PORT=$(PORT) BIN=$(BIN) scripts/serve

worker: install
	$(BIN)/celery -A csadmin worker --loglevel=info

test: install
	scripts/ensure-chromium
	$(BIN)/pytest $(PYTEST_ARGS)

# lint-imports checks the architecture's contracts ([tool.importlinter] in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo --no-cache

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Benchmarks on PostgreSQL (DATABASE_URL, default database csadmin_bench, recreated each run);
# BENCH_SCALE=tiny|small|medium|full or a number of services. BENCH_ARGS=--smoke for a quick run.
BENCH_ARGS ?=
bench: install
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# How the cost grows: the read, conversation, deep page, purge and export scenarios at two sizes
# (BENCH_SCALES, default 40000,1000000), each figure's ratio between them (bench/README.md).
bench-scale: install
	$(BIN)/python -m bench.scale $(BENCH_ARGS)
