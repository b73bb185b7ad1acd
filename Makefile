# The two commands: `make audit` and `make test`. Both create .venv/ when absent.
PYTHON ?= $(shell for p in python3.12 python3.11 python3; do \
	  command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(not ((3,11) <= sys.version_info[:2] < (3,13)))' 2>/dev/null && { echo $$p; break; }; done)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
AS_OF  ?= 2022-12-31
OUT    ?= out
DB     ?= history.sqlite
ROUNDS := fixtures/rounds
OLD    := $(ROUNDS)/policies-2019-2021
AUDIT   = $(BIN)/auditor audit

.PHONY: audit test bench install clean browser fonts

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "error: need Python 3.11 or 3.12 (durable_rules does not import on 3.13)" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

# The four supervision rounds (fixtures/rounds/ for 2019-2021, fixtures/shenyang-2022 for 2022) recorded in the
# audit history $(DB); the 2021 round twice (于洪区's corrected resubmission); the earlier rounds with the policies
# as they stood then. The earlier rounds' reports go to $(OUT)-rounds/, the latest round's to $(OUT)/. Running it
# again records nothing new (the same audits are not recorded twice).
audit: $(STAMP)
	$(AUDIT) $(ROUNDS)/2019 --as-of 2019-12-31 --policies $(OLD) --issued 2020-01-15 --rectify-days 90 --out $(OUT)-rounds/2019 --db $(DB)
	$(AUDIT) $(ROUNDS)/2020 --as-of 2020-12-31 --policies $(OLD) --issued 2021-01-15 --rectify-days 90 --out $(OUT)-rounds/2020 --db $(DB)
	$(AUDIT) $(ROUNDS)/2021 --as-of 2021-12-31 --policies $(OLD) --issued 2022-01-14 --rectify-days 365 --out $(OUT)-rounds/2021 --db $(DB)
	$(AUDIT) $(filter-out %/09-yh.yaml,$(sort $(wildcard $(ROUNDS)/2021/*.yaml))) $(ROUNDS)/2021-corrected/09-yh.yaml \
	  --as-of 2021-12-31 --policies $(OLD) --issued 2022-02-08 --rectify-days 340 --out $(OUT)-rounds/2021-corrected --db $(DB)
	$(AUDIT) fixtures/shenyang-2022 --as-of $(AS_OF) --issued 2023-01-16 --out $(OUT) --db $(DB)
	$(BIN)/auditor audits --db $(DB)

test: $(STAMP) browser
	$(BIN)/python -m pytest

# Headless Chromium for tests/output/test_browser.py, from the distribution's packages when absent (as root with
# apt-get); elsewhere the browser tests are skipped. Chinese fonts (fonts-noto-cjk) too, so that the pages are laid
# out and printed with real glyphs, as the office sees them.
browser: fonts
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium for the browser tests (apt-get)"; \
	    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; } >/dev/null \
	      || echo "warning: could not install chromium; the browser tests will be skipped" >&2; \
	  else echo "note: no chromium and no root apt-get; the browser tests will be skipped" >&2; fi; }

fonts:
	@{ command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh | grep -q .; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Chinese fonts for the browser tests (apt-get)"; \
	    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-noto-cjk; } >/dev/null \
	      || echo "warning: could not install fonts-noto-cjk; pages print with fallback glyphs" >&2; \
	  else echo "note: no Chinese fonts; pages print with fallback glyphs" >&2; fi; }

# The performance benchmark (README, "Performance"): by default the province scale (100 districts, 1,000,000 class
# records, both engines, each format's loader against its plain reader); make bench BENCH_ARGS="--scale national"
# for 2,900 districts and 3,500,000 classes (about half an hour).
bench: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	$(BIN)/python bench/run.py $(BENCH_ARGS)
	$(BIN)/python bench/check.py

# (the audit history $(DB) is kept: delete it yourself to start the history over)
clean:
	rm -rf $(VENV) $(OUT) $(OUT)-rounds .pytest_cache .hypothesis
