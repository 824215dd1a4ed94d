# The targets CI runs are exactly these: `make test` (and `.ci/run` calls it).
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PG ?= postgres://postgres@127.0.0.1:5432

.PHONY: demo install install-dev test lint test-sqlite test-postgres bench bench-audit bench-crm bench-dsr openapi lock screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

## install: runtime dependencies from the lock file, and Lethe itself
install: $(BIN)/python
	$(BIN)/pip install -q -r requirements/base.lock
	$(BIN)/pip install -q --no-deps -e .

## demo: install, then run Lethe on SQLite in ./lethe-data with synthetic demo data
demo: install
	$(BIN)/lethe demo

## install-dev: runtime and development dependencies from the lock file
install-dev: $(BIN)/python
	$(BIN)/pip install -q -r requirements/dev.lock
	$(BIN)/pip install -q --no-deps -e .

## test: lint, then the whole suite on SQLite and on PostgreSQL
test: install-dev lint test-sqlite test-postgres

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test-sqlite:
	$(BIN)/pytest

test-postgres:
	LETHE_DATABASE_URL=$(PG)/lethe LETHE_KEYSTORE_URL=$(PG)/lethe_keystore $(BIN)/pytest

## bench: vault write/read rates against a plaintext sqlite3 baseline
bench: install-dev
	$(BIN)/python benchmarks/vault_bench.py

## bench-audit: audit log append rates and verify time against raw SHA-256 (SQLite and PostgreSQL)
bench-audit: install-dev
	$(BIN)/python benchmarks/audit_bench.py --db both

## bench-crm: contact import rate against plaintext sqlite3, activities, list and search latency
bench-crm: install-dev
	$(BIN)/python benchmarks/crm_bench.py

## bench-dsr: locate, access and portability exports, erasure per subject (SQLite and PostgreSQL)
bench-dsr: install-dev
	$(BIN)/python benchmarks/dsr_bench.py --db both

## openapi: refresh the committed OpenAPI document (tests compare against it)
openapi: install-dev
	LETHE_DATA_DIR=$$(mktemp -d) $(BIN)/python -c "import json, django, os; \
		os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'lethe.settings'); django.setup(); \
		from lethe.api import api; \
		print(json.dumps(api.get_openapi_schema(), indent=2, sort_keys=True))" > docs/api/openapi.json

## lock: re-resolve the lock files from pyproject.toml
lock: install-dev
	$(BIN)/pip-compile -q --strip-extras --no-emit-index-url --no-emit-find-links \
		-o requirements/base.lock pyproject.toml
	$(BIN)/pip-compile -q --strip-extras --no-emit-index-url --no-emit-find-links \
		--extra dev -o requirements/dev.lock pyproject.toml

## screenshots: run the browser tests and keep their screenshots under docs/screenshots
screenshots: install-dev
	LETHE_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q tests/browser
