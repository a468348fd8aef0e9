"""The terminal asset: publish the serving file once every mart is built and checked.

Dagster runs it only when every mart upstream materialised (a failed blocking check or a failed
model skips it), so "succeeded" in audit.runs means the same thing however the run started.
"""

import dagster as dg

from assets.dbt.assets import parwatch_dbt_assets
from assets.resources import WRITER_POOL, WarehouseRun

MARTS = [key for key in parwatch_dbt_assets.keys if key.path[0] == "marts"]


@dg.asset(key=dg.AssetKey(["warehouse", "publish"]), deps=MARTS, pool=WRITER_POOL, group_name="warehouse",
          kinds={"duckdb"},
          description="The serving file readers open (pipelines.lifecycle.serving_path): the marts and "
                      "the audit tables readers need, swapped in by one atomic rename.")
def publish(context: dg.AssetExecutionContext, warehouse_run: WarehouseRun) -> dg.MaterializeResult:
    serving = warehouse_run.publish()
    context.log.info(f"published {serving}")
    return dg.MaterializeResult(metadata={"serving_file": str(serving),
                                          "bytes": serving.stat().st_size})
