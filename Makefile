# Two commands set everything up: `make demo` and `make test`. Both create .venv, install the
# package with its development tools, and make sure the system libraries WeasyPrint and the
# signature checks need are present.

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	&& { command -v $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?=
PYTEST_ARGS ?=

.PHONY: demo test lint typecheck wheel-check system-deps clean

demo: $(STAMP)
	$(BIN)/scorecard demo $(if $(DEMO_DIR),--dir "$(DEMO_DIR)")

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy --strict scorecard

wheel-check: $(STAMP)
	PYTHON="$(BIN)/python" scripts/wheel-check.sh

system-deps:
	@scripts/system-deps.sh

$(STAMP): pyproject.toml scripts/system-deps.sh
	@if [ -z "$(PYTHON)" ]; then echo "error: scorecard needs Python 3.11 or newer (none found on PATH)" >&2; exit 1; fi
	@scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

clean:
	rm -rf $(VENV) dist build .pytest_cache .mypy_cache .ruff_cache .hypothesis
