"""The Dagster code location: ingestion assets, their quality checks, the dbt marts, the publish
asset, the job, the schedule and the sensor. `dagster dev -w workspace.yaml` and `parwatch run`
load the same thing.

Paths come from the environment for the UI (PARWATCH_LANDING, PARWATCH_WAREHOUSE, defaults under
data/), and from the command line for `parwatch run`.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from assets.automation.jobs import nightly_job
from assets.automation.schedules import nightly_schedule
from assets.automation.sensors import build_landing_sensor
from assets.dbt.assets import dbt_resource, parwatch_dbt_assets
from assets.ingestion.assets import ingestion_assets
from assets.ingestion.checks import quality_checks
from assets.publish import publish
from assets.resources import Landing, WarehouseRun

REPO = Path(__file__).resolve().parent.parent
DEFAULT_LANDING = REPO / "data" / "landing"
DEFAULT_WAREHOUSE = REPO / "data" / "warehouse.duckdb"


def run_config(as_of: str | None, full_refresh: bool = False) -> dict:
    """Run config of the nightly job: the moment the marts describe (None: the latest export), and
    whether dbt rebuilds everything rather than the dossiers that changed."""
    return {"ops": {parwatch_dbt_assets.op.name: {"config": {"as_of": as_of, "full_refresh": full_refresh}}}}


def build_definitions(landing: Path, warehouse: Path, demo_key_file: Path | None = None,
                      console: dg.LoggerDefinition | None = None) -> dg.Definitions:
    """The code location over one landing folder and warehouse; `console` replaces Dagster's
    console logger (the CLI's progress lines)."""
    landing_resource = Landing(path=str(landing), pii_key_file=str(demo_key_file) if demo_key_file else None)
    return dg.Definitions(
        assets=[*ingestion_assets, parwatch_dbt_assets, publish],
        asset_checks=quality_checks,
        jobs=[nightly_job],
        schedules=[nightly_schedule],
        sensors=[build_landing_sensor(str(landing))],
        resources={
            "warehouse_run": WarehouseRun(path=str(warehouse), landing=landing_resource),
            "dbt": dbt_resource,
        },
        loggers={"console": console} if console else None,
    )


defs = build_definitions(
    Path(os.environ.get("PARWATCH_LANDING", DEFAULT_LANDING)),
    Path(os.environ.get("PARWATCH_WAREHOUSE", DEFAULT_WAREHOUSE)),
    Path(os.environ["PARWATCH_PII_KEY_FILE"]) if os.environ.get("PARWATCH_PII_KEY_FILE") else None,
)
