"""Incremental dbt builds (issue 10): nights built as increments give exactly the marts of a full
refresh, and the run falls back to a full refresh whenever an increment would not be exact.

A generated sample province lands night by night (its files in export-date order, cut into four
nights); the real `parwatch run` job runs after each. The first build is full, the next ones are
increments recomputing a part of the dossiers. Then `parwatch run --full-refresh` rebuilds a copy
of that warehouse: every intermediate and mart relation must hold the same rows.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from conftest import built_warehouse, query

from assets.dbt.assets import MARTS_FINGERPRINT, dbt_target_path
from pipelines import builds
from pipelines.generator import generate
from pipelines.landing import discover
from pipelines.lifecycle import serving_path

# the increment's own work lists (empty, or every period, in a full refresh)
WORK_LISTS = {"int_dossier_changes", "int_dossier_period_states_replaced", "int_dossier_period_changes",
              "int_periods_recounted", "int_dossiers_to_republish"}
NIGHTS = (date(2025, 4, 20), date(2025, 5, 10), date(2025, 5, 25), date(9999, 12, 31))


@pytest.fixture(scope="module")
def nightly(tmp_path_factory) -> Path:
    """A warehouse built night by night, one `parwatch run` per night."""
    root = tmp_path_factory.mktemp("incremental")
    generate(root / "sample", dossiers=1_500, start=date(2025, 4, 1), days=75, seed=11)
    files = discover(root / "sample")
    landing, warehouse = root / "landing", root / "warehouse.duckdb"
    for night in NIGHTS:
        for landed in files:
            target = landing / landed.relative
            if (landed.export_date is None or landed.export_date <= night) and not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(landed.path, target)
        built_warehouse(landing, warehouse)
    return warehouse


def full_refresh(landing: Path, warehouse: Path, copy: Path) -> Path:
    """`parwatch run --full-refresh` on a copy of `warehouse`, nothing new landed: every model
    rebuilt from all the raw rows."""
    shutil.copyfile(warehouse, copy)
    built_warehouse(landing, copy, full_refresh=True)
    assert query(copy, "select mode, reason from audit.dbt_builds order by started_at desc limit 1") == [
        ("full", "asked for (--full-refresh)")]
    return copy


@pytest.fixture(scope="module")
def refreshed(nightly, tmp_path_factory) -> Path:
    """The nightly warehouse rebuilt by `--full-refresh`, once for the tests that compare with it."""
    return full_refresh(nightly.parent / "landing", nightly, tmp_path_factory.mktemp("refreshed") / "refreshed.duckdb")


def relation_rows(con: duckdb.DuckDBPyConnection, database: str, schema: str, name: str) -> str:
    """A select of the relation's rows, doubles rounded (parallel sums may differ in the last bit)."""
    columns = con.execute("select column_name, data_type from duckdb_columns() where database_name = ? "
                          "and schema_name = ? and table_name = ? order by column_index",
                          [database, schema, name]).fetchall()
    select = ", ".join(f'round("{c}", 9)' if kind == "DOUBLE" else f'"{c}"' for c, kind in columns)
    return f'select {select} from {database}.{schema}."{name}"'


def test_the_nights_are_one_full_build_then_increments(nightly):
    built = query(nightly, "select mode, reason, succeeded from audit.dbt_builds order by started_at")
    assert [mode for mode, _, _ in built] == ["full", "incremental", "incremental", "incremental"]
    assert all(succeeded for _, _, succeeded in built)
    dossiers = query(nightly, "select count(*) from intermediate.int_dossiers")[0][0]
    for _, reason, _ in built[1:]:  # "N dossiers recomputed": some of the province, not all of it
        recomputed = int(reason.split()[0].replace(",", ""))
        assert 0 < recomputed < dossiers
    # the last night (into June) recomputed both kinds: changed dossiers whole, and dossiers pending
    # at the last build in the periods begun since only
    changed, moved = query(nightly, "select count(*) filter (where moved_since is null), "
                                    "count(*) filter (where moved_since is not null) "
                                    "from intermediate.int_dossier_changes")[0]
    assert changed > 0 and moved > 0
    # and it changed rows of periods it did not count again whole: their counts were merged in
    # (int_services__period_counts adds the new rows and takes off the old ones)
    signs = dict(query(nightly, "select sign, count(*) from intermediate.int_dossier_period_changes group by 1"))
    assert signs.get(-1, 0) > 0 and signs.get(1, 0) > 0


def attached(increments: Path, refreshed: Path) -> duckdb.DuckDBPyConnection:
    """A connection to both warehouses, read-only, as `increments` and `refreshed`."""
    con = duckdb.connect()
    con.execute(f"attach '{increments}' as increments (read_only)")
    con.execute(f"attach '{refreshed}' as refreshed (read_only)")
    return con


def differing(con: duckdb.DuckDBPyConnection, relations: list[tuple[str, str]]) -> dict[str, tuple[int, int]]:
    """The relations whose rows differ between `increments` and `refreshed`: the count of rows
    only in each."""
    found = {}
    for schema, name in relations:
        ours, theirs = (relation_rows(con, db, schema, name) for db in ("increments", "refreshed"))
        diff = tuple(con.execute(f"select count(*) from ({a} except all {b})").fetchone()[0]
                     for a, b in ((ours, theirs), (theirs, ours)))
        if diff != (0, 0):
            found[f"{schema}.{name}"] = diff
    return found


def test_increments_give_the_full_refresh_marts(nightly, refreshed):
    con = attached(nightly, refreshed)
    relations = [(schema, name) for schema, name in con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = 'refreshed' "
        "and schema_name in ('intermediate', 'marts') union all "
        "select schema_name, view_name from duckdb_views() where database_name = 'refreshed' "
        "and schema_name in ('intermediate', 'marts') order by 1, 2").fetchall() if name not in WORK_LISTS]
    assert {("intermediate", "int_dossiers"), ("intermediate", "int_dossier_periods"),
            ("intermediate", "int_services__period_counts"), ("marts", "fct_dossiers"),
            ("marts", "mart_dossier_progress"), ("marts", "mart_index_766")} <= set(relations)
    assert differing(con, relations) == {}


def test_each_night_publishes_only_the_changed_rows_and_readers_get_the_full_refresh_marts(nightly, refreshed):
    """After the first night, the serving file starts from the published one and replaces the rows
    of the recomputed and pending dossiers (lifecycle.publish): it must hold what a whole publish
    of a full refresh holds."""
    published = query(nightly, "select summary ->> 'published' from audit.runs where status = 'succeeded' "
                               "order by started_at")
    assert [p for (p,) in published] == ["every row"] + ["changed rows"] * (len(NIGHTS) - 1)
    con = attached(serving_path(nightly), serving_path(refreshed))
    relations = con.execute("select schema_name, table_name from duckdb_tables() where database_name = 'refreshed' "
                            "and schema_name = 'marts' order by 1, 2").fetchall()
    assert ("marts", "fct_dossiers") in relations
    assert differing(con, relations) == {}


def test_every_night_after_the_first_reparses_only_what_changed(nightly):
    """The increment's bounds reach dbt through audit.dbt_builds, not vars that change nightly."""
    logs = "".join(log.read_text(encoding="utf-8") for log in dbt_target_path(nightly).glob("dbt.log*"))
    assert logs.count("]: Running with dbt=") == len(NIGHTS)
    # the first build parses it all (its vars are not those of the install's `dbt parse`)
    assert logs.count("]: Partial parsing enabled: ") == len(NIGHTS) - 1


@pytest.fixture
def copied(nightly, tmp_path) -> duckdb.DuckDBPyConnection:
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(nightly, copy)
    with duckdb.connect(str(copy)) as con:
        yield con


def test_nothing_new_plans_an_increment_from_the_last_build(copied):
    plan = builds.plan_build(copied, None, MARTS_FINGERPRINT)
    last_as_of, last_loaded = copied.execute("select as_of, loaded_through from audit.dbt_builds "
                                             "order by started_at desc limit 1").fetchall()[0]
    assert not plan.full_refresh
    assert (plan.changed_since, plan.previous_as_of) == (last_loaded, last_as_of)


@pytest.mark.parametrize("change, reason", [
    ("another dbt project", "the dbt project changed"),
    ("an as_of", "an as_of was given"),
    ("a catalogue row", "raw.danhmuc_donvi has new rows"),
    ("a raw row removed", "raw.hoso lost 1 of the rows the last build saw"),
    ("an unfinished build", "the last build did not finish"),
    ("parwatch run --full-refresh", "asked for (--full-refresh)"),
])
def test_a_build_that_an_increment_cannot_follow_is_a_full_refresh(copied, change, reason):
    fingerprint, as_of = MARTS_FINGERPRINT, None
    if change == "another dbt project":
        fingerprint = "0" * 64
    elif change == "an as_of":
        as_of = "2025-05-01 00:00:00"
    elif change == "a catalogue row":
        copied.execute("insert into raw.danhmuc_donvi (agency_code, agency_name, _loaded_at) "
                       "values ('NEW', 'Đơn vị mới', ?)", [datetime.now()])
    elif change == "a raw row removed":
        copied.execute("delete from raw.hoso where rowid = (select min(rowid) from raw.hoso)")
    elif change == "an unfinished build":
        copied.execute("update audit.dbt_builds set succeeded = null "
                       "where started_at = (select max(started_at) from audit.dbt_builds)")
    plan = builds.plan_build(copied, as_of, fingerprint, asked=change == "parwatch run --full-refresh")
    assert plan.full_refresh and plan.reason == reason and plan.changed_since is plan.previous_as_of is None
