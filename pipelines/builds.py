"""How dbt builds the marts tonight: an increment or a full refresh. No Dagster here.

The per-dossier models (dbt_project/macros/dossier_increments.sql) are incremental: a build
recomputes only the dossiers with rows loaded since the last build, or whose state moves with
as_of. That is exact only when the intermediate tables hold what the last build made of the raw
rows it saw, so every build is recorded in audit.dbt_builds (pipelines/warehouse.py), and a build is a full refresh when:
  * no build is recorded, or the last one did not finish (its tables may be half updated);
  * the dbt project changed since (another fingerprint: the models may compute other columns);
  * an as_of was given, to this build or the last (a past as_of is not a night moving forward);
  * a catalogue (procedures, agencies, days off) loaded rows since: they reach every dossier;
  * raw rows the last build saw are gone (quarantined by hand, pipelines.quality.quarantine_rows):
    the increment only knows rows that arrive;
  * the run asks for one (`parwatch run --full-refresh`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import duckdb

from pipelines.warehouse import scalar

# Raw tables whose new rows reach every dossier: a full refresh.
CATALOGUES = ("danhmuc_thutuc", "danhmuc_donvi", "danhmuc_ngaynghi")


@dataclass(frozen=True)
class BuildPlan:
    full_refresh: bool
    reason: str
    loaded_through: datetime | None
    raw_rows: dict[str, int]
    # an increment's bounds, from the last build: the newest load it saw and its as_of (recorded in
    # audit.dbt_builds, where the dbt macro `increment_bounds` reads them: not dbt vars, whose
    # change every night would cost dbt a full re-parse)
    changed_since: datetime | None = None
    previous_as_of: datetime | None = None

    @property
    def mode(self) -> str:
        return "full" if self.full_refresh else "incremental"


def _raw_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [t for (t,) in con.execute("select table_name from duckdb_tables() where database_name = "
                                      "current_database() and schema_name = 'raw' and table_name "
                                      "not like '\\_%' escape '\\' order by 1").fetchall()]


def plan_build(con: duckdb.DuckDBPyConnection, as_of_given: str | None, fingerprint: str,
               asked: bool = False) -> BuildPlan:
    """Whether tonight's build may be an increment on the last one, and from where (`asked`: the
    run asked for a full refresh, `parwatch run --full-refresh`)."""
    tables = _raw_tables(con)
    loaded_through = scalar(con, "select max(loaded) from (" + " union all ".join(
        f"select max(_loaded_at) as loaded from raw.{t}" for t in tables) + ")") if tables else None
    raw_rows = {t: int(scalar(con, f"select count(*) from raw.{t}")) for t in tables}

    def full(reason: str) -> BuildPlan:
        return BuildPlan(True, reason, loaded_through, raw_rows)

    last = con.execute("select succeeded, fingerprint, as_of_given, as_of, loaded_through, raw_rows "
                       "from audit.dbt_builds order by started_at desc limit 1").fetchall()
    if asked:
        return full("asked for (--full-refresh)")
    if not last:
        return full("the first build")
    succeeded, last_fingerprint, last_as_of_given, last_as_of, last_loaded, last_rows = last[0]
    if not succeeded:
        return full("the last build did not finish")
    if last_fingerprint != fingerprint:
        return full("the dbt project changed")
    if as_of_given or last_as_of_given:
        return full("an as_of was given" + (" to the last build" if not as_of_given else ""))
    if not last_loaded or not last_as_of:
        return full("the last build saw no rows")
    for table in CATALOGUES:
        if table in tables and scalar(con, f"select count(*) from raw.{table} where _loaded_at > ?", [last_loaded]):
            return full(f"raw.{table} has new rows")
    for table, count in json.loads(last_rows).items():
        still = scalar(con, f"select count(*) from raw.{table} where _loaded_at <= ?", [last_loaded]) \
            if table in tables else 0
        if still != count:
            return full(f"raw.{table} lost {count - still} of the rows the last build saw")
    return BuildPlan(False, "", loaded_through, raw_rows, changed_since=last_loaded, previous_as_of=last_as_of)


def start(con: duckdb.DuckDBPyConnection, run_id: str, plan: BuildPlan, as_of_given: str | None,
          fingerprint: str) -> None:
    """Record the build before dbt starts: a build that never finishes leaves succeeded NULL."""
    con.execute("insert into audit.dbt_builds (run_id, started_at, mode, reason, as_of_given, fingerprint, "
                "loaded_through, raw_rows, changed_since, previous_as_of) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [run_id, datetime.now(), plan.mode, plan.reason, as_of_given, fingerprint,
                 plan.loaded_through, json.dumps(plan.raw_rows), plan.changed_since, plan.previous_as_of])


def finish(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Close the record of a build that built and passed every node, with the as_of it used and,
    for an increment, how many dossiers it recomputed. (A build that fails is never closed: its
    succeeded stays NULL and the next build is a full refresh.)"""
    as_of = scalar(con, "select as_of from intermediate.int_as_of")
    changed = scalar(con, "select count(*) from intermediate.int_dossier_changes")
    con.execute("update audit.dbt_builds set finished_at = ?, succeeded = true, as_of = ?, "
                "reason = case when mode = 'incremental' then ? else reason end where run_id = ?",
                [datetime.now(), as_of, f"{changed:,} dossiers recomputed", run_id])
