"""One run's life, whichever way it starts: begin, record, publish, finish. No Dagster here.

The writer keeps the warehouse file in place and changes it in DuckDB transactions (one file, one
transaction; dbt's models each in their own): nobody but the run's process opens it. Readers open
the serving file instead (`serving_path`): a small read-only DuckDB file holding the marts and the
audit tables a reader needs, written beside the warehouse at the end of a run whose marts were
built and checked (anew, or from a copy of the published one after an increment: `publish`), and
swapped in by one atomic rename. So a reader never blocks the run and never
sees a half-built mart (an open connection keeps the file it opened; the next one sees the new
file), and a run killed at any moment leaves the published state as it was. The next run finds
the killed run's committed files in the warehouse, loads the rest, rebuilds and publishes.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines import warehouse as wh

# The audit tables a reader of the serving file gets, as the select that copies each one.
# quarantine without raw_record: the rejected row as it arrived holds personal data in clear.
SERVED_AUDIT = {
    "runs": "select * from audit.runs",
    "file_manifest": "select * from audit.file_manifest",
    "check_results": "select * from audit.check_results",
    "value_warnings": "select * from audit.value_warnings",
    "quarantine": "select * exclude (raw_record) from audit.quarantine",
}
# Scratch tables of a file being loaded (pipelines.ingest); a killed run may leave them behind.
SCRATCH_TABLES = "table_name like '\\_loading\\_%' escape '\\'"


def serving_path(warehouse: Path | str) -> Path:
    """The file readers open, read-only, for the warehouse file `warehouse` (the writer's):
    `<dir>/<stem>.serving.duckdb`, e.g. data/warehouse.serving.duckdb for data/warehouse.duckdb."""
    warehouse = Path(warehouse)
    return warehouse.with_name(f"{warehouse.stem}.serving{warehouse.suffix or '.duckdb'}")


def begin(con: duckdb.DuckDBPyConnection, run_id: str, landing: Path, files_seen: int) -> None:
    """Start a run on the warehouse: its tables exist, whatever a killed run left is cleared, and
    the run has its audit.runs row (status running)."""
    wh.create_tables(con)
    for schema, table in con.execute(
            f"select schema_name, table_name from duckdb_tables() where {SCRATCH_TABLES}").fetchall():
        con.execute(f'drop table "{schema}"."{table}"')
    con.execute("update audit.runs set status = 'killed' where status = 'running'")
    con.execute("insert into audit.runs (run_id, started_at, status, landing, files_seen) "
                "values (?, ?, 'running', ?, ?)", [run_id, datetime.now(), str(landing), files_seen])


def record_as_of(con: duckdb.DuckDBPyConnection, run_id: str, as_of: str | None) -> None:
    con.execute("update audit.runs set as_of = ? where run_id = ?", [as_of, run_id])


def published_marts_current(con: duckdb.DuckDBPyConnection, warehouse: Path, as_of: str | None,
                            marts_fingerprint: str) -> bool:
    """Whether the published marts are what a build now would give: the last published run had the
    same as_of and the same dbt project (`marts_fingerprint`), and no run since has recorded a file
    (a killed run's, a blocked batch's). Then a run has nothing to build or publish."""
    return serving_path(warehouse).exists() and bool(wh.scalar(con, """
        with published as (
            select started_at, as_of, summary ->> 'marts_fingerprint' as fingerprint from audit.runs
            where status = 'succeeded' order by started_at desc limit 1
        )
        select count(*) from published
        where as_of is not distinct from ?::timestamp and fingerprint = ?
          and not exists (select 1 from audit.file_manifest m join audit.runs r using (run_id)
                          where r.started_at > published.started_at)""", [as_of, marts_fingerprint]))


def finish(con: duckdb.DuckDBPyConnection, run_id: str, status: str, **noted) -> dict:
    """Close the run's audit.runs row with its status and summary (see `run_summary`; `noted`
    adds to it, e.g. the marts' fingerprint)."""
    summary = run_summary(con, run_id) | noted
    con.execute("update audit.runs set finished_at = ?, status = ?, summary = ? where run_id = ?",
                [datetime.now(), status, json.dumps(summary, ensure_ascii=False), run_id])
    return summary


def publish(con: duckdb.DuckDBPyConnection, warehouse: Path, run_id: str, marts_fingerprint: str = "") -> Path:
    """Mark the run succeeded, write the serving file beside the warehouse and swap it in.

    After an incremental build on the build the serving file was published from, the new file
    starts as a copy of the published one, and a mart with a row per dossier (`dossier_code`) only
    has the rows of the dossiers of intermediate.int_dossiers_to_republish replaced (those the build
    recomputed, and the pending ones, whose lateness moves with as_of): an ended dossier nobody
    touched reads the same. Every other table is copied whole."""
    serving = serving_path(warehouse)
    delta = serving.exists() and _builds_on_published(con, run_id)
    finish(con, run_id, "succeeded", marts_fingerprint=marts_fingerprint,
           published="changed rows" if delta else "every row")
    building = serving.with_name(f".{serving.name}.building")
    for leftover in (building, building.with_name(building.name + ".wal")):  # a killed publish's
        leftover.unlink(missing_ok=True)
    if delta:
        shutil.copyfile(serving, building)
    con.execute(f"attach '{_quoted(building)}' as serving")
    try:
        con.execute("create schema if not exists serving.marts; create schema if not exists serving.audit")
        served = {t for (t,) in con.execute("select table_name from duckdb_tables() where database_name = "
                                             "'serving' and schema_name = 'marts'").fetchall()}
        if delta:  # the view once, not once per statement
            con.execute("create or replace temp table dossiers_to_republish as "
                        "select dossier_code from intermediate.int_dossiers_to_republish")
        replaced = "dossier_code in (select dossier_code from temp.dossiers_to_republish)"
        # the marts' views too (fct_dossiers reads the lateness at as_of): readers get tables
        for (table,) in con.execute("select table_name from information_schema.tables where table_catalog = "
                                    "current_database() and table_schema = 'marts' order by 1").fetchall():
            if delta and table in served and "dossier_code" in wh.table_columns(con, "marts", table):
                con.execute(f'delete from serving.marts."{table}" where {replaced}')
                con.execute(f'insert into serving.marts."{table}" by name select * from marts."{table}" '
                            f"where {replaced}")
            else:
                con.execute(f'create or replace table serving.marts."{table}" as select * from marts."{table}"')
        present = {t for (t,) in con.execute("select table_name from duckdb_tables() where database_name = "
                                              "current_database() and schema_name = 'audit'").fetchall()}
        for table, select in SERVED_AUDIT.items():
            if table in present:
                con.execute(f"create or replace table serving.audit.{table} as {select}")
        con.execute("checkpoint serving")
    finally:
        con.execute("detach serving; drop table if exists temp.dossiers_to_republish")
    os.replace(building, serving)
    return serving


def _builds_on_published(con: duckdb.DuckDBPyConnection, run_id: str) -> bool:
    """Whether this run's build was an increment on the build of the run that published the serving
    file: then only what it recomputed differs from the published marts (see `publish`)."""
    builds = con.execute("select run_id, mode, succeeded from audit.dbt_builds "
                         "order by started_at desc limit 2").fetchall()
    if len(builds) < 2 or builds[0][:2] != (run_id, "incremental") or not builds[0][2]:
        return False
    published = wh.scalar(con, "select run_id from audit.runs where status = 'succeeded' "
                               "order by started_at desc limit 1")
    return published == builds[1][0]


def run_summary(con: duckdb.DuckDBPyConnection, run_id: str) -> dict:
    """What the run did, from the audit tables: files by status, rows read = loaded + quarantined +
    duplicate, refused files, the commonest quarantine reasons, checks passed and failed."""
    run = [run_id]
    files = dict(con.execute("select status, count(*) from audit.file_manifest where run_id = ? "
                             "group by all", run).fetchall())
    totals = con.execute(
        "select coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), "
        "coalesce(sum(rows_quarantined), 0), coalesce(sum(rows_duplicate), 0) "
        "from audit.file_manifest where run_id = ?", run).fetchall()[0]
    refused = con.execute("select path, reason from audit.file_manifest where run_id = ? "
                          "and status = 'refused' order by path", run).fetchall()
    reasons = con.execute(
        "select regexp_replace(reason, '''.*''', '''…''') as reason, count(*) from audit.quarantine "
        "where run_id = ? group by all order by 2 desc, 1 limit 8", run).fetchall()
    build = con.execute(
        "select case when mode = 'incremental' then 'incremental: ' || coalesce(reason, 'not finished') "
        "else 'full refresh: ' || reason end from audit.dbt_builds where run_id = ?", run).fetchall()
    checks = con.execute(
        "select source || ': ' || check_name, success, blocking, details ->> 'blocked_since_run' "
        "from audit.check_results where run_id = ? order by source, check_name", run).fetchall()
    return {
        "files": files,
        "rows": dict(zip(("read", "loaded", "quarantined", "duplicate"), map(int, totals))),
        "refused": [list(row) for row in refused],
        "quarantine_reasons": [list(row) for row in reasons],
        "checks_passed": sum(1 for _, success, _, _ in checks if success),
        "checks_failed": [name + (" (blocking" + (f", since run {since[:8]}" if since else "") + ")"
                                  if blocking else "")
                          for name, success, blocking, since in checks if not success],
        "build": build[0][0] if build else "",
    }


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
