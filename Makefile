# Two commands for a newcomer: `make run` (install, migrate, seed the demo, serve) and
# `make test` (the whole suite). Everything else here is what they are made of.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMPS := .make
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint install system-deps test-system-deps python-deps frontend migrate seed clean

run: install migrate seed
	@echo "Serving on http://$(HOST):$(PORT)/ (demo sign-in: http://$(HOST):$(PORT)/demo/sign-in)"
	VAWG_ENV=development $(BIN)/python -m vawg_group.devserver --host $(HOST) --port $(PORT)

# The tests run in parallel (pytest-xdist), a worker per core; `make test TEST_WORKERS=0` runs
# them in one process. Work-stealing: a worker that finishes early takes tests queued for a busy
# one, so a few minute-long tests (the browser journeys) do not leave a core idle at the end.
# The 20 slowest are listed at the end. docs/testing.md says more.
TEST_WORKERS ?= auto
test: install test-system-deps
	VAWG_ENV=test $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal --durations=20 $(PYTEST_ARGS)

# House style (ruff lint and format) and the layers (import-linter): pyproject.toml has both.
lint: python-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

install: system-deps python-deps frontend

system-deps: $(STAMPS)/system-deps
$(STAMPS)/system-deps: scripts/install-system-deps.sh
	@mkdir -p $(STAMPS)
	bash scripts/install-system-deps.sh
	@touch $@

# The browser tests drive Debian's Chromium (never a browser Playwright downloads); the
# deployment files' tests use nginx and systemd's checkers (tests/ops/test_deploy_files.py).
test-system-deps: $(STAMPS)/test-system-deps
$(STAMPS)/test-system-deps: scripts/install-system-deps.sh
	@mkdir -p $(STAMPS)
	bash scripts/install-system-deps.sh chromium --test-tools
	@touch $@

python-deps: $(STAMPS)/python-deps
$(STAMPS)/python-deps: pyproject.toml | system-deps
	@mkdir -p $(STAMPS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

frontend: vawg_group/static/dist/app.css
node_modules/.package-lock.json: package.json package-lock.json | system-deps
	npm ci --no-audit --no-fund --loglevel=error
vawg_group/static/dist/app.css: node_modules/.package-lock.json assets/build.mjs $(wildcard assets/scss/*.scss)
	npm run --silent build

migrate: python-deps
	VAWG_ENV=development $(BIN)/flask --app vawg_group db-upgrade

seed: migrate
	VAWG_ENV=development $(BIN)/flask --app vawg_group seed-demo

clean:
	rm -rf $(STAMPS) node_modules vawg_group/static/dist instance/vawg_group.sqlite*
