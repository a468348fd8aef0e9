"""`parwatch run`: the nightly Dagster job, executed in-process on one landing folder and one warehouse.

The command runs the very job the Dagster UI, the schedule and the sensor start (no second code
path): the WarehouseRun resource plans the run, takes the writer lock and keeps audit.runs; the
`warehouse/publish` asset publishes the serving file (pipelines.lifecycle). This module only
launches the job, sends its progress to the console and its full log to a file, and reads back the
run's summary. One of the two launchers (with cli.py) that may import the code location.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines import warehouse as wh
from pipelines.as_of import normalise_as_of
from pipelines.keys import pii_key
from pipelines.lifecycle import serving_path

if TYPE_CHECKING:
    import dagster as dg


@dataclass
class RunSummary:
    run_id: str
    landing: Path
    warehouse: Path  # the writer's file
    serving: Path  # the file readers open (pipelines.lifecycle.serving_path)
    success: bool  # the marts were built, checked and published, or stand unchanged (nothing new)
    status: str  # audit.runs.status: succeeded, unchanged, failed
    seconds: float
    files: dict[str, int] = field(default_factory=dict)  # status -> files, this run
    rows: dict[str, int] = field(default_factory=dict)  # read / loaded / quarantined / duplicate
    refused: list[tuple[str, str]] = field(default_factory=list)
    quarantine_reasons: list[tuple[str, int]] = field(default_factory=list)
    checks_passed: int = 0
    checks_failed: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    build: str = ""  # how dbt built: "incremental: N dossiers recomputed", "full refresh: <why>"


def _instance() -> dg.DagsterInstance:
    """The Dagster instance of DAGSTER_HOME when set (runs show in the UI), else an ephemeral one."""
    import dagster as dg

    return dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()


def run_pipeline(landing: Path, warehouse: Path, as_of: str | None = None,
                 demo_key_file: Path | None = None,
                 log: Callable[[str], None] | None = None, full_refresh: bool = False) -> RunSummary:
    """Load everything new under `landing` into `warehouse`, build the marts, run the checks,
    publish the serving file.

    Progress lines go to `log` (default: this process's standard output); Dagster's and dbt's
    full logs go to a log file beside the warehouse. Dagster is imported once the run may start:
    a missing key or a bad --as-of is refused at once.
    """
    from assets.console import progress_logger
    from assets.definitions import build_definitions, run_config

    landing, warehouse = Path(landing).resolve(), Path(warehouse).resolve()
    pii_key(demo_key_file)  # a missing or short key stops here, before anything is written
    as_of = normalise_as_of(as_of)  # so does a malformed --as-of
    if not landing.is_dir():
        raise FileNotFoundError(f"landing folder {landing} does not exist")
    console = sys.stdout
    log = log or (lambda line: print(line, file=console, flush=True))
    started, run_id = time.monotonic(), str(uuid.uuid4())
    log_file = warehouse.parent / "logs" / f"parwatch_{datetime.now():%Y%m%d_%H%M%S}_{run_id[:8]}.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log(f"Full log (Dagster and dbt): {log_file}")
    with open(log_file, "w") as full_log, redirect_stdout(full_log), redirect_stderr(full_log):
        defs = build_definitions(landing, warehouse, demo_key_file, console=progress_logger(log, full_log))
        result = defs.resolve_job_def("parwatch_nightly").execute_in_process(
            instance=_instance(),
            run_config=run_config(as_of, full_refresh) | {"loggers": {"console": {}}},
            raise_on_error=False,
            run_id=run_id,
        )
    _raise_if_busy(result)
    with wh.connect(warehouse, read_only=True) as con:
        status, summary = con.execute("select status, summary from audit.runs where run_id = ?",
                                      [run_id]).fetchall()[0]
    summary = json.loads(summary)
    failed = [event.step_key for event in result.all_events
              if event.event_type_value == "STEP_FAILURE" and event.step_key]
    return RunSummary(
        run_id, landing, warehouse, serving_path(warehouse),
        success=status in ("succeeded", "unchanged"), status=status,
        seconds=time.monotonic() - started, files=summary["files"], rows=summary["rows"],
        refused=[tuple(row) for row in summary["refused"]],
        quarantine_reasons=[tuple(row) for row in summary["quarantine_reasons"]],
        checks_passed=summary["checks_passed"], checks_failed=summary["checks_failed"], failed_steps=failed,
        build=summary.get("build", ""))


def _raise_if_busy(result: dg.ExecuteInProcessResult) -> None:
    """Another run holds the warehouse: the resource refused to start this one (exit 2, not 1)."""
    for event in result.all_events:
        error = getattr(event.event_specific_data, "error", None)
        while error is not None:
            if error.cls_name == "WarehouseBusy":
                raise wh.WarehouseBusy(error.message.split(": ", 1)[-1].strip())
            error = error.cause
