"""The dbt project as Dagster assets, downstream of the ingestion assets; dbt tests are asset checks.

The manifest is prepared once, at install (the `dbt-manifest` make target imports this module),
and again on import whenever the project's files changed since it was parsed (their fingerprint
is kept beside it): a checkout that pulled a new model never runs a stale manifest.
"""

import hashlib
import json
import sys
from functools import cached_property
from pathlib import Path

import dagster as dg
import dbt.version
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets
from packaging import version

from assets.dbt.translator import ParwatchTranslator
from assets.resources import WRITER_POOL, WarehouseRun
from pipelines import builds, lifecycle
from pipelines.as_of import normalise_as_of

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent.parent / "dbt_project"
# the dbt next to this interpreter: the virtualenv's bin/ need not be on PATH
DBT_EXECUTABLE = Path(sys.executable).parent / "dbt"


class ParwatchDbtCliResource(DbtCliResource):
    """dagster-dbt's resource without two things it does before every dbt command that a ParWatch
    build does not use (together 4-7 s a night on 2 cores, before dbt itself starts):
    `dbt --version` in a subprocess, to learn the version of the dbt next to this interpreter
    (dbt-core's, installed in this environment: read it from the package), and a dbt adapter
    opened in this process, which only `fetch_column_metadata`/`fetch_row_counts` use.
    Both are private methods of dagster-dbt 0.29 (pinned); test_dbt_project checks the version."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(dbt.version.__version__)

    def _initialize_dbt_core_adapter(self, args):  # noqa: ARG002 (dagster-dbt's signature)
        return None


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_resource = ParwatchDbtCliResource(
    project_dir=dbt_project, dbt_executable=str(DBT_EXECUTABLE) if DBT_EXECUTABLE.exists() else "dbt"
)

# The dbt project's own files: what a build reads besides the warehouse (not its build output).
PROJECT_SOURCES = ("dbt_project.yml", "profiles.yml", "packages.yml", "models", "macros", "tests", "seeds",
                   "snapshots", "analyses")


def marts_fingerprint(project_dir: Path) -> str:
    """A digest of the dbt project's files: a build with the same fingerprint, as_of and raw rows
    gives the same marts (read from the files, so a stale manifest cannot hide a change)."""
    digest = hashlib.sha256()
    for name in PROJECT_SOURCES:
        root = project_dir / name
        for path in sorted([root] if root.is_file() else root.rglob("*") if root.is_dir() else []):
            if path.is_file():
                digest.update(f"{path.relative_to(project_dir)}\0".encode() + path.read_bytes() + b"\0")
    return digest.hexdigest()


MARTS_FINGERPRINT = marts_fingerprint(DBT_PROJECT_DIR)

# The manifest is re-parsed whenever the project's files differ from those it was parsed from (a
# pull that adds a model must not meet a manifest without it), whatever starts the process.
MANIFEST_FINGERPRINT = dbt_project.manifest_path.with_name("manifest.fingerprint")
dbt_project.prepare_if_dev()
if not (dbt_project.manifest_path.exists() and MANIFEST_FINGERPRINT.exists()
        and MANIFEST_FINGERPRINT.read_text() == MARTS_FINGERPRINT):
    dbt_resource.cli(["parse", "--quiet"], target_path=dbt_project.target_path).wait()
    MANIFEST_FINGERPRINT.write_text(MARTS_FINGERPRINT)


class MartsConfig(dg.Config):
    as_of: str | None = None  # 'YYYY-MM-DD HH:MM[:SS]' local time; None: end of the latest export date
    full_refresh: bool = False  # rebuild every model, even when an increment would do


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=ParwatchTranslator(),
    pool=WRITER_POOL,
)
def parwatch_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse_run: WarehouseRun,
                        config: MartsConfig):
    as_of = normalise_as_of(config.as_of)
    with warehouse_run.connect() as con:  # closed before dbt opens the file: DuckDB has one writer
        lifecycle.record_as_of(con, warehouse_run.run_id, as_of)
    if not config.full_refresh and warehouse_run.marts_current(as_of, MARTS_FINGERPRINT):
        context.log.info("nothing new since the last published run: the published marts stand")
        return
    with warehouse_run.connect() as con:
        plan = builds.plan_build(con, as_of, MARTS_FINGERPRINT, asked=config.full_refresh)
        builds.start(con, warehouse_run.run_id, plan, as_of, MARTS_FINGERPRINT)
    context.log.info(f"dbt build: {'full refresh, ' + plan.reason if plan.full_refresh else 'incremental'}")
    # The same vars night after night (an as_of given means a full refresh anyway) and one target
    # folder per warehouse, kept: dbt re-parses only the project files that changed
    # (partial_parse.msgpack); the increment's bounds come from audit.dbt_builds.
    dbt_vars = {"warehouse": warehouse_run.path, **({"as_of": as_of} if as_of else {})}
    # dbt.log in dbt's own debug text, not the JSON that dagster-dbt's DBT_LOG_FORMAT=json also
    # gives the file: ~4,300 debug events a night, each made a dict and dumped as JSON, cost dbt
    # seconds of its run; Dagster reads the JSON lines of stdout only.
    args = ["build", "--exclude-resource-type", "unit_test", "--log-format-file", "debug",
            "--vars", json.dumps(dbt_vars)]
    build = dbt.cli(args + (["--full-refresh"] if plan.full_refresh else []), context=context,
                    target_path=dbt_target_path(Path(warehouse_run.path)))
    warehouse_run.writer_started(build.process)
    yield from build.stream()
    with warehouse_run.connect() as con:  # reached only when every node built and passed
        builds.finish(con, warehouse_run.run_id)


def dbt_target_path(warehouse: Path) -> Path:
    """dbt's artifacts and logs for the builds of `warehouse`, beside it (one writer at a time)."""
    return warehouse.with_name(f".{warehouse.stem}.dbt")
