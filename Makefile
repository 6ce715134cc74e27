# Two commands take a fresh Debian machine to a result:
#   make demo   sample portfolio -> QBR, success-map and finance reports in ./demo-output
#   make test   the whole test suite (unit, reference, property, LibreOffice, PDF text), on every core
#   make test-fast  the edit-test loop: everything but the `slow` and `libreoffice` tests
#   make dist   the wheel and the sdist in ./dist (what a user installs: docs/excel.md)
# Both install what is missing first: Debian packages when run as root (otherwise they
# print the exact apt-get command), then this package into ./.venv.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= demo-output

.PHONY: demo test test-fast lint bench system-deps install clean templates dist

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

# Workers: one per core (-n auto); a test file stays on one worker (--dist loadfile), so its
# module fixtures (rendered reports, recalculated workbooks) are built once; the files with the most
# slow tests start first (tests/conftest.py; --no-loadscope-reorder keeps that order). TEST_WORKERS=0 runs serially.
TEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# Python writes its bytecode caches during the tests even where the environment turns them off
# (PYTHONDONTWRITEBYTECODE): the suite starts about a hundred Python processes (CLI runs, batch
# workers, LibreOffice's bridge), and each would compile the package from source again.
test test-fast: export PYTHONDONTWRITEBYTECODE :=

test: install
	$(PYTEST)

test-fast: install
	$(PYTEST) -m "not slow and not libreoffice"

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
