# ParWatch front door. `make demo` and `make test` work on a fresh clone with only Python 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
export DAGSTER_HOME := $(CURDIR)/dagster_home

.PHONY: install demo test dev docs bench lock clean dbt-manifest system-packages

# The virtualenv, from the pinned lock file (requirements.lock, made by `make lock`).
$(INSTALLED): requirements.lock pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "ParWatch needs Python 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	$(MAKE) --no-print-directory dbt-manifest
	touch $@

install: $(INSTALLED)

dbt-manifest:  ## parse the dbt project once, as dagster-dbt recommends for deployments
	PATH=$(CURDIR)/$(BIN):$$PATH PYTHONPATH=$(CURDIR) $(BIN)/dagster-dbt project prepare-and-package --file assets/dbt/assets.py

demo: install  ## generate a sample province and run the whole pipeline on it
	$(BIN)/parwatch demo --data data

# Debian packages the tests drive for real (a browser, an SSH server...), one per line in
# system-packages.txt; installed with apt-get when missing (CI and developers run as root).
system-packages:
	@missing=$$(grep -v '^#' system-packages.txt | while read -r p; do [ -z "$$p" ] || dpkg -s "$$p" >/dev/null 2>&1 || echo "$$p"; done); \
	if [ -n "$$missing" ]; then echo "installing: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; fi

test: install system-packages  ## the whole test suite
	$(BIN)/python -m pytest -n 2 --dist loadfile

dev: install  ## the Dagster UI on the same definitions (http://localhost:3000)
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
