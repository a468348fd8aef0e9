"""The dbt project itself: it parses, its dbt unit tests pass, and Dagster sees it as assets
downstream of the ingestion assets, with dbt tests as asset checks, building on an empty warehouse."""

import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.resources import Landing, WarehouseRun

REPO = Path(__file__).resolve().parent.parent
DBT_PROJECT = REPO / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"


def run_dbt(*args: str, warehouse: Path) -> subprocess.CompletedProcess:
    """Run the real dbt project on `warehouse`, with artifacts and logs beside it (tests in
    parallel never share dbt_project/target)."""
    scratch = warehouse.parent / "dbt"
    result = subprocess.run(
        [str(DBT), *args, "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT)],
        env={**os.environ, "PARWATCH_WAREHOUSE": str(warehouse),
             "DBT_TARGET_PATH": str(scratch / "target"), "DBT_LOG_PATH": str(scratch / "logs")},
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, f"dbt {' '.join(args)} failed:\n{result.stdout[-5000:]}"
    return result


@pytest.fixture(scope="module")
def built_by_dagster(tmp_path_factory) -> tuple[Path, dg.ExecuteInProcessResult]:
    """The Dagster dbt assets materialised on a warehouse without even the raw tables."""
    from assets.dbt.assets import dbt_resource, parwatch_dbt_assets

    warehouse = tmp_path_factory.mktemp("dbt_project") / "warehouse.duckdb"
    result = dg.materialize(
        [parwatch_dbt_assets],
        resources={"dbt": dbt_resource, "warehouse_run": WarehouseRun(path=str(warehouse), landing=Landing(path=str(warehouse.parent)))},
        run_config={"ops": {parwatch_dbt_assets.op.name: {"config": {"as_of": "2025-03-15 12:00"}}}},
    )
    return warehouse, result


def test_the_dbt_resource_reads_the_version_dbt_itself_reports():
    """The resource skips dagster-dbt's `dbt --version` subprocess: the version it reads from the
    installed dbt-core must be the one the dbt it runs prints."""
    from assets.dbt.assets import DBT_EXECUTABLE, dbt_resource

    printed = subprocess.run([str(DBT_EXECUTABLE), "--version"], capture_output=True, text=True, check=True).stdout
    assert re.search(r"installed:\s+(\S+)", printed).group(1) == str(dbt_resource._cli_version)


def test_dbt_parse(tmp_path):
    run_dbt("parse", warehouse=tmp_path / "warehouse.duckdb")
    manifest = json.loads((tmp_path / "dbt" / "target" / "manifest.json").read_text())
    models = {node["name"] for node in manifest["nodes"].values() if node["resource_type"] == "model"}
    assert {"fct_dossiers", "mart_dossier_progress", "mart_late_dossiers", "dim_calendar", "dim_agency",
            "dim_procedure"} <= models
    unit_tests = {test["name"] for test in manifest["unit_tests"].values()}
    assert {"timeliness_at_the_deadline_edge", "apology_in_the_history_makes_a_dossier_late",
            "carried_over_across_a_period_boundary", "quarter_is_not_the_sum_of_its_months",
            "working_days_over_tet", "a_period_sees_only_facts_dated_before_its_end",
            "the_appointment_is_read_from_the_version_of_the_period_end", "a_past_as_of_sees_no_later_version",
            "a_past_as_of_sees_no_later_step", "a_past_as_of_sees_no_later_transaction",
            "a_dissolved_districts_pending_dossier_counts_under_its_successor_in_july",
            "a_dissolved_agency_reports_under_its_first_living_successor",
            "half_day_and_hour_deadlines_over_a_weekend_and_tet", "every_supplementation_pause_is_deducted",
            "progress_766_supplementation_rules",
            "a_reappointed_dossier_is_late_from_the_appointment_it_missed"} <= unit_tests
    assert {exposure["label"] for exposure in manifest["exposures"].values()} >= {
        "Bảng điều hành CCHC tỉnh", "Báo cáo định kỳ Biểu 06", "Theo dõi thanh toán trực tuyến"}


def test_layers_run_one_way(tmp_path):
    """Staging reads sources, intermediate reads staging and intermediate, marts read intermediate
    only (never another mart): read from the manifest dbt writes."""
    run_dbt("parse", warehouse=tmp_path / "warehouse.duckdb")
    manifest = json.loads((tmp_path / "dbt" / "target" / "manifest.json").read_text())
    nodes = {key: node for key, node in manifest["nodes"].items() if node["resource_type"] == "model"}

    def layer(key: str) -> str:
        return Path(nodes[key]["original_file_path"]).parts[1]

    reads = {(layer(key), layer(parent)) for key, node in nodes.items()
             for parent in node["depends_on"]["nodes"] if parent in nodes}
    assert reads <= {("staging", "staging"), ("intermediate", "staging"), ("intermediate", "intermediate"),
                     ("marts", "intermediate")}, reads
    assert ("marts", "intermediate") in reads
    intermediate_folders = {Path(node["original_file_path"]).parts[2] for key, node in nodes.items()
                            if layer(key) == "intermediate"}
    assert {"dossiers", "services"} <= intermediate_folders


def test_dbt_unit_tests_pass(built_by_dagster):
    warehouse, _ = built_by_dagster  # unit tests read the column types of their inputs' relations
    result = run_dbt("test", "--select", "test_type:unit", warehouse=warehouse)
    assert int(re.search(r"PASS=(\d+)", result.stdout).group(1)) >= 16


def test_dagster_assets_sit_downstream_of_ingestion():
    from assets.dbt.assets import parwatch_dbt_assets

    upstream = set().union(*parwatch_dbt_assets.asset_deps.values()) - set(parwatch_dbt_assets.keys)
    assert upstream == {dg.AssetKey(["raw", name]) for name in ("hoso", "tientrinh", "buuchinh", "thanhtoan", "danhmuc")}
    assert dg.AssetKey(["marts", "mart_dossier_progress"]) in parwatch_dbt_assets.keys
    assert dg.AssetKey(["staging", "stg_postal__items"]) in parwatch_dbt_assets.keys
    assert parwatch_dbt_assets.group_names_by_key[dg.AssetKey(["intermediate", "int_periods"])] == "intermediate"
    assert parwatch_dbt_assets.op.pool == "duckdb_writer"
    checks = {spec.name for spec in parwatch_dbt_assets.check_specs
              if spec.asset_key == dg.AssetKey(["marts", "mart_dossier_progress"])}
    assert "mart_dossier_progress_identity" in checks


def test_dagster_builds_the_marts_on_an_empty_warehouse(built_by_dagster):
    warehouse, result = built_by_dagster
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert len(checks) > 100 and all(check.passed for check in checks)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select as_of from intermediate.int_as_of").fetchall() == [(datetime(2025, 3, 15, 12, 0),)]
        assert con.execute("select count(*) from marts.mart_dossier_progress").fetchall() == [(0,)]
