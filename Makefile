# `make demo` and `make test` set everything up on a fresh Debian machine, then run.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.pep-installed

.PHONY: demo test setup system lint bench clean clients serve

demo: setup
	$(BIN)/pep demo -o output

# The web application on invented children (demo accounts printed), at http://127.0.0.1:8000/
serve: setup
	$(BIN)/pep serve --demo --store output/pep-store

test: setup clients
	$(BIN)/ruff check .
	$(BIN)/pep templates build --check
	$(BIN)/pep templates lint
	$(BIN)/pytest

setup: system $(STAMP)

system:
	@bash .ci/system-deps

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

# Real PDF clients the round-trip tests fill forms with: pdf.js (Firefox's engine) under Node 22.
CLIENTS := tests/clients/node_modules/.pep-installed
clients: $(CLIENTS)

$(CLIENTS): tests/clients/package.json tests/clients/package-lock.json
	npm ci --prefix tests/clients --no-audit --no-fund --loglevel=error
	touch $@

lint: setup
	$(BIN)/ruff check .

bench: setup
	for script in bench/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) output .pytest_cache .ruff_cache tests/clients/node_modules
