"""What a run loads: the one place that walks the landing folder and hashes its files.

A run's plan is every landed file whose (path, content) the manifest has not recorded yet, hashed
once. It is written to audit.run_plan under the run id, and the ingestion assets read it from there:
nothing else in a run lists the folder. A file planned by an earlier run with the same size and
modification time keeps that run's hash, so a night with nothing new hashes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from pipelines.landing import LandedFile, classify, discover, sha256_of

PLAN_DDL = """
create table if not exists audit.run_plan (
    run_id varchar not null,
    path varchar not null,          -- relative to the landing folder
    folder varchar not null,
    export_date date,
    sha256 varchar not null,
    bytes bigint,
    mtime_ns bigint,                -- with bytes: the file has not changed since it was hashed
    refusal varchar                 -- why it cannot be loaded, known before reading it
)
"""


@dataclass(frozen=True)
class PlannedFile:
    relative: str
    folder: str
    export_date: date | None
    sha256: str
    bytes: int
    mtime_ns: int
    refusal: str | None


@dataclass(frozen=True)
class RunPlan:
    files: tuple[PlannedFile, ...]  # new files only, in discovery order (folder, name)
    files_seen: int  # every candidate file under the landing folder

    @property
    def span(self) -> tuple[date, date] | None:
        """The export dates of the new files that can be loaded, for the run's headline."""
        dates = [f.export_date for f in self.files if not f.refusal and f.export_date]
        return (min(dates), max(dates)) if dates else None


def plan_run(landing: Path, con: duckdb.DuckDBPyConnection) -> RunPlan:
    """The landing folder's files the warehouse behind `con` has not recorded yet."""
    con.execute(PLAN_DDL)
    files = discover(Path(landing))
    recorded = set(con.execute("select path, sha256 from audit.file_manifest").fetchall())
    known = {(path, size, mtime): sha for path, size, mtime, sha in con.execute(
        "select distinct path, bytes, mtime_ns, sha256 from audit.run_plan").fetchall()}
    planned = []
    for landed in files:
        stat = landed.path.stat()
        sha = known.get((landed.relative, stat.st_size, stat.st_mtime_ns)) or sha256_of(landed.path)
        if (landed.relative, sha) not in recorded:
            planned.append(PlannedFile(landed.relative, landed.folder, landed.export_date, sha,
                                       stat.st_size, stat.st_mtime_ns, landed.refusal))
    return RunPlan(tuple(planned), len(files))


def record_plan(con: duckdb.DuckDBPyConnection, run_id: str, plan: RunPlan) -> None:
    con.execute(PLAN_DDL)
    if not plan.files:
        return
    con.executemany(
        "insert into audit.run_plan values (?, ?, ?, ?, ?, ?, ?, ?)",
        [[run_id, f.relative, f.folder, f.export_date, f.sha256, f.bytes, f.mtime_ns, f.refusal]
         for f in plan.files],
    )


def planned_files(con: duckdb.DuckDBPyConnection, landing: Path, run_id: str, folder: str) -> list[LandedFile]:
    """The run's planned files of one landing folder, as landed files to load."""
    con.execute(PLAN_DDL)
    rows = con.execute("select path from audit.run_plan where run_id = ? and folder = ? order by path",
                       [run_id, folder]).fetchall()
    landing = Path(landing)
    return [classify(landing, landing / relative, folder) for (relative,) in rows]
