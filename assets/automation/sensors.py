"""The file-arrival sensor: a run when the landing folder's listing changes.

It looks at the file system only (names, sizes, modification times), never at the DuckDB file,
which a running writer holds, and hashes nothing: the run's plan finds and hashes what is new.
The listing's digest is the run key and a tag of the run.
"""

import hashlib
from pathlib import Path

import dagster as dg

from assets.automation.jobs import nightly_job
from pipelines.landing import discover

DIGEST_TAG = "parwatch/landing_digest"


def listing_digest(landing: Path) -> str:
    """A digest of (path, size, mtime) of every candidate file under the landing folder."""
    digest = hashlib.sha256()
    for landed in discover(landing):
        stat = landed.path.stat()
        digest.update(f"{landed.relative}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def build_landing_sensor(landing_path: str) -> dg.SensorDefinition:
    @dg.sensor(job=nightly_job, minimum_interval_seconds=60,
               default_status=dg.DefaultSensorStatus.STOPPED)
    def landing_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        """New or changed files in the landing folder: one run."""
        digest = listing_digest(Path(landing_path))
        if digest == context.cursor:
            return dg.SkipReason("no new file in the landing folder")
        request = dg.RunRequest(run_key=f"landing-{digest[:16]}", tags={DIGEST_TAG: digest})
        return dg.SensorResult(run_requests=[request], cursor=digest)

    return landing_sensor
