# ParWatch front door. `make demo` and `make test` work on a fresh clone with only Python 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
export DAGSTER_HOME := $(CURDIR)/dagster_home

.PHONY: install demo test lint dev docs bench lock clean dbt-manifest system-packages

# The virtualenv, from the pinned lock file (requirements.lock, made by `make lock`).
$(INSTALLED): requirements.lock pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "ParWatch needs Python 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	$(MAKE) --no-print-directory dbt-manifest
	touch $@

install: $(INSTALLED)

dbt-manifest:  ## parse the dbt project once (importing the dbt assets parses it when its files changed)
	PATH=$(CURDIR)/$(BIN):$$PATH PYTHONPATH=$(CURDIR) $(BIN)/python -c 'import assets.dbt.assets'

demo: install dbt-manifest  ## generate a sample province and run the whole pipeline on it
	$(BIN)/parwatch demo --data data
	@echo ""
	@echo "Open the inspectors' dashboard: $(BIN)/parwatch serve --warehouse data/warehouse.duckdb  (then http://127.0.0.1:8501/)"

# Debian packages the tests drive for real (a browser, an SSH server...), one per line in
# system-packages.txt; installed with apt-get when missing (CI and developers run as root).
system-packages:
	@missing=$$(grep -v '^#' system-packages.txt | while read -r p; do [ -z "$$p" ] || dpkg -s "$$p" >/dev/null 2>&1 || echo "$$p"; done); \
	if [ -n "$$missing" ]; then echo "installing: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; fi

test: install system-packages lint dbt-manifest  ## the linters, then the whole test suite
	$(BIN)/python -m pytest -n 2 --dist loadfile

# Python: ruff (rules in pyproject.toml). SQL: sqlfluff with the dbt templater
# (dbt_project/.sqlfluff), which compiles the project against a scratch DuckDB file, never the warehouse.
lint: install  ## lint the Python and the dbt project's SQL
	$(BIN)/ruff check .
	scratch=$$(mktemp -d) && cd dbt_project && PARWATCH_WAREHOUSE=$$scratch/lint.duckdb \
	  DBT_TARGET_PATH=$$scratch/target DBT_LOG_PATH=$$scratch/logs ../$(BIN)/sqlfluff lint models --processes 2; \
	  status=$$?; rm -rf $$scratch; exit $$status

# The Dagster UI and the dashboard together; Ctrl-C stops both.
dev: install  ## the Dagster UI (http://localhost:3000) and the dashboard (http://127.0.0.1:8501)
	$(BIN)/parwatch serve --warehouse data/warehouse.duckdb & dashboard=$$!; \
	trap 'kill $$dashboard 2>/dev/null' EXIT INT TERM; \
	PATH=$(CURDIR)/$(BIN):$$PATH PARWATCH_PII_KEY_FILE=$(CURDIR)/data/.pii_key $(BIN)/dagster dev -w workspace.yaml

docs: install  ## the dbt docs site, in dbt_project/target/index.html
	PARWATCH_WAREHOUSE=$(CURDIR)/data/warehouse.duckdb $(BIN)/dbt docs generate --project-dir dbt_project --profiles-dir dbt_project
	@echo "open dbt_project/target/index.html, or: $(BIN)/dbt docs serve --project-dir dbt_project --profiles-dir dbt_project"

bench: install  ## the nightly run at province scale and the GX checks, against DuckDB doing the same
	$(BIN)/python benchmarks/province_scale.py
	$(BIN)/python benchmarks/gx_cost.py

lock:  ## re-pin requirements.lock from pyproject.toml (needs uv)
	uv pip compile pyproject.toml --extra test --python-version 3.11 -o requirements.lock

clean:
	rm -rf data dagster_home/storage dagster_home/history dagster_home/schedules dagster_home/logs
