"""`parwatch run`: the nightly Dagster job, executed in-process on one landing folder and one warehouse.

The command runs the very assets the Dagster UI shows (no second code path): it plans the range of
export-date partitions present in the landing folder, executes the job over that range in one run,
then reads the audit tables to summarise what happened.

Readers never meet a half-written warehouse, and never make the run fail: the run writes a private
working copy and, once the job has finished, atomically renames it over the warehouse file. A
reader's read-only connection (which holds DuckDB's file lock) keeps the version it opened; the next
connection sees the new one. A run killed at any moment leaves the warehouse file as it was; the
next run discards the killed run's working copy.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import uuid
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Callable

import dagster as dg

from pipelines import warehouse as wh
from pipelines.automation import export_date_range, range_tags
from pipelines.console import progress_logger
from pipelines.landing import LOCAL, LandedFile, discover, sha256_of
from pipelines.keys import pii_key


@dataclass
class RunSummary:
    run_id: str
    landing: Path
    warehouse: Path
    success: bool  # the marts were built
    seconds: float
    files: dict[str, int] = field(default_factory=dict)  # status -> files, this run
    rows: dict[str, int] = field(default_factory=dict)  # read / loaded / quarantined / duplicate
    refused: list[tuple[str, str]] = field(default_factory=list)
    quarantine_reasons: list[tuple[str, int]] = field(default_factory=list)
    checks_passed: int = 0
    checks_failed: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)


def working_copy(warehouse: Path) -> Path:
    """A fresh copy of the warehouse for this run to write, in a sibling folder under the same file
    name (DuckDB names the catalog after the file). Whatever a killed run left there is discarded."""
    work = warehouse.parent / f".{warehouse.name}.work" / warehouse.name
    shutil.rmtree(work.parent, ignore_errors=True)
    work.parent.mkdir(parents=True)
    if warehouse.with_name(warehouse.name + ".wal").exists():
        with wh.connect(warehouse):  # a writer of the file itself (e.g. the Dagster UI) died: checkpoint
            pass
    if warehouse.exists():
        shutil.copyfile(warehouse, work)
    return work


def publish(work: Path, warehouse: Path) -> None:
    """Atomically replace the warehouse file by the finished working copy (checkpointed, no WAL)."""
    with wh.connect(work) as con:
        con.execute("checkpoint")
    if work.with_name(work.name + ".wal").exists():
        raise RuntimeError(f"{work} kept a write-ahead log after its checkpoint; not published")
    os.replace(work, warehouse)
    shutil.rmtree(work.parent, ignore_errors=True)


def unrecorded(files: list[LandedFile], warehouse: Path) -> list[LandedFile]:
    """The files whose (path, content) the warehouse's manifest has not recorded yet. Planning the
    run over their export dates only keeps Dagster's per-partition bookkeeping to what is new."""
    recorded: set[tuple[str, str]] = set()
    if warehouse.exists():
        with wh.connect(warehouse, read_only=True) as con:
            if wh.scalar(con, "select count(*) from duckdb_tables() "
                              "where schema_name = 'audit' and table_name = 'file_manifest'"):
                recorded = set(con.execute("select path, sha256 from audit.file_manifest").fetchall())
    return [f for f in files if (f.relative, sha256_of(f.path)) not in recorded]


def _instance() -> dg.DagsterInstance:
    """The Dagster instance of DAGSTER_HOME when set (runs show in the UI), else an ephemeral one."""
    return dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()


def run_pipeline(landing: Path, warehouse: Path, as_of: str | None = None,
                 demo_key_file: Path | None = None,
                 log: Callable[[str], None] | None = None) -> RunSummary:
    """Load everything new under `landing` into `warehouse`, build the marts, run the checks.

    Progress lines go to `log` (default: this process's standard output); Dagster's and dbt's
    full logs go to a log file beside the warehouse.
    """
    from assets.marts import normalise_as_of
    from pipelines.definitions import build_definitions, run_config

    landing, warehouse = Path(landing).resolve(), Path(warehouse).resolve()
    pii_key(demo_key_file)  # a missing or short key stops here, before anything is written
    as_of = normalise_as_of(as_of)  # so does a malformed --as-of
    if not landing.is_dir():
        raise FileNotFoundError(f"landing folder {landing} does not exist")
    console = sys.stdout
    log = log or (lambda line: print(line, file=console, flush=True))
    started, started_at = time.monotonic(), datetime.now()
    with wh.writer_lock(warehouse):
        files = discover(landing)
        new = unrecorded(files, warehouse)
        # nothing new with a date: one day, the latest, so the marts are still rebuilt and checked
        latest = (export_date_range(files) or (datetime.now(LOCAL).date(),) * 2)[1]
        span = export_date_range(new) or (latest, latest)
        log(f"Landing {landing}: {len(files)} files, {len(new)} new; export dates {span[0]} .. {span[1]}")
        run_id = str(uuid.uuid4())
        work = working_copy(warehouse)
        log_file = warehouse.parent / "logs" / f"parwatch_{started_at:%Y%m%d_%H%M%S}_{run_id[:8]}.log"
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log(f"Full log (Dagster and dbt): {log_file}")
        with open(log_file, "w") as full_log, redirect_stdout(full_log), redirect_stderr(full_log):
            defs = build_definitions(landing, work, demo_key_file,
                                     console=progress_logger(log, full_log))
            result = defs.resolve_job_def("parwatch_nightly").execute_in_process(
                instance=_instance(),
                run_config=run_config(as_of) | {"loggers": {"console": {}}},
                tags=range_tags(*span),
                raise_on_error=False,
                run_id=run_id,
            )
        summary = summarise(result, landing, work, time.monotonic() - started)
        with wh.connect(work) as con:
            con.execute("insert into audit.runs values (?, ?, ?, ?, ?, ?, ?, ?)",
                        [summary.run_id, started_at, datetime.now(),
                         "succeeded" if summary.success else "failed", str(landing),
                         as_of, len(files), json.dumps(summary.files | summary.rows)])
        publish(work, warehouse)
    return replace(summary, warehouse=warehouse)


def summarise(result: dg.ExecuteInProcessResult, landing: Path, warehouse: Path,
              seconds: float) -> RunSummary:
    failed = [event.step_key for event in result.all_events
              if event.event_type_value == "STEP_FAILURE" and event.step_key]
    built = any(key.path[0] == "marts" for key in
                (event.asset_key for event in result.get_asset_materialization_events()))
    summary = RunSummary(result.run_id, landing, warehouse, success=built and not failed,
                         seconds=seconds, failed_steps=failed)
    with wh.connect(warehouse, read_only=True) as con:
        run = [result.run_id]
        summary.files = dict(con.execute(
            "select status, count(*) from audit.file_manifest where run_id = ? group by all", run).fetchall())
        totals = con.execute(
            "select coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), "
            "coalesce(sum(rows_quarantined), 0), coalesce(sum(rows_duplicate), 0) "
            "from audit.file_manifest where run_id = ?", run).fetchall()[0]
        summary.rows = dict(zip(("read", "loaded", "quarantined", "duplicate"), totals))
        summary.refused = con.execute(
            "select path, reason from audit.file_manifest where run_id = ? and status = 'refused' "
            "order by path", run).fetchall()
        summary.quarantine_reasons = con.execute(
            "select regexp_replace(reason, '''.*''', '''…''') as reason, count(*) from audit.quarantine "
            "where run_id = ? group by all order by 2 desc limit 8", run).fetchall()
        checks = con.execute(
            "select source || ': ' || check_name, success, blocking from audit.check_results "
            "where run_id = ?", run).fetchall()
    summary.checks_passed = sum(1 for _, success, _ in checks if success)
    summary.checks_failed = [f"{name}{' (blocking)' if blocking else ''}"
                             for name, success, blocking in checks if not success]
    return summary
