# funnelwise: `make demo` and `make test` are all a fresh machine with Python 3.11+ needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WORKSPACE ?= demo.duckdb

.PHONY: demo test lint typecheck unit clean browser test-spark bench

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "funnelwise needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/funnelwise demo --workspace $(WORKSPACE)

test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

browser:
	sh scripts/setup-browser.sh

unit: $(STAMP) browser
	$(BIN)/python -m pytest -n auto --dist loadfile

test-spark: $(STAMP)
	sh scripts/setup-spark.sh
	$(BIN)/python -m pytest -m spark

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) demo.duckdb .pytest_cache .mypy_cache .ruff_cache
