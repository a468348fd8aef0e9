"""Ingestion assets: one per landing folder, daily partitions keyed on the export date.

A run over a range of partitions loads, folder by folder, every file whose export date falls in
the range and that the manifest has not recorded yet (same path and content). Files that cannot be
given a partition (no date in the name, wrong type) are recorded as refused by whichever run of
their folder comes next, so they are reported once and never block anything.
"""

from datetime import date
from pathlib import Path

import dagster as dg

from pipelines.ingest import FileOutcome, load_file, outcome_metadata
from pipelines.keys import pii_key
from pipelines.landing import EXPORT_DATES_START, LandedFile, discover
from pipelines.resources import WRITER_POOL, Landing, Warehouse
from pipelines.schemas import LANDING_FOLDERS

export_dates = dg.DailyPartitionsDefinition(
    start_date=EXPORT_DATES_START.isoformat(), end_offset=1, timezone="Asia/Ho_Chi_Minh", fmt="%Y-%m-%d"
)
PROGRESS_EVERY = 50  # files between two progress lines


def files_for_range(files: list[LandedFile], folder: str, first: date, last: date) -> list[LandedFile]:
    """The folder's files of the partition range, plus those that can have no partition."""
    return [f for f in files if f.folder == folder and (f.refusal or first <= f.export_date <= last)]


def _ingestion_asset(folder: str, upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(
        key=dg.AssetKey(["raw", folder]),
        deps=upstream,
        partitions_def=export_dates,
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool=WRITER_POOL,
        group_name="ingestion",
        kinds={"duckdb", "polars"},
        description=f"Every export landed in {folder}/ loaded into raw (every version kept), "
                    "with its manifest rows and its quarantined rows.",
    )
    def ingest(context: dg.AssetExecutionContext, landing: Landing,
               warehouse: Warehouse) -> dg.MaterializeResult:
        key = pii_key(Path(landing.pii_key_file) if landing.pii_key_file else None)
        window = context.partition_key_range
        first, last = date.fromisoformat(window.start), date.fromisoformat(window.end)
        files = files_for_range(discover(landing.path), folder, first, last)
        outcomes: list[FileOutcome] = []
        with warehouse.connect() as con:
            for number, landed in enumerate(files, start=1):
                outcome = load_file(con, landed, context.run.run_id, key, progress=context.log.info)
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
