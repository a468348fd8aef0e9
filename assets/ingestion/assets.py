"""Ingestion assets: one per landing folder, loading the files the run's plan holds for it.

The plan (pipelines.plan, made once at the start of the run by the WarehouseRun resource) lists
every file whose (path, content) the manifest has not recorded; the asset loads its folder's share
and never lists the folder itself. Files that cannot be loaded (no date in the name, wrong type)
are recorded as refused, once.
"""

import dagster as dg

from assets.resources import WRITER_POOL, WarehouseRun
from pipelines.ingest import FileOutcome, load_file, outcome_metadata
from pipelines.schemas import LANDING_FOLDERS

PROGRESS_EVERY = 50  # files between two progress lines


def _ingestion_asset(folder: str, upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(
        key=dg.AssetKey(["raw", folder]),
        deps=upstream,
        pool=WRITER_POOL,
        group_name="ingestion",
        kinds={"duckdb", "polars"},
        description=f"Every export landed in {folder}/ loaded into raw (every version kept), "
                    "with its manifest rows and its quarantined rows.",
    )
    def ingest(context: dg.AssetExecutionContext, warehouse_run: WarehouseRun) -> dg.MaterializeResult:
        key = warehouse_run.landing.key()
        outcomes: list[FileOutcome] = []
        with warehouse_run.connect() as con:
            files = warehouse_run.files_to_load(con, folder)
            for number, landed in enumerate(files, start=1):
                outcome = load_file(con, landed, warehouse_run.run_id, key, progress=context.log.info)
                if outcome is None:
                    continue
                outcomes.append(outcome)
                notable = outcome.status != "loaded" or outcome.rows_quarantined
                line = (f"[{folder} {number}/{len(files)}] {outcome.path}: {outcome.status}"
                        + (f" ({outcome.reason})" if outcome.reason else "")
                        + f", rows read {outcome.rows_read:,}, loaded {outcome.rows_loaded:,}, "
                        f"quarantined {outcome.rows_quarantined:,}, duplicate {outcome.rows_duplicate:,}")
                # every file is in the run's log; the console shows the notable ones and the pace
                if notable or number % PROGRESS_EVERY == 0 or number == len(files):
                    context.log.info(line)
                else:
                    context.log.debug(line)
        return dg.MaterializeResult(metadata=outcome_metadata(outcomes))

    return ingest


# danhmuc first: hoso resolves an agency_code from the agency catalogue when only a name is given.
ingestion_assets = [_ingestion_asset("danhmuc", [])] + [
    _ingestion_asset(folder, [dg.AssetKey(["raw", "danhmuc"])])
    for folder in LANDING_FOLDERS if folder != "danhmuc"
]
