# Two commands set everything up: `make demo` and `make test`. Both create .venv, install the
# package with its development tools, and make sure the system libraries WeasyPrint and the
# signature checks need are present.

# The newest Python 3.11+ on PATH, as the real interpreter behind any pyenv shim. Each probe's
# stderr is discarded: a pyenv shim for a version that is not selected prints an error.
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3.11 python3; do \
	$$p -c 'import sys; sys.version_info >= (3, 11) and print("%d%03d" % sys.version_info[:2], sys.executable)' 2>/dev/null; \
	done | sort -rn | head -n 1 | cut -d' ' -f2-)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?=
PYTEST_ARGS ?=

.PHONY: demo test lint typecheck wheel-check system-deps clean python

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

python:
	@echo "$(PYTHON)"

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
