"""The dbt project as Dagster assets, downstream of the ingestion assets; dbt tests are asset checks.

The manifest is prepared the way dagster-dbt recommends: `dagster dev` re-parses the project at
start-up (`prepare_if_dev`); a deployment prepares it once at build time with
`dagster-dbt project prepare-and-package --file assets/marts.py` (the `dbt-manifest` make target).
A checkout that skipped that step is parsed once on import rather than failing.
"""

import json
import shutil
import sys
from datetime import datetime
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from pipelines.resources import WRITER_POOL, Warehouse
from pipelines.warehouse import writer_lock

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"

# dbt source table -> the ingestion asset that writes it (the three catalogues land together)
SOURCE_ASSET_KEYS = {
    "hoso": dg.AssetKey(["raw", "hoso"]),
    "tientrinh": dg.AssetKey(["raw", "tientrinh"]),
    "buuchinh": dg.AssetKey(["raw", "buuchinh"]),
    "thanhtoan": dg.AssetKey(["raw", "thanhtoan"]),
    "danhmuc_thutuc": dg.AssetKey(["raw", "danhmuc"]),
    "danhmuc_donvi": dg.AssetKey(["raw", "danhmuc"]),
    "danhmuc_ngaynghi": dg.AssetKey(["raw", "danhmuc"]),
}

# the dbt next to this interpreter: the virtualenv's bin/ need not be on PATH
DBT_EXECUTABLE = Path(sys.executable).parent / "dbt"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_resource = DbtCliResource(
    project_dir=dbt_project, dbt_executable=str(DBT_EXECUTABLE) if DBT_EXECUTABLE.exists() else "dbt"
)
dbt_project.prepare_if_dev()
if not dbt_project.manifest_path.exists():
    dbt_resource.cli(["parse", "--quiet"], target_path=dbt_project.target_path).wait()


class ParwatchTranslator(DagsterDbtTranslator):
    """Sources are the ingestion assets; models are keyed and grouped by their layer
    (staging, intermediate, marts), e.g. ["marts", "fct_dossiers"]."""

    def __init__(self) -> None:
        super().__init__(DagsterDbtTranslatorSettings(enable_asset_checks=True,
                                                      enable_duplicate_source_asset_keys=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return SOURCE_ASSET_KEYS[dbt_resource_props["name"]]
        return dg.AssetKey([_layer(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return _layer(dbt_resource_props)


def _layer(dbt_resource_props: Mapping[str, Any]) -> str:
    """The model's top folder under models/: staging, intermediate or marts."""
    return dbt_resource_props["fqn"][1]


class InvalidAsOf(ValueError):
    """An as_of that is not a plain local timestamp."""


def normalise_as_of(text: str | None) -> str | None:
    """'YYYY-MM-DD[ HH:MM[:SS]]' local time as 'YYYY-MM-DD HH:MM:SS'; anything else is refused
    (the value reaches SQL through a dbt var, so only a well-formed timestamp may pass)."""
    if text is None or not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidAsOf(f"as_of {text!r} is not a local time 'YYYY-MM-DD HH:MM'") from None
    if moment.tzinfo is not None:
        raise InvalidAsOf(f"as_of {text!r} has a UTC offset: give the local time (Asia/Ho_Chi_Minh)")
    return moment.strftime("%Y-%m-%d %H:%M:%S")


class MartsConfig(dg.Config):
    as_of: str | None = None  # 'YYYY-MM-DD HH:MM[:SS]' local time; None: end of the latest export date


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=ParwatchTranslator(),
    pool=WRITER_POOL,
)
def parwatch_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse,
                        config: MartsConfig):
    with warehouse.connect():  # the raw tables exist even before the first file lands
        pass
    as_of = normalise_as_of(config.as_of)
    dbt_vars = {"warehouse": warehouse.path, **({"as_of": as_of} if as_of else {})}
    with writer_lock(Path(warehouse.path)):
        build = dbt.cli(["build", "--exclude-resource-type", "unit_test", "--vars", json.dumps(dbt_vars)],
                        context=context)
        yield from build.stream()
    shutil.rmtree(build.target_path, ignore_errors=True)  # one folder per build would pile up nightly

