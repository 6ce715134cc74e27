# Two commands take a fresh Debian machine to a result:
#   make demo   sample portfolio -> QBR, success-map and finance reports in ./demo-output
#   make test   the whole test suite (unit, reference, property, LibreOffice, PDF text)
#   make dist   the wheel and the sdist in ./dist (what a user installs: docs/excel.md)
# Both install what is missing first: Debian packages when run as root (otherwise they
# print the exact apt-get command), then this package into ./.venv.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= demo-output

.PHONY: demo test lint bench system-deps install clean templates dist

system-deps:
	@sh .ci/system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: system-deps $(VENV)/.installed

demo: install
	$(BIN)/cs-reports demo --out $(OUT)

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check cs_reports tests benchmarks
	$(BIN)/ruff format --check cs_reports tests benchmarks
	$(BIN)/mypy

bench: install
	$(BIN)/python -m benchmarks

dist: install
	rm -rf dist
	$(BIN)/hatchling build -d dist

templates: install
	$(BIN)/python workbook_templates/build_templates.py

clean:
	rm -rf $(VENV) $(OUT) build dist .pytest_cache .mypy_cache .ruff_cache
