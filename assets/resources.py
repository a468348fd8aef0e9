"""Dagster resources: the landing folder, and the run's warehouse with its lifecycle.

`WarehouseRun` gives every run, whichever way it starts (`parwatch run`, the UI, the schedule,
the sensor), the same life (pipelines.lifecycle): at setup it takes the writer lock, plans the run
(pipelines.plan: the only walk of the landing folder) into audit.run_plan and opens the run's
audit.runs row; the terminal `warehouse/publish` asset publishes the serving file; at teardown a
writer process the run started (dbt) and left running is stopped, the run is closed as failed
unless it published, and the lock is released. The nightly job runs
in-process, so setup and teardown happen once per run.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from pipelines import lifecycle, warehouse
from pipelines.keys import pii_key
from pipelines.landing import LandedFile
from pipelines.plan import RunPlan, plan_run, planned_files, record_plan

# DuckDB has one writer: every step that writes the warehouse runs in this Dagster pool (limit 1).
WRITER_POOL = "duckdb_writer"


class Landing(dg.ConfigurableResource):
    """The landing folder the exports are dropped into."""

    path: str
    pii_key_file: str | None = None  # the demo's local key file, when PARWATCH_PII_KEY is unset

    def key(self) -> bytes:
        return pii_key(Path(self.pii_key_file) if self.pii_key_file else None)


class WarehouseRun(dg.ConfigurableResource):
    """The writer's DuckDB file for one run, and the run's lifecycle (see the module docstring)."""

    path: str
    landing: Landing

    _lock: ExitStack = PrivateAttr(default_factory=ExitStack)
    _run_id: str | None = PrivateAttr(default=None)
    _plan: RunPlan | None = PrivateAttr(default=None)
    _status: str = PrivateAttr(default="failed")  # until the run publishes, or finds nothing to do
    _marts_fingerprint: str = PrivateAttr(default="")
    _writers: list[subprocess.Popen] = PrivateAttr(default_factory=list)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._run_id = context.run.run_id
        self._lock.enter_context(warehouse.writer_lock(Path(self.path)))
        try:
            with self.connect() as con:
                con.execute("begin transaction")
                lifecycle.begin(con, self._run_id, Path(self.landing.path), files_seen=0)
                self._plan = plan_run(Path(self.landing.path), con)
                record_plan(con, self._run_id, self._plan)
                con.execute("update audit.runs set files_seen = ? where run_id = ?",
                            [self._plan.files_seen, self._run_id])
                con.execute("commit")
        except BaseException:
            self._lock.close()
            raise
        span = self._plan.span
        if context.log:
            context.log.info(f"Landing {self.landing.path}: {self._plan.files_seen} files, "
                             f"{len(self._plan.files)} new"
                             + (f"; export dates {span[0]} .. {span[1]}" if span else ""))

    def writer_started(self, process: subprocess.Popen) -> None:
        """A process writing the file for this run (dbt): a step that fails while it runs (an
        interrupted event stream) leaves it running; teardown stops it before closing the run."""
        self._writers.append(process)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        for process in self._writers:
            if process.poll() is None:
                process.terminate()
                process.wait()
        try:
            if self._status != "succeeded" and self._run_id:
                with self.connect() as con:
                    lifecycle.finish(con, self._run_id, self._status)
        finally:
            self._lock.close()

    @property
    def run_id(self) -> str:
        return self._run_id

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the writer's file (the run holds the writer lock)."""
        with warehouse.connect(self.path) as con:
            yield con

    def files_to_load(self, con: duckdb.DuckDBPyConnection, folder: str) -> list[LandedFile]:
        return planned_files(con, Path(self.landing.path), self._run_id, folder)

    def marts_current(self, as_of: str | None, marts_fingerprint: str) -> bool:
        """Nothing to build: the published marts stand (the run ends `unchanged`); else note the
        fingerprint the publish step records."""
        self._marts_fingerprint = marts_fingerprint
        with self.connect() as con:
            current = lifecycle.published_marts_current(con, Path(self.path), as_of, marts_fingerprint)
        if current:
            self._status = "unchanged"
        return current

    def publish(self) -> Path:
        with self.connect() as con:
            serving = lifecycle.publish(con, Path(self.path), self._run_id, self._marts_fingerprint)
        self._status = "succeeded"
        return serving
