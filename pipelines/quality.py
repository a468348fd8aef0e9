"""Data-quality checks: the Great Expectations suites in expectations/ run on each run's raw batch.

GX 1.x has no polars datasource and its SQL datasource fails over DuckDB (GX issue 11579), so a
batch goes through GX's pandas datasource. To keep that cheap, the batch is enriched in DuckDB first
(catalogue look-ups, duplicate counts: the derived columns `_*` below) and only the columns the suite
names are pulled into pandas. Every expectation carries meta {"blocking", "why"}: a failed blocking
expectation fails the Dagster asset check, and so stops the marts; the others are warnings. Each
outcome lands in audit.check_results, one row per expectation.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # read when GX is imported

import duckdb
import great_expectations as gx
import pandas as pd
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)

from pipelines.schemas import SOURCES
from pipelines.warehouse import raw_columns

EXPECTATIONS_DIR = Path(__file__).resolve().parent.parent / "expectations"
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": 5}
FETCH_VECTORS = 100  # DuckDB -> pandas in chunks of 100 x 2048 rows: bounds the conversion's peak memory

# Columns the suites may name beyond raw.<table>'s own, as SQL over the batch row.
DERIVED_SQL = {
    "_agency_known": "agency_code in (select agency_code from raw.danhmuc_donvi where agency_code is not null)",
    "_procedure_known": (
        "procedure_code in (select procedure_code from raw.danhmuc_thutuc where procedure_code is not null)"
    ),
    "_dossier_known": "dossier_code in (select dossier_code from raw.hoso where dossier_code is not null)",
    # the YYMMDD inside the dossier code is the submission or receipt date
    "_code_date_matches": (
        "regexp_extract(dossier_code, '-([0-9]{6})-[0-9]+$', 1) in "
        "(strftime(received_at, '%y%m%d'), coalesce(strftime(submitted_at, '%y%m%d'), ''))"
    ),
}
# The run's rows of raw.<table> according to the manifest, for the row-count reconciliation.
MANIFEST_ROWS_SQL = """
select coalesce(sum(rows_loaded), 0) from audit.file_manifest
where run_id = ? and status = 'loaded' and table_name in (?, 'raw.' || ?)
"""


@dataclass
class CheckOutcome:
    table: str
    rows_checked: int
    passed: bool  # every blocking expectation passed
    failures: list[str] = field(default_factory=list)  # failed blocking expectations
    warnings: list[str] = field(default_factory=list)  # failed non-blocking expectations


def load_suite(table: str) -> gx.ExpectationSuite:
    """The suite expectations/<table>.json; every expectation must say whether it blocks, and why."""
    data = json.loads((EXPECTATIONS_DIR / f"{table}.json").read_text(encoding="utf-8"))
    suite = gx.ExpectationSuite(**data)
    for expectation in suite.expectations:
        meta = expectation.meta or {}
        if not isinstance(meta.get("blocking"), bool) or not meta.get("why"):
            raise ValueError(
                f"{table}: {check_name(expectation.configuration)} needs meta blocking (true/false) and why"
            )
    return suite


def check_name(config) -> str:
    """`expect_x(col)`, `expect_x(col_a,col_b)` or `expect_x`, from an ExpectationConfiguration."""
    columns = _columns(config.kwargs)
    return f"{config.type}({','.join(columns)})" if columns else config.type


def _columns(kwargs: dict) -> list[str]:
    """The columns an expectation's kwargs name."""
    columns = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
    return columns + list(kwargs.get("column_list") or [])


def validate_batch(con: duckdb.DuckDBPyConnection, table: str, run_id: str) -> CheckOutcome:
    """Validate the rows of raw.<table> loaded by run_id; record one audit row per expectation."""
    suite = load_suite(table)
    checked_at = datetime.now(LOCAL_TZ).replace(tzinfo=None)
    batch = fetch_batch(con, table, suite, run_id)
    rows_loaded = con.execute(MANIFEST_ROWS_SQL, [run_id, table, table]).fetchone()[0]
    if batch.empty and rows_loaded == 0:
        _record(con, [_empty_batch_row(run_id, checked_at, table)])
        return CheckOutcome(table, 0, passed=True)

    result = gx_batch(table, batch).validate(
        suite,
        result_format=RESULT_FORMAT,
        expectation_parameters={"rows_loaded_by_manifest": int(rows_loaded)},
    )
    outcome = CheckOutcome(table, len(batch), passed=True)
    personal = {c.name for c in SOURCES[table].columns if c.personal}
    rows = [_audit_row(run_id, checked_at, table, len(batch), r, personal) for r in result.results]
    for row in rows:
        if not row["success"]:
            (outcome.failures if row["blocking"] else outcome.warnings).append(_summary(row))
            outcome.passed = outcome.passed and not row["blocking"]
    _record(con, rows)
    return outcome


def fetch_batch(con: duckdb.DuckDBPyConnection, table: str, suite: gx.ExpectationSuite, run_id: str):
    """The run's batch as a pandas frame, fetched in chunks.

    Converting DuckDB strings to pandas in one go holds about five times the final frame in
    transient memory (1.9 GB for 370 MB of codes over 3M rows); chunk by chunk it holds one chunk.
    """
    result = con.execute(batch_sql(table, suite), [run_id])
    chunks = [result.fetch_df_chunk(FETCH_VECTORS)]  # the first, even empty, carries the columns
    while len(chunk := result.fetch_df_chunk(FETCH_VECTORS)):
        chunks.append(chunk)
    return pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]


def batch_sql(table: str, suite: gx.ExpectationSuite) -> str:
    """Only the columns the suite reads, derived ones computed by DuckDB."""
    table_columns = [name for name, _ in raw_columns(SOURCES[table])]
    named = set()
    for expectation in suite.expectations:
        named.update(_columns(expectation.configuration.kwargs))
        condition = getattr(expectation, "row_condition", None)
        if condition is not None:  # a pandas filter: the raw columns it mentions
            named.update(set(re.findall(r"\w+", str(condition))) & set(table_columns))
    unknown = named - set(table_columns) - set(DERIVED_SQL) - {"_duplicate_key"}
    if unknown:
        raise ValueError(f"suite {table} names columns raw.{table} does not have: {sorted(unknown)}")
    select = [f'"{c}"' for c in table_columns if c in named]
    select += [f'{sql} as "{name}"' for name, sql in DERIVED_SQL.items() if name in named]
    if "_duplicate_key" in named:
        select.append(_duplicate_key_sql(table))
    return f"select {', '.join(select)} from raw.{table} where _run_id = ?"


def _duplicate_key_sql(table: str) -> str:
    """Versions of the same entity key within one file (NULL where the key is incomplete).

    Identical versions load once, so a count above 1 means different versions in one export.
    """
    key = [f'"{c}"' for c in SOURCES[table].key]
    complete = " and ".join(f"{c} is not null" for c in key)
    return (
        f"case when {complete} then count(*) over (partition by {', '.join(key)}, _file_sha256) end"
        ' as "_duplicate_key"'
    )


def gx_batch(table: str, batch):
    """A GX batch over the pandas frame, in a throwaway in-memory context (no analytics, no bars)."""
    context = gx.get_context(
        mode="ephemeral",
        project_config=DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(),
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),
        ),
    )
    asset = context.data_sources.add_pandas("warehouse").add_dataframe_asset(f"raw_{table}")
    return asset.add_batch_definition_whole_dataframe("run").get_batch(batch_parameters={"dataframe": batch})


def _audit_row(run_id, checked_at, table, batch_rows, r, personal: set[str]) -> dict:
    config = r.expectation_config
    result = r.result or {}
    kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
    name = check_name(config)
    details = {"type": config.type, "kwargs": kwargs, "why": config.meta.get("why")}
    examples = result.get("partial_unexpected_list")
    if examples and not set(_columns(kwargs)) & personal:  # never copy personal data
        details["unexpected_examples"] = examples
    if r.exception_info and r.exception_info.get("raised_exception"):
        details["exception"] = r.exception_info.get("exception_message")
    observed = result.get("observed_value")
    return {
        "run_id": run_id,
        "checked_at": checked_at,
        "source": table,
        "check_name": name,
        "suite": f"expectations/{table}.json",
        "blocking": bool(config.meta["blocking"]),
        "success": bool(r.success),
        "rows_checked": int(result.get("element_count", batch_rows)),
        "unexpected_count": result.get("unexpected_count"),
        "unexpected_percent": result.get("unexpected_percent"),
        "observed_value": None if observed is None else str(observed),
        "details": json.dumps(details, ensure_ascii=False, default=str),
    }


def _empty_batch_row(run_id: str, checked_at: datetime, table: str) -> dict:
    return {
        "run_id": run_id, "checked_at": checked_at, "source": table, "check_name": "batch_not_empty",
        "suite": f"expectations/{table}.json", "blocking": False, "success": True, "rows_checked": 0,
        "unexpected_count": 0, "unexpected_percent": None, "observed_value": "0",
        "details": json.dumps({"why": "nothing new loaded by this run: a quiet day is a pass, nothing validated"}),
    }


def _summary(row: dict) -> str:
    details = json.loads(row["details"])
    if "exception" in details:
        return f"{row['check_name']}: error {details['exception']}"
    if row["unexpected_count"] is None:
        return f"{row['check_name']}: observed {row['observed_value']}, expected {details['kwargs']}"
    text = f"{row['check_name']}: {row['unexpected_count']} of {row['rows_checked']} rows"
    if details.get("unexpected_examples"):
        text += f", e.g. {details['unexpected_examples'][:3]}"
    return text


def _record(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    columns = list(rows[0])
    placeholders = ", ".join("?::json" if c == "details" else "?" for c in columns)
    con.execute("begin")
    try:
        con.executemany(
            f"insert into audit.check_results ({', '.join(columns)}) values ({placeholders})",
            [list(row.values()) for row in rows],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
