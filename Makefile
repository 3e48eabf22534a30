# `make run` and `make test` work as the first command on a fresh machine: each step prints one
# line, `run` installs only what serving needs, `test` adds the test tools.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check
RUNTIME := $(VENV)/.runtime-installed
TESTING := $(VENV)/.test-installed
# Other helpers may hold the dpkg lock for a while: wait for it rather than fail.
APT_GET := apt-get -o DPkg::Lock::Timeout=300
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: help run run-public test lint bench bench-compare mutate clean screenshots openapi

# The targets, each with the text after its `##`.
help: ## list these targets
	@echo "make TARGET, where TARGET is one of:"
	@awk -F ':.*## ' '/^[a-z-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(BIN)/python:
	@echo "creating $(VENV) with $(PYTHON)"
	@$(PYTHON) -m venv $(VENV)

$(RUNTIME): $(BIN)/python setup.cfg pyproject.toml
	@echo "installing runtime dependencies into $(VENV)"
	@$(PIP) install -e .
	@touch $@

$(TESTING): $(RUNTIME)
	@echo "installing test dependencies into $(VENV)"
	@$(PIP) install -e '.[test]'
	@touch $@

# Development: gunicorn alone on $(HOST):$(PORT), without the front door, believing no
# X-Forwarded-For (any process that reaches the port could name any client address).
run: $(RUNTIME) ## serve on HOST:PORT (127.0.0.1:8000) for development, gunicorn alone
	@echo "serving on http://$(HOST):$(PORT) for development (gunicorn alone, no front door;" \
		"no X-Forwarded-For believed); to face patients: make run-public"
	@TRUSTED_PROXY_HOPS=0 FORWARDED_ALLOW_IPS= APP_SOCKET= \
		$(BIN)/gunicorn -c config/gunicorn.conf.py 'app:create_app()'

# To face patients on one host: nginx (config/nginx) on $(HOST):$(PORT) in front of gunicorn on
# a Unix socket in $(RUN_DIR), started and stopped together (app/front_door.py).
RUN_DIR ?= var/run
export RUN_DIR
run-public: $(RUNTIME) ## serve patients: nginx on HOST:PORT in front of gunicorn
	@[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || \
		{ [ "$$(id -u)" = 0 ] && echo "installing nginx (apt-get)" && \
		{ $(APT_GET) install -y -qq nginx >/dev/null 2>&1 || \
		{ $(APT_GET) update -qq && $(APT_GET) install -y -qq nginx >/dev/null; }; }; } || \
		{ echo "make run-public needs nginx: apt-get install nginx"; exit 1; }
	@$(BIN)/python -m app.front_door

# Tools the tests use (command:Debian package): shellcheck, node for the scripted mongosh,
# the Chromium that tests/browser drives, and nginx for the front door.
TEST_TOOLS := shellcheck:shellcheck node:nodejs chromium:chromium nginx:nginx

test: $(TESTING) ## ruff and the whole test suite (installs what it needs)
	@for tool in $(TEST_TOOLS); do command -v $${tool%%:*} >/dev/null && continue; \
		if [ "$$(id -u)" = 0 ]; then echo "installing $${tool#*:} (apt-get)"; \
			$(APT_GET) install -y -qq $${tool#*:} >/dev/null 2>&1 || \
			{ $(APT_GET) update -qq && $(APT_GET) install -y -qq $${tool#*:} >/dev/null; } || \
			echo "could not install $${tool#*:}: the tests needing it are skipped"; \
		else echo "$${tool%%:*} missing and not root: the tests needing it are skipped"; fi; done
	@fc-list :lang=bn 2>/dev/null | grep -q . || [ "$$(id -u)" != 0 ] || \
		{ echo "installing fonts-noto-core (Bangla glyphs for the browser screenshots)"; \
		apt-get install -y -qq fonts-noto-core >/dev/null 2>&1 || \
		echo "could not install fonts-noto-core: Bangla screenshots show empty boxes"; }
	@echo "checking style (ruff)"
	@$(BIN)/ruff check .
	@echo "running the test suite (pytest)"
	@$(BIN)/python -m pytest

# The committed OpenAPI description, rebuilt from the code (make test fails while it is stale).
openapi: $(RUNTIME) ## rewrite docs/openapi.json from the code
	@$(BIN)/hospital-booking openapi write docs/openapi.json

lint: $(TESTING) ## ruff only
	@$(BIN)/ruff check .

# Refresh the screenshots of the README and docs/pages.md (every test run writes them to var/screenshots).
screenshots: $(TESTING) ## refresh docs/screenshots (browser tests)
	@echo "writing docs/screenshots (browser tests)"
	@SCREENSHOT_DIR=docs/screenshots $(BIN)/python -m pytest tests/browser -q

bench: $(TESTING) ## the benchmarks (about 2 minutes; bench/results.json)
	@command -v wrk >/dev/null || { echo "installing wrk (Debian package)"; \
		apt-get install -y -qq wrk >/dev/null 2>&1 || \
		{ apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; } || \
		echo "make bench needs wrk: apt-get install -y wrk"
	@echo "running the benchmarks (about 2 minutes)"
	@$(BIN)/python -m bench.run
	@echo "measuring the SQLite write gate against the busy handler alone (about 30 s)"
	@$(BIN)/python -m bench.write_gate

# This tree's server against REF's, scenario by scenario in alternation (about 3 minutes).
REF ?= HEAD~1
bench-compare: $(TESTING) ## this tree against REF (default HEAD~1), about 3 minutes
	@command -v wrk >/dev/null || echo "make bench-compare needs wrk: apt-get install -y wrk"
	@echo "comparing this tree with $(REF) (bench/compare.json)"
	@$(BIN)/python -m bench.compare --ref $(REF)

# Mutation testing (not part of `make test`): incremental, results cached in mutants/.
MUTMUT := $(VENV)/.mutmut-installed
MUTATE_CHILDREN ?= 2
$(MUTMUT): $(TESTING)
	@echo "installing mutmut"
	@$(PIP) install 'mutmut==3.8.1'
	@touch $@

# RECHECK=1 also runs again the survivors of earlier runs (mutmut keeps cached verdicts, and
# a new test does not reopen them).
# mutmut copies a source file into mutants/ only when it is missing there: the copies (not the
# *.meta verdicts, kept per function hash) are removed first, so every run tests today's code.
mutate: $(MUTMUT) ## mutation testing (about 30 min; bench/mutation-report.md)
	@echo "mutation testing app/domain, app/service, app/storage (about 30 min on 2 cores)"
	@[ ! -d mutants/app ] || find mutants/app -type f ! -name '*.meta' -delete
	@$(BIN)/mutmut run --max-children $(MUTATE_CHILDREN)
	@[ -z "$(RECHECK)" ] || { survivors="$$($(BIN)/python -m bench.mutation --survivors)"; \
		[ -z "$$survivors" ] || $(BIN)/mutmut run --max-children $(MUTATE_CHILDREN) $$survivors; }
	@$(BIN)/python -m bench.mutation

clean: ## remove .venv, var, mutants and caches
	rm -rf $(VENV) var mutants .pytest_cache .ruff_cache
