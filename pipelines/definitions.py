"""The Dagster code location: ingestion assets, their quality checks, the dbt marts, the job,
the schedule and the sensor. `dagster dev -w workspace.yaml` and `parwatch run` load the same thing.

Paths come from the environment for the UI (PARWATCH_LANDING, PARWATCH_WAREHOUSE, defaults under
data/), and from the command line for `parwatch run`.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from assets.checks import quality_checks
from assets.ingestion import ingestion_assets
from assets.marts import dbt_resource, parwatch_dbt_assets
from pipelines.automation import build_landing_sensor, nightly_job, nightly_schedule
from pipelines.resources import Landing, Warehouse

REPO = Path(__file__).resolve().parent.parent
DEFAULT_LANDING = REPO / "data" / "landing"
DEFAULT_WAREHOUSE = REPO / "data" / "warehouse.duckdb"
DEMO_KEY_FILE = REPO / "data" / ".pii_key"


def run_config(as_of: str | None) -> dict:
    """Run config of the nightly job: the moment the marts describe (None: the latest export)."""
    return {"ops": {parwatch_dbt_assets.op.name: {"config": {"as_of": as_of}}}}


def build_definitions(landing: Path, warehouse: Path, demo_key_file: Path | None = None,
                      console: dg.LoggerDefinition | None = None) -> dg.Definitions:
    """The code location over one landing folder and warehouse; `console` replaces Dagster's
    console logger (the CLI's progress lines)."""
    return dg.Definitions(
        assets=[*ingestion_assets, parwatch_dbt_assets],
        asset_checks=quality_checks,
        jobs=[nightly_job],
        schedules=[nightly_schedule],
        sensors=[build_landing_sensor(str(landing))],
        resources={
            "landing": Landing(path=str(landing),
                               pii_key_file=str(demo_key_file) if demo_key_file else None),
            "warehouse": Warehouse(path=str(warehouse)),
            "dbt": dbt_resource,
        },
        loggers={"console": console} if console else None,
    )


defs = build_definitions(
    Path(os.environ.get("PARWATCH_LANDING", DEFAULT_LANDING)),
    Path(os.environ.get("PARWATCH_WAREHOUSE", DEFAULT_WAREHOUSE)),
    Path(os.environ["PARWATCH_PII_KEY_FILE"]) if os.environ.get("PARWATCH_PII_KEY_FILE") else None,
)
