# `make demo` and `make test` set everything up on a fresh Debian machine, then run.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.pep-installed

.PHONY: demo test setup system lint bench clean

demo: setup
	$(BIN)/pep demo -o output

test: setup
	$(BIN)/ruff check .
	$(BIN)/pytest

setup: system $(STAMP)

system:
	@bash .ci/system-deps

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

lint: setup
	$(BIN)/ruff check .

bench: setup
	for script in bench/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) output .pytest_cache .ruff_cache
