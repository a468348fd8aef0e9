"""The nightly job: every asset, in one process, one writing run at a time."""

import dagster as dg

# Every run that writes the warehouse carries this tag; dagster.yaml allows one such run at a time.
WRITER_TAG = {"parwatch/writer": "warehouse"}

nightly_job = dg.define_asset_job(
    "parwatch_nightly",
    selection=dg.AssetSelection.all(),
    # in-process: the WarehouseRun resource is set up and torn down once per run
    executor_def=dg.in_process_executor,
    tags=WRITER_TAG,
    description="Load new exports, check them, build the marts, publish the serving file.",
)
