"""Dagster asset checks: one blocking Great Expectations check per raw table (pipelines.quality).

A check validates every row of raw.<table> no passing check has covered yet: its run's rows, those
of earlier runs killed before their checks, and those of a batch that failed a blocking expectation
and has not been fixed or quarantined since (pipelines.quality). It writes audit.check_results,
hence the writer pool.
"""

from collections.abc import Mapping

import dagster as dg

from assets.resources import WRITER_POOL, WarehouseRun
from pipelines.quality import suite_expectations, validate_batch
from pipelines.schemas import SOURCES


def build_quality_checks(
    asset_keys_by_table: Mapping[str, dg.AssetKey] | None = None,
) -> list[dg.AssetChecksDefinition]:
    """One check `gx_<table>` per raw table, on the asset that loads it (default: raw/<folder>)."""
    keys = asset_keys_by_table or {
        table: dg.AssetKey(["raw", source.folder]) for table, source in SOURCES.items()
    }
    return [_quality_check(table, key) for table, key in keys.items()]


# The raw tables the derived columns of pipelines.quality.DERIVED_SQL read: a suite naming one is
# checked after that table's asset has loaded (else the share of postal items, steps or payments
# with a known dossier depends on which asset the executor happened to run first).
DERIVED_READS = {
    "_dossier_known": dg.AssetKey(["raw", "hoso"]),
    "_agency_known": dg.AssetKey(["raw", "danhmuc"]),
    "_procedure_known": dg.AssetKey(["raw", "danhmuc"]),
}


def _quality_check(table: str, asset_key: dg.AssetKey) -> dg.AssetChecksDefinition:
    expectations = suite_expectations(table)
    blocking = sum(expectation["meta"]["blocking"] for expectation in expectations)
    reads = {DERIVED_READS[column] for expectation in expectations
             if (column := expectation["kwargs"].get("column")) in DERIVED_READS} - {asset_key}

    @dg.asset_check(
        asset=asset_key,
        name=f"gx_{table}",
        description=(
            f"Great Expectations suite expectations/{table}.json on the rows of raw.{table} not validated yet "
            "(this run's, any earlier run's whose check never completed, and a failed batch until it is fixed "
            "or quarantined): "
            f"{len(expectations)} expectations, {blocking} blocking."
        ),
        blocking=True,
        pool=WRITER_POOL,
        additional_deps=sorted(reads, key=lambda key: key.to_user_string()),
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse_run: WarehouseRun) -> dg.AssetCheckResult:
        with warehouse_run.connect() as con:
            outcome = validate_batch(con, table, context.run.run_id)
        for warning in outcome.warnings:
            context.log.warning(f"raw.{table}: {warning}")
        return dg.AssetCheckResult(
            passed=outcome.passed,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "rows_checked": outcome.rows_checked,
                "batch_run_ids": dg.MetadataValue.json(outcome.batch_run_ids),
                "blocked_since_run": outcome.blocked_since_run or "",
                "failures": dg.MetadataValue.json(outcome.failures),
                "warnings": dg.MetadataValue.json(outcome.warnings),
                "suite": f"expectations/{table}.json",
            },
        )

    return _check


quality_checks = build_quality_checks()
