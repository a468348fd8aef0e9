"""Every way a run starts shares one lifecycle: a launch of the code location's job, as the UI, the
schedule or the sensor makes it (no run.py), plans once, keeps audit.runs and publishes the
serving file; the library's lifecycle functions on their own."""

from __future__ import annotations

import duckdb
import pytest
from conftest import query, write

from assets.automation.sensors import DIGEST_TAG, listing_digest
from assets.definitions import build_definitions
from pipelines import lifecycle
from pipelines.warehouse import create_tables

HEADER = "MaHoSo,MaTTHC,MaDonVi,KenhThucHien,NgayTiepNhan,NgayHenTra,TrangThaiHoSoId"
AGENCY = "000.00.16.H26"


@pytest.fixture(scope="module")
def launched(tmp_path_factory):
    """Two launches of the nightly job through the Dagster API, as the sensor would start them."""
    root = tmp_path_factory.mktemp("lifecycle")
    landing, warehouse = root / "landing", root / "wh.duckdb"
    write(landing / "hoso" / "hoso_H26_20250315.csv",
          f"{HEADER}\n{AGENCY}-250315-0001,1.001612,{AGENCY},2,15/03/2025 08:30,20/03/2025,4\n")
    job = build_definitions(landing, warehouse).resolve_job_def("parwatch_nightly")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PARWATCH_PII_KEY", "k" * 40)
        results = [job.execute_in_process(tags={DIGEST_TAG: listing_digest(landing)}, raise_on_error=False)
                   for _ in range(2)]
    return warehouse, results


def test_a_launch_without_the_cli_plans_once_records_its_run_and_publishes(launched):
    warehouse, (first, _) = launched
    assert first.success
    assert query(warehouse, "select run_id, status, files_seen from audit.runs order by started_at")[0] == (
        first.run_id, "succeeded", 1)
    assert query(warehouse, "select run_id, path, folder from audit.run_plan") == [
        (first.run_id, "hoso/hoso_H26_20250315.csv", "hoso")]
    published = {event.asset_key.to_user_string() for event in first.get_asset_materialization_events()}
    assert "warehouse/publish" in published
    serving = lifecycle.serving_path(warehouse)
    assert query(serving, "select dossier_code from marts.fct_dossiers") == [(f"{AGENCY}-250315-0001",)]
    assert query(serving, "select status from audit.runs") == [("succeeded",)]
    tables = {row for row in query(serving, "select table_schema, table_name from information_schema.tables")}
    assert {("audit", "quarantine"), ("audit", "file_manifest"), ("audit", "check_results")} <= tables
    assert {schema for schema, _ in tables} == {"marts", "audit"}
    assert "raw_record" not in {c for (c,) in query(serving, "select column_name from information_schema.columns "
                                                             "where table_name = 'quarantine'")}


def test_a_launch_with_nothing_new_plans_nothing_and_keeps_the_published_marts(launched):
    warehouse, (first, second) = launched
    assert second.success
    rows = query(warehouse, "select run_id, status from audit.runs order by started_at")
    assert rows == [(first.run_id, "succeeded"), (second.run_id, "unchanged")]  # one row per run
    assert query(warehouse, "select count(*) from audit.run_plan where run_id = ?", [second.run_id]) == [(0,)]
    built = {event.asset_key.path[0] for event in second.get_asset_materialization_events()}
    assert "marts" not in built and "warehouse" not in built


def test_begin_clears_what_a_killed_run_left_and_marks_it_killed(tmp_path):
    with duckdb.connect(str(tmp_path / "wh.duckdb")) as con:
        create_tables(con)
        con.execute("insert into audit.runs (run_id, status) values ('killed-run', 'running')")
        con.execute("create table raw._loading_hoso (x int)")
        lifecycle.begin(con, "next-run", tmp_path / "landing", files_seen=3)
        assert con.execute("select run_id, status from audit.runs order by run_id").fetchall() == [
            ("killed-run", "killed"), ("next-run", "running")]
        assert con.execute("select count(*) from duckdb_tables() where table_name like '%loading%'").fetchall() == [(0,)]


def test_the_serving_file_sits_beside_the_warehouse(tmp_path):
    assert lifecycle.serving_path(tmp_path / "warehouse.duckdb") == tmp_path / "warehouse.serving.duckdb"
