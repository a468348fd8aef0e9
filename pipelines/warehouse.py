"""The DuckDB warehouse: schemas, the raw and audit tables, and connections.

DuckDB allows one writing process at a time. Every writer opens the file through `connect`, and
the Dagster definitions route every asset that writes through one concurrency pool.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.schemas import RAW_METADATA, SOURCES, Source, sql_type

SCHEMAS = ("raw", "audit", "staging", "intermediate", "marts")

# Columns a normaliser adds to a source beyond its landing columns.
DERIVED_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "tientrinh": (("step_label", "VARCHAR"),),  # the step as written, kept when mapped to "other"
}

AUDIT_DDL = """
create table if not exists audit.runs (
    run_id varchar primary key,
    started_at timestamp,
    finished_at timestamp,
    status varchar,            -- running, succeeded, unchanged (nothing new), failed, killed
    landing varchar,
    as_of timestamp,
    files_seen integer,
    summary json
);
create table if not exists audit.file_manifest (
    path varchar not null,          -- relative to the landing folder
    source varchar not null,        -- hoso, tientrinh, buuchinh, thanhtoan, danhmuc
    export_date date,               -- the date in the file name: the partition
    sha256 varchar not null,        -- content hash: the file's identity
    bytes bigint,
    status varchar not null,        -- loaded, refused, skipped_duplicate
    reason varchar,
    rows_read bigint,
    rows_loaded bigint,
    rows_quarantined bigint,
    rows_duplicate bigint,
    loaded_at timestamp,
    run_id varchar,
    table_name varchar,             -- raw table the rows went to
    unknown_columns varchar[],      -- extra columns kept in raw._extra
    rows_skipped bigint             -- sheet rows that are no records (column numbers, row groups),
                                    -- outside rows_read = rows_loaded + rows_quarantined + rows_duplicate
);
create table if not exists audit.value_warnings (
    source varchar not null,        -- landing folder
    path varchar not null,
    column_name varchar not null,   -- canonical column
    raw_value varchar,              -- the value as written: it became NULL (or, for a step, 'other')
    count bigint not null,          -- rows of the file that carried it
    run_id varchar
);
create table if not exists audit.quarantine (
    source varchar not null,
    path varchar not null,
    row_number integer,
    column_name varchar,
    reason varchar not null,
    raw_record json,
    run_id varchar,
    file_sha256 varchar
);
create table if not exists audit.check_results (
    run_id varchar,
    checked_at timestamp,
    source varchar,                 -- the raw table (or dbt model) checked
    check_name varchar,             -- e.g. expect_column_values_to_not_be_null(dossier_code)
    suite varchar,                  -- expectations/<suite>.json, or dbt
    blocking boolean,
    success boolean,
    rows_checked bigint,
    unexpected_count bigint,
    unexpected_percent double,
    observed_value varchar,
    details json
);
create table if not exists audit.dbt_builds (  -- how dbt built each run (pipelines/builds.py)
    run_id varchar,
    started_at timestamp,
    finished_at timestamp,
    mode varchar,               -- full, incremental
    reason varchar,             -- why a full refresh; the increment's size otherwise
    as_of_given timestamp,      -- the run's --as-of (NULL: the default, moving with the exports)
    as_of timestamp,            -- the as_of the build used (intermediate.int_as_of)
    fingerprint varchar,        -- the dbt project's files (assets.dbt.assets.marts_fingerprint)
    loaded_through timestamp,   -- the newest raw _loaded_at the build saw
    raw_rows json,              -- rows per raw table loaded up to loaded_through
    succeeded boolean,          -- NULL while building
    changed_since timestamp,    -- an increment's bounds (NULL: a full refresh): the last build's
    previous_as_of timestamp    -- loaded_through and as_of (dbt reads them: macro increment_bounds)
);
"""


def raw_columns(source: Source) -> list[tuple[str, str]]:
    """(name, DuckDB type) of raw.<source>: canonical columns, derived ones, then metadata."""
    columns = []
    for column in source.columns:
        columns.append((column.name, sql_type(source, column)))
        if column.name == "step":
            columns.extend(DERIVED_COLUMNS.get(source.name, ()))
    return columns + list(RAW_METADATA)


# Audit columns added since the first warehouses: (table, column, type).
_ADDED = (
    ("audit.file_manifest", "rows_skipped", "bigint"),
    ("audit.dbt_builds", "changed_since", "timestamp"),
    ("audit.dbt_builds", "previous_as_of", "timestamp"),
)

# Columns whose type changed: (table, column, old type, new type, SQL converting an old value).
_RETYPED = (
    ("raw.hoso", "result_delivery", "SMALLINT", "VARCHAR",
     "case result_delivery when 1 then 'desk' when 2 then 'post' when 3 then 'electronic' end"),
)


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create every schema and the raw and audit tables if missing, and bring a warehouse made by
    an earlier version up to date: new columns added, retyped columns converted (idempotent)."""
    for schema in SCHEMAS:
        con.execute(f"create schema if not exists {schema}")
    for source in SOURCES.values():
        body = ",\n  ".join(f'"{name}" {type_}' for name, type_ in raw_columns(source))
        con.execute(f"create table if not exists raw.{source.name} (\n  {body}\n)")
        for name, type_ in raw_columns(source):
            con.execute(f'alter table raw.{source.name} add column if not exists "{name}" {type_}')
    con.execute(AUDIT_DDL)
    for table, column, type_ in _ADDED:
        con.execute(f"alter table {table} add column if not exists {column} {type_}")
    for table, column, old, new, convert in _RETYPED:
        schema, name = table.split(".")
        if table_columns(con, schema, name).get(column) == old:
            con.execute(f'alter table {table} alter "{column}" set data type {new} using {convert}')


def table_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> dict[str, str]:
    """Column name -> DuckDB type of <schema>.<table>, in table order, in the connection's own
    database (not one it attached, such as the serving file being published); empty if no such table."""
    return dict(con.execute("select column_name, data_type from information_schema.columns where table_catalog = "
                            "current_database() and table_schema = ? and table_name = ? order by ordinal_position",
                            [schema, table]).fetchall())


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> object:
    """The single value of a query, its result consumed (DuckDB 2 refuses new work on a
    connection whose last result was not read to the end)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


class WarehouseBusy(RuntimeError):
    """Another run is writing the same warehouse file."""


@contextmanager
def writer_lock(warehouse: Path) -> Iterator[None]:
    """One writer per warehouse file: a second run refuses at once with a clear message."""
    lock_path = warehouse.with_name(warehouse.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise WarehouseBusy(f"{warehouse} is being written by {holder}; this run did not start. "
                                "Run again when it has finished.") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"parwatch run pid {os.getpid()} since {datetime.now():%Y-%m-%d %H:%M:%S}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


# DuckDB takes 80% of RAM by default; capped, it spills to disk instead and the run's peak memory
# stays bounded whatever the batch (PARWATCH_DUCKDB_MEMORY_LIMIT, e.g. 1GB, 512MB).
MEMORY_LIMIT = os.environ.get("PARWATCH_DUCKDB_MEMORY_LIMIT", "1GB")


@contextmanager
def connect(path: Path | str, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(path), read_only=read_only,
                         config={"memory_limit": MEMORY_LIMIT, "preserve_insertion_order": False})
    con.execute("set enable_progress_bar = false")  # it would write to the terminal, past the log
    try:
        yield con
    finally:
        con.close()
