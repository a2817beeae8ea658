# The two commands of the README. Each does all of its own set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test check lint typecheck bench bench-quick bench-one-worker clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Serve on http://$(HOST):$(PORT) with SQLite in the working directory (migrates on start).
run: $(STAMP)
	SCIMDIR_WEBHOOK_WORKER=$${SCIMDIR_WEBHOOK_WORKER:-true} $(BIN)/scimdir serve --host $(HOST) --port $(PORT) --bootstrap

## The whole suite: lint, types, tests. The PostgreSQL tests run too when SCIMDIR_TEST_POSTGRES_URL
## names a database, or else when a server answers on 127.0.0.1:5432 to user postgres, the current
## user or scimdir/scimdir: they use (and create if missing) its database scimdir_test
## (tests/postgres_discovery.py). Otherwise they are skipped with the reason (a failure when CI is set).
test: $(STAMP) lint typecheck
	$(BIN)/python -m pytest -n auto --cov --cov-report=term

lint: $(STAMP)
	$(BIN)/ruff check
	$(BIN)/ruff format --check

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench.run

bench-quick: $(STAMP)
	$(BIN)/python -m bench.run --quick

bench-one-worker: $(STAMP)
	$(BIN)/python -m bench.run --workers 1

clean:
	rm -rf $(VENV) build dist src/*.egg-info .mypy_cache .ruff_cache .pytest_cache
