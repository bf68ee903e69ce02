# The two entry points of the README. Each creates/refreshes .venv, then runs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint install bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/hourglass demo --output demo-model

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks conftest.py
	$(BIN)/python -m mypy

test: $(STAMP) lint
	$(BIN)/python -m pytest tests --doctest-modules src/hourglass -p no:cacheprovider -n auto --dist loadscope

bench: $(STAMP)
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev,bench]"
	$(BIN)/python benchmarks/nsl_kdd.py

clean:
	rm -rf $(VENV) demo-model build *.egg-info src/*.egg-info
