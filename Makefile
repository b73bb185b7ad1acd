# The two commands: `make audit` and `make test`. Both create .venv/ when absent.
PYTHON ?= $(shell for p in python3.12 python3.11 python3; do \
	  command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(not ((3,11) <= sys.version_info[:2] < (3,13)))' 2>/dev/null && { echo $$p; break; }; done)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
AS_OF  ?= 2022-12-31
OUT    ?= out

.PHONY: audit test bench install clean browser

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "error: need Python 3.11 or 3.12 (durable_rules does not import on 3.13)" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

audit: $(STAMP)
	$(BIN)/auditor audit fixtures/shenyang-2022 --as-of $(AS_OF) --out $(OUT)

test: $(STAMP) browser
	$(BIN)/python -m pytest

# Headless Chromium for tests/output/test_browser.py, from the distribution's packages when absent (as root with
# apt-get); elsewhere the browser tests are skipped.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium for the browser tests (apt-get)"; \
	    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; } >/dev/null \
	      || echo "warning: could not install chromium; the browser tests will be skipped" >&2; \
	  else echo "note: no chromium and no root apt-get; the browser tests will be skipped" >&2; fi; }

# The performance benchmark (README, "Performance"): 100 districts, 1,000,000 class records, both engines.
bench: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	$(BIN)/python bench/run.py $(BENCH_ARGS)
	$(BIN)/python bench/check.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .hypothesis
