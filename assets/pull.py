"""Pulling as Dagster assets: one asset per source of sources.yaml (group `pull`), each with its own
job and schedule, so a source that fails fails its own run and never another's.

This is a code location of its own (workspace.yaml lists it beside `assets.definitions`): a pull
writes only the landing folder, never the warehouse, so it stays out of the nightly job, which
selects every asset of its code location, and out of the warehouse writers' pool. New files it lands
start the nightly job through the landing sensor, like files copied by hand.

Paths: PARWATCH_SOURCES (default sources.yaml at the top of the repository) and PARWATCH_LANDING
(default data/landing), as the main code location.
"""

import os
from pathlib import Path

import dagster as dg

from pipelines.pull import PullSource, load_sources, pull

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SOURCES = REPO / "sources.yaml"
DEFAULT_LANDING = REPO / "data" / "landing"


def pull_asset(source: PullSource, landing: Path) -> dg.AssetsDefinition:
    @dg.asset(key=["pull", source.name], group_name="pull", kinds={source.scheme},
              description=f"New exports of {source.url} pulled into {landing}"
                          + (f"/{source.into}" if source.into else ""))
    def _pull(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        report = pull(source, landing, log=context.log.info)
        metadata = {"landed": len(report.landed), "unchanged": report.unchanged,
                    "waiting": len(report.waiting), "failed": len(report.failed),
                    "bytes": report.bytes, "seconds": round(report.seconds, 1),
                    "landed_files": dg.MetadataValue.json(report.landed[:200])}
        if not report.ok:
            raise dg.Failure(description="; ".join(f"{name}: {why}" for name, why in report.failed[:10]),
                             metadata=metadata)
        return dg.MaterializeResult(metadata=metadata)

    return _pull


def build_pull_definitions(sources: list[PullSource], landing: Path) -> dg.Definitions:
    """An asset, a job and a schedule (stopped until switched on, as the nightly one) per source."""
    assets = [pull_asset(source, landing) for source in sources]
    jobs = [dg.define_asset_job(f"pull_{source.name}", selection=[asset.key],
                                description=f"Pull {source.url}")
            for source, asset in zip(sources, assets)]
    schedules = [dg.ScheduleDefinition(name=f"pull_{source.name}_schedule", job=job,
                                       cron_schedule=source.schedule, execution_timezone="Asia/Ho_Chi_Minh",
                                       default_status=dg.DefaultScheduleStatus.STOPPED)
                 for source, job in zip(sources, jobs)]
    return dg.Definitions(assets=assets, jobs=jobs, schedules=schedules)


defs = build_pull_definitions(
    load_sources(Path(os.environ.get("PARWATCH_SOURCES", DEFAULT_SOURCES))),
    Path(os.environ.get("PARWATCH_LANDING", DEFAULT_LANDING)),
)
