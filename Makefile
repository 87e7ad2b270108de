# Quick start: `make serve` (preview the example review) and `make test` (every test).
# Both set everything up first; only python3 (3.11+) and make are needed.

VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1:8000
export NO_MKDOCS_2_WARNING := 1

.PHONY: setup serve build test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

serve: setup
	$(BIN)/mkdocs serve --dev-addr $(HOST)

build: setup
	$(BIN)/mkdocs build --strict

lint: setup
	$(BIN)/ruff check reviewgen tests benchmarks
	$(BIN)/ruff format --check reviewgen tests benchmarks
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf site .pytest_cache .mypy_cache .ruff_cache
