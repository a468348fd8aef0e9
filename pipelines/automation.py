"""When the pipeline runs: the nightly job, its 01:00 schedule and the file-arrival sensor.

Both start the same job over a range of export-date partitions in one run (the assets skip files
already recorded, so a generous range costs only the hashing of those files). They look at the
file system only, never at the DuckDB file, which a running writer holds.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import dagster as dg

from pipelines.landing import LOCAL, LandedFile, discover

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
# Every run that writes the warehouse carries this tag; dagster.yaml allows one such run at a time.
WRITER_TAG = {"parwatch/writer": "warehouse"}
CATCH_UP_DAYS = 7

nightly_job = dg.define_asset_job(
    "parwatch_nightly",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    tags=WRITER_TAG,
    description="Load new exports, check them, build the marts.",
)


def range_tags(first: date, last: date) -> dict[str, str]:
    return {RANGE_START_TAG: first.isoformat(), RANGE_END_TAG: last.isoformat()}


def export_date_range(files: list[LandedFile]) -> tuple[date, date] | None:
    dates = [f.export_date for f in files if not f.refusal]
    return (min(dates), max(dates)) if dates else None


@dg.schedule(cron_schedule="0 1 * * *", execution_timezone="Asia/Ho_Chi_Minh", job=nightly_job,
             default_status=dg.DefaultScheduleStatus.STOPPED)
def nightly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """At 01:00 local time: the last week of export dates (late files included)."""
    today = context.scheduled_execution_time.astimezone(LOCAL).date()
    return dg.RunRequest(run_key=f"nightly-{today}",
                         tags=range_tags(today - timedelta(days=CATCH_UP_DAYS), today))


def _listing(files: list[LandedFile]) -> tuple[str, int]:
    """A digest of (path, size, mtime) of every file, and the newest mtime."""
    digest = hashlib.sha256()
    newest = 0
    for landed in files:
        stat = landed.path.stat()
        digest.update(f"{landed.relative}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        newest = max(newest, stat.st_mtime_ns)
    return digest.hexdigest(), newest


def build_landing_sensor(landing_path: str) -> dg.SensorDefinition:
    @dg.sensor(job=nightly_job, minimum_interval_seconds=60,
               default_status=dg.DefaultSensorStatus.STOPPED)
    def landing_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        """New or changed files in the landing folder: one run over their export dates."""
        files = discover(Path(landing_path))
        digest, newest = _listing(files)
        cursor = json.loads(context.cursor) if context.cursor else {"digest": "", "mtime": 0}
        if digest == cursor["digest"]:
            return dg.SkipReason("no new file in the landing folder")
        fresh = [f for f in files if f.path.stat().st_mtime_ns > cursor["mtime"]] or files
        span = export_date_range(fresh) or (datetime.now(LOCAL).date(),) * 2
        request = dg.RunRequest(run_key=f"landing-{digest[:16]}", tags=range_tags(*span))
        return dg.SensorResult(run_requests=[request],
                               cursor=json.dumps({"digest": digest, "mtime": newest}))

    return landing_sensor
