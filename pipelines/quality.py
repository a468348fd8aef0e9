"""Data-quality checks: the Great Expectations suites in expectations/ run on each unvalidated raw batch.

The batch of a table is every row of raw.<table> whose run no passing validation of that table has
covered yet: the current run's rows, those of any earlier run killed between loading and checking,
and those of a batch that failed a blocking expectation. A validation is recorded atomically (one
transaction, one audit row per expectation) under the current run id, with the run ids it covered
in details.batch_run_ids. A failed blocking expectation keeps blocking: the failed batch is
validated again by every later run, with that run's new rows, and stops its marts each time
(details.blocked_since_run names the run that first found it) until its rows are fixed in raw or
quarantined (`quarantine_batch`).

A batch is validated in DuckDB, through GX's SQL datasource (duckdb-engine, over cursors of the
run's own connection; pipelines/gx_duckdb.py patches GX for it): a query asset selects the batch's
rows, enriched with catalogue look-ups and duplicate counts (the derived columns `_*` below), and GX
computes each expectation's metrics there. Given `slice_rows`, validate_batch takes the earlier path
instead, kept as the reference the SQL path is tested and benchmarked against: the enriched batch
goes through GX's pandas datasource, only the columns the suite names; expectations judging each row
on its own (ROW_LOCAL) slice by slice, their counts added up; every other expectation (row count,
aggregates, uniqueness) once on the whole batch. Every expectation carries
meta {"blocking", "why"}: a failed blocking expectation fails the Dagster asset check, and so stops
the marts; the others are warnings.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # read when GX is imported

from typing import TYPE_CHECKING

import duckdb

from pipelines.schemas import SOURCES
from pipelines.warehouse import raw_columns, scalar

# Great Expectations (and pandas) are imported where a batch is validated: importing GX takes
# seconds, which a run with nothing new to check, or the code location loading, need not pay.
if TYPE_CHECKING:
    import great_expectations as gx
    import pandas as pd
    from great_expectations.core import ExpectationValidationResult

EXPECTATIONS_DIR = Path(__file__).resolve().parent.parent / "expectations"
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": 5}
# Rows per GX slice: ~50 MB of hoso columns in pandas, ~3x that while GX validates.
SLICE_ROWS = 250_000
# Map expectations that judge each row on its own values alone, so a batch's counts are the sums of
# its slices' counts. Other map expectations compare rows (unique, increasing, outliers) or read the
# column's dtype (of_type): like aggregates and table expectations, they see the whole batch at once.
ROW_LOCAL = frozenset({
    "expect_column_values_to_be_null", "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_in_set", "expect_column_values_to_not_be_in_set",
    "expect_column_values_to_be_between",
    "expect_column_values_to_match_regex", "expect_column_values_to_not_match_regex",
    "expect_column_values_to_match_regex_list", "expect_column_values_to_not_match_regex_list",
    "expect_column_values_to_match_like_pattern", "expect_column_values_to_not_match_like_pattern",
    "expect_column_values_to_match_like_pattern_list", "expect_column_values_to_not_match_like_pattern_list",
    "expect_column_values_to_match_strftime_format", "expect_column_values_to_be_dateutil_parseable",
    "expect_column_values_to_be_json_parseable", "expect_column_values_to_match_json_schema",
    "expect_column_pair_values_a_to_be_greater_than_b", "expect_column_pair_values_to_be_equal",
    "expect_column_pair_values_to_be_in_set",
    "expect_multicolumn_sum_to_equal", "expect_select_column_values_to_be_unique_within_record",
})

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
# The runs that loaded rows of raw.<table> (per raw or per manifest) and no passing validation
# (no blocking expectation failed) covered yet; results recorded before details.batch_run_ids existed
# cover their own run.
PENDING_RUNS_SQL = """
with passed as (
    select run_id from audit.check_results where source = $table
    group by run_id having bool_and(success or not coalesce(blocking, false))
), validated as (
    select run_id from passed
    union
    select unnest(from_json(details -> 'batch_run_ids', '["varchar"]'))
    from audit.check_results where source = $table and run_id in (select run_id from passed)
), loaded as (
    select distinct _run_id as run_id from raw.{table}
    union
    select run_id from audit.file_manifest where status = 'loaded' and table_name in ($table, 'raw.' || $table)
)
select run_id from loaded
where run_id is not null and run_id not in (select run_id from validated where run_id is not null)
order by run_id
"""
# The earliest run whose validation of raw.<table> failed a blocking expectation and whose batch
# is pending still: the batch has been blocking the marts since then.
BLOCKED_SINCE_SQL = """
select run_id from audit.check_results
where source = $table and blocking and not success and run_id <> $run
  and exists (select 1 from unnest(from_json(details -> 'batch_run_ids', '["varchar"]')) t(batch_run)
              where batch_run in (select unnest($runs::varchar[])))
order by checked_at limit 1
"""
BATCH_FILTER = "_run_id in (select unnest($runs::varchar[]))"
# The batch's rows of raw.<table> according to the manifest, for the row-count reconciliation.
MANIFEST_ROWS_SQL = """
select coalesce(sum(rows_loaded), 0) from audit.file_manifest
where run_id in (select unnest($runs::varchar[])) and status = 'loaded' and table_name in ($table, 'raw.' || $table)
"""


@dataclass
class CheckOutcome:
    table: str
    rows_checked: int
    passed: bool  # every blocking expectation passed
    failures: list[str] = field(default_factory=list)  # failed blocking expectations
    warnings: list[str] = field(default_factory=list)  # failed non-blocking expectations
    batch_run_ids: list[str] = field(default_factory=list)  # the runs whose rows the batch held
    blocked_since_run: str | None = None  # an earlier run that found this batch failing


def _suite_json(table: str) -> dict:
    """expectations/<table>.json as written; each expectation must say whether it blocks, and why."""
    data = json.loads((EXPECTATIONS_DIR / f"{table}.json").read_text(encoding="utf-8"))
    for expectation in data["expectations"]:
        meta = expectation.get("meta") or {}
        if not isinstance(meta.get("blocking"), bool) or not meta.get("why"):
            name = _columns(expectation.get("kwargs") or {})
            raise ValueError(f"{table}: {expectation['type']}({','.join(name)}) needs meta blocking "
                             "(true/false) and why")
    return data


def suite_expectations(table: str) -> list[dict]:
    """The expectations of expectations/<table>.json as written (no GX import)."""
    return _suite_json(table)["expectations"]


def load_suite(table: str) -> gx.ExpectationSuite:
    """The suite expectations/<table>.json as a GX suite (see _suite_json)."""
    import great_expectations as gx

    return gx.ExpectationSuite(**_suite_json(table))


def check_name(config) -> str:
    """`expect_x(col)`, `expect_x(col_a,col_b)` or `expect_x`, from an ExpectationConfiguration."""
    columns = _columns(config.kwargs)
    return f"{config.type}({','.join(columns)})" if columns else config.type


def _columns(kwargs: dict) -> list[str]:
    """The columns an expectation's kwargs name."""
    columns = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
    return columns + list(kwargs.get("column_list") or [])


def pending_runs(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """Run ids whose rows of raw.<table> no completed validation has covered yet."""
    rows = con.execute(PENDING_RUNS_SQL.format(table=table), {"table": table}).fetchall()
    return [run for (run,) in rows]


def validate_batch(
    con: duckdb.DuckDBPyConnection, table: str, run_id: str, slice_rows: int | None = None
) -> CheckOutcome:
    """Validate the unvalidated rows of raw.<table> (see the module docstring) in DuckDB, or through
    pandas in slices of `slice_rows` if given; record one audit row per expectation under run_id."""
    checked_at = datetime.now(LOCAL_TZ).replace(tzinfo=None)
    runs = pending_runs(con, table)
    batch_rows, rows_loaded = con.execute(
        f"select (select count(*) from raw.{table} where {BATCH_FILTER}), ({MANIFEST_ROWS_SQL})",
        {"runs": runs, "table": table},
    ).fetchall()[0]
    if batch_rows == 0 and rows_loaded == 0:
        _record(con, [_empty_batch_row(run_id, checked_at, table, runs)])
        return CheckOutcome(table, 0, passed=True, batch_run_ids=runs)

    suite = load_suite(table)
    if slice_rows is None:
        results = validate_in_duckdb(con, table, suite, runs, int(rows_loaded))
    else:
        results = validate_slices(con, table, suite, runs, batch_rows, int(rows_loaded), slice_rows)
    since = scalar(con, BLOCKED_SINCE_SQL, {"table": table, "run": run_id, "runs": runs})
    outcome = CheckOutcome(table, batch_rows, passed=True, batch_run_ids=runs, blocked_since_run=since)
    personal = {c.name for c in SOURCES[table].columns if c.personal}
    rows = [_audit_row(run_id, checked_at, table, batch_rows, r, personal, runs, since) for r in results]
    for row in rows:
        if not row["success"]:
            (outcome.failures if row["blocking"] else outcome.warnings).append(_summary(row))
            outcome.passed = outcome.passed and not row["blocking"]
    _record(con, rows)
    return outcome


def quarantine_rows(con: duckdb.DuckDBPyConnection, table: str, where: str, reason: str) -> int:
    """Move the rows of raw.<table>'s pending batch matching `where` (SQL over its columns) to
    audit.quarantine with `reason`, their files' manifest counts moved from loaded to quarantined
    in the same transaction (rows read still add up). How an engineer unblocks a failed batch
    whose rows cannot be fixed; the next run validates what is left. Returns the rows moved."""
    runs = pending_runs(con, table)
    chosen = f"{BATCH_FILTER} and ({where})"
    con.execute("begin transaction")
    try:
        con.execute(f"""
            create temp table moving as
            select m.path, t._file_sha256, t._run_id, t._row_number, to_json(t) as record
            from raw.{table} t join audit.file_manifest m
              on m.sha256 = t._file_sha256 and m.run_id = t._run_id and m.status = 'loaded'
            where {chosen}""", {"runs": runs})
        con.execute("""
            insert into audit.quarantine (source, path, row_number, column_name, reason, raw_record,
                                          run_id, file_sha256)
            select $source, path, _row_number, null, $reason, record, _run_id, _file_sha256 from moving""",
                    {"source": SOURCES[table].folder, "reason": reason})
        con.execute("""
            update audit.file_manifest m
            set rows_loaded = rows_loaded - moved.n, rows_quarantined = coalesce(rows_quarantined, 0) + moved.n
            from (select path, _file_sha256, _run_id, count(*) as n from moving group by all) moved
            where m.path = moved.path and m.sha256 = moved._file_sha256 and m.run_id = moved._run_id
              and m.status = 'loaded'""")
        moved = scalar(con, "select count(*) from moving")
        con.execute(f"delete from raw.{table} t where {chosen}", {"runs": runs})
        con.execute("drop table moving")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return moved


def validate_in_duckdb(
    con: duckdb.DuckDBPyConnection, table: str, suite: gx.ExpectationSuite, runs: list[str], rows_loaded: int
) -> list[ExpectationValidationResult]:
    """The suite's results on the batch of `runs`, computed by DuckDB: the enriched batch (batch_sql,
    the run ids inlined) made once into a temporary table of the datasource's cursor, then GX's SQL
    datasource over a query asset of it (GX would otherwise re-run the enrichment for every metric)."""
    from pipelines.gx_duckdb import add_duckdb_datasource

    datasource = add_duckdb_datasource(gx_context(), "warehouse", con)
    runs_literal = "[" + ", ".join("'" + run.replace("'", "''") + "'" for run in runs) + "]::varchar[]"
    query = batch_sql(table, suite.expectations).replace("$runs::varchar[]", runs_literal)
    engine = datasource.get_execution_engine().engine  # the one GX validates through
    try:
        with engine.connect() as cursor:
            cursor.exec_driver_sql(f"create or replace temp table batch_{table} as {query}")
            cursor.commit()
        batch = datasource.add_query_asset(f"raw_{table}", query=f"select * from batch_{table}")
        validation = batch.add_batch_definition_whole_table("run").get_batch().validate(
            suite, result_format=RESULT_FORMAT, expectation_parameters={"rows_loaded_by_manifest": rows_loaded}
        )
    finally:
        engine.dispose()  # closes the cursor, and its temporary table with it
    return validation.results


def validate_slices(
    con: duckdb.DuckDBPyConnection, table: str, suite: gx.ExpectationSuite, runs: list[str],
    batch_rows: int, rows_loaded: int, slice_rows: int,
) -> list[ExpectationValidationResult]:
    """The suite's results on the batch of `runs`, in suite order: ROW_LOCAL expectations slice by
    slice, their results added up by _add_up; the others once, on a frame of the whole batch holding
    only the columns they name (none for a row count)."""
    import great_expectations as gx
    import pandas as pd

    results: dict[str, list[ExpectationValidationResult]] = {}

    def validate(frame: pd.DataFrame, expectations: list) -> None:
        subsuite = gx.ExpectationSuite(
            name=suite.name, expectations=[e.configuration.to_domain_obj() for e in expectations]
        )
        validation = gx_batch(table, frame).validate(
            subsuite, result_format=RESULT_FORMAT, expectation_parameters={"rows_loaded_by_manifest": rows_loaded}
        )
        for r in validation.results:
            results.setdefault(check_name(r.expectation_config), []).append(r)

    whole = [e for e in suite.expectations if e.expectation_type not in ROW_LOCAL]
    if whole:
        if batch_columns(table, whole):
            validate(pd.concat(batch_slices(con, table, whole, runs, slice_rows), ignore_index=True), whole)
        else:
            validate(pd.DataFrame(index=pd.RangeIndex(batch_rows)), whole)
    row_local = [e for e in suite.expectations if e.expectation_type in ROW_LOCAL]
    if row_local:
        for frame in batch_slices(con, table, row_local, runs, slice_rows):
            validate(frame, row_local)
    by_name = {name: (_add_up(found) if len(found) > 1 else found[0]) for name, found in results.items()}
    return [by_name[check_name(e.configuration)] for e in suite.expectations]


def _add_up(slices: list[ExpectationValidationResult]) -> ExpectationValidationResult:
    """One ROW_LOCAL expectation's result over the whole batch from its slices' BASIC results.

    Counts add up; success is recomputed as GX does from the totals: vacuously true with no rows or
    no considered (non-missing) rows, else (considered - unexpected) / considered >= mostly.
    """
    from great_expectations.core import ExpectationValidationResult

    config = slices[0].expectation_config
    raised = [r for r in slices if r.exception_info and r.exception_info.get("raised_exception")]
    if raised:
        return ExpectationValidationResult(success=False, expectation_config=config, result={},
                                           exception_info=raised[0].exception_info)
    parts = [r.result for r in slices]
    elements = sum(p["element_count"] for p in parts)
    unexpected = sum(p["unexpected_count"] for p in parts)
    with_missing = "missing_count" in parts[0]
    considered = elements - sum(p["missing_count"] for p in parts) if with_missing else elements
    mostly = config.kwargs.get("mostly", 1)
    success = elements == 0 or considered == 0 or (considered - unexpected) / considered >= mostly
    percent = unexpected / considered * 100 if elements and considered else None
    examples = [value for p in parts for value in p.get("partial_unexpected_list", [])]
    result = {
        "element_count": elements,
        "unexpected_count": unexpected,
        "unexpected_percent": percent,
        "partial_unexpected_list": examples[: RESULT_FORMAT["partial_unexpected_count"]],
    }
    if with_missing:
        result["missing_count"] = elements - considered
    return ExpectationValidationResult(success=success, expectation_config=config, result=result)


def batch_slices(
    con: duckdb.DuckDBPyConnection, table: str, expectations: list, runs: list[str], slice_rows: int = SLICE_ROWS
) -> Iterator[pd.DataFrame]:
    """The batch as pandas frames of slice_rows to slice_rows + 2047 rows (the last one smaller; one
    frame, empty but with its columns, for an empty batch).

    One query streams the whole batch, so _duplicate_key counts over all of it. Converting
    DuckDB strings to pandas in one go holds about five times the frame in transient memory; vector
    by vector it holds next to nothing. The connection is busy until the last slice is read.
    """
    import pandas as pd

    result = con.execute(batch_sql(table, expectations), {"runs": runs})
    chunks, rows, sliced = [], 0, False
    while len(chunk := result.fetch_df_chunk(1)):  # up to one vector (2048 rows)
        chunks.append(chunk)
        rows += len(chunk)
        if rows >= slice_rows:
            yield pd.concat(chunks, ignore_index=True)
            chunks, rows, sliced = [], 0, True
    if chunks or not sliced:
        yield pd.concat(chunks, ignore_index=True) if chunks else chunk


def batch_columns(table: str, expectations: list) -> list[str]:
    """The columns the expectations read: raw.<table>'s in table order, then derived ones."""
    table_columns = [name for name, _ in raw_columns(SOURCES[table])]
    named = set()
    for expectation in expectations:
        named.update(_columns(expectation.configuration.kwargs))
        condition = getattr(expectation, "row_condition", None)
        if condition is not None:  # a row condition: the raw columns it mentions
            named.update(set(re.findall(r"\w+", str(condition))) & set(table_columns))
    unknown = named - set(table_columns) - set(DERIVED_SQL) - {"_duplicate_key"}
    if unknown:
        raise ValueError(f"suite {table} names columns raw.{table} does not have: {sorted(unknown)}")
    return [c for c in [*table_columns, *DERIVED_SQL, "_duplicate_key"] if c in named]


def batch_sql(table: str, expectations: list) -> str:
    """The batch of the runs in $runs: only the columns the expectations read, derived ones by DuckDB.

    _duplicate_key counts the versions of the row's entity key within its file (NULL where the key
    is incomplete); identical versions load once, so above 1 means different versions in one export.
    It is computed over the whole batch by joining the few duplicated keys, not by a window: a window
    would hold the whole enriched batch in DuckDB's memory before the first slice streams out.
    """
    columns = batch_columns(table, expectations)
    select = [f'{DERIVED_SQL[c]} as "{c}"' if c in DERIVED_SQL else f'"{c}"' for c in columns if c != "_duplicate_key"]
    if "_duplicate_key" not in columns:
        return f"select {', '.join(select)} from raw.{table} where {BATCH_FILTER}"
    key = [f'"{c}"' for c in SOURCES[table].key]
    complete = " and ".join(f"{c} is not null" for c in key)
    select.append(f'case when {complete} then coalesce(_versions, 1) end as "_duplicate_key"')
    return (
        f"select {', '.join(select)} from raw.{table} left join ("
        f"select {', '.join(key)}, _file_sha256, count(*) as _versions from raw.{table} "
        f"where {BATCH_FILTER} and {complete} group by all having count(*) > 1"
        f") using ({', '.join(key)}, _file_sha256) where {BATCH_FILTER}"
    )


def gx_context():
    """A throwaway in-memory GX context (no analytics, no progress bars)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    return gx.get_context(
        mode="ephemeral",
        project_config=DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(),
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),
        ),
    )


def gx_batch(table: str, batch):
    """A GX batch over the pandas frame."""
    asset = gx_context().data_sources.add_pandas("warehouse").add_dataframe_asset(f"raw_{table}")
    return asset.add_batch_definition_whole_dataframe("run").get_batch(batch_parameters={"dataframe": batch})


def _audit_row(run_id, checked_at, table, batch_rows, r, personal: set[str], batch_run_ids: list[str],
               blocked_since_run: str | None) -> dict:
    config = r.expectation_config
    result = r.result or {}
    kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
    name = check_name(config)
    details = {"type": config.type, "kwargs": kwargs, "why": config.meta.get("why"), "batch_run_ids": batch_run_ids}
    examples = result.get("partial_unexpected_list")
    if examples and not set(_columns(kwargs)) & personal:  # never copy personal data
        details["unexpected_examples"] = examples
    if r.exception_info and r.exception_info.get("raised_exception"):
        details["exception"] = r.exception_info.get("exception_message")
    if blocked_since_run and not r.success and config.meta["blocking"]:
        details["blocked_since_run"] = blocked_since_run  # still failing since that run
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


def _empty_batch_row(run_id: str, checked_at: datetime, table: str, batch_run_ids: list[str]) -> dict:
    return {
        "run_id": run_id, "checked_at": checked_at, "source": table, "check_name": "batch_not_empty",
        "suite": f"expectations/{table}.json", "blocking": False, "success": True, "rows_checked": 0,
        "unexpected_count": 0, "unexpected_percent": None, "observed_value": "0",
        "details": json.dumps({
            "why": "nothing loaded since the last validation: a quiet day is a pass, nothing validated",
            "batch_run_ids": batch_run_ids,
        }),
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
