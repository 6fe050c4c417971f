# mixcast: `make demo` fits the bundled sample data; `make test` runs every test.
# Both create .venv/ and install mixcast with its dependencies on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test test-fast bench install clean browser postgres

# The install log goes to .venv/install.log and is shown only when the install fails, so
# that `make demo` prints mixcast's own output.
$(STAMP): pyproject.toml
	@echo "Setting up $(VENV) (first run: a few minutes; log in $(VENV)/install.log)"
	@$(PYTHON) -m venv $(VENV)
	@( $(BIN)/python -m pip install --quiet --upgrade pip && \
	   $(BIN)/python -m pip install --quiet -e ".[test]" ) > $(VENV)/install.log 2>&1 \
	   || { cat $(VENV)/install.log; exit 1; }
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	@$(BIN)/mixcast demo --out runs/demo

test: $(STAMP) browser postgres
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -n 2

test-fast: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -m "not slow"

bench: $(STAMP)
	$(BIN)/python bench/bench_fit.py

clean:
	rm -rf $(VENV) runs .pytest_cache .hypothesis

# Debian's headless chromium for the browser tests (no-op when /usr/bin/chromium exists).
browser:
	sh scripts/install-chromium.sh

# Debian's PostgreSQL for the registry tests (no-op when installed); the tests start and
# stop a throwaway cluster of their own on a free local port.
postgres:
	sh scripts/install-postgres.sh
