"""The Dagster code location loads whole: assets, checks, job, schedule and sensor; every launch
path shares one run lifecycle (the WarehouseRun resource) and ends with the publish asset."""

from __future__ import annotations

import ast
from datetime import datetime
from pathlib import Path

import dagster as dg
from conftest import write

from assets.automation.jobs import nightly_job
from assets.automation.sensors import DIGEST_TAG
from assets.definitions import REPO, build_definitions, defs

LANDING_ASSETS = {("raw", folder) for folder in ("hoso", "tientrinh", "buuchinh", "thanhtoan", "danhmuc")}
PUBLISH = dg.AssetKey(["warehouse", "publish"])


def test_the_code_location_loads_every_definition():
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    keys = {tuple(key.path) for key in graph.get_all_asset_keys()}
    assert LANDING_ASSETS <= keys
    assert {("marts", name) for name in ("fct_dossiers", "mart_dossier_progress", "mart_online_payment",
                                         "mart_online_service", "mart_postal_service", "mart_digitisation",
                                         "mart_index_766", "mart_late_dossiers", "dim_calendar", "dim_agency",
                                         "dim_procedure")} <= keys
    checks = {(tuple(key.asset_key.path), key.name) for key in graph.asset_check_keys}
    assert {(("raw", "hoso"), "gx_hoso"), (("raw", "danhmuc"), "gx_danhmuc_donvi")} <= checks
    assert (("marts", "mart_dossier_progress"), "mart_dossier_progress_identity") in checks
    assert defs.resolve_job_def("parwatch_nightly") is not None
    assert defs.resolve_schedule_def("nightly_schedule").execution_timezone == "Asia/Ho_Chi_Minh"
    assert defs.resolve_sensor_def("landing_sensor") is not None


def test_every_writer_shares_one_pool():
    graph = defs.resolve_asset_graph()
    pools = {graph.get(key).pools and tuple(graph.get(key).pools) for key in graph.get_all_asset_keys()
             if graph.get(key).is_materializable}
    assert pools == {("duckdb_writer",)}


def test_the_job_ends_with_publish_after_every_mart_and_every_step_uses_the_run_resource():
    job = defs.resolve_job_def("parwatch_nightly")
    assert PUBLISH in job.asset_layer.selected_asset_keys
    graph = defs.resolve_asset_graph()
    marts = {key for key in graph.get_all_asset_keys() if key.path[0] == "marts"}
    assert marts and marts <= set(graph.get(PUBLISH).parent_keys)
    assert not graph.get(PUBLISH).child_keys  # terminal
    for key in graph.get_all_asset_keys():
        if key.path[0] in ("raw", "warehouse"):
            assert "warehouse_run" in graph.assets_def_for_key(key).required_resource_keys, key
    assert job.executor_def is dg.in_process_executor  # setup and teardown once per run


def test_the_sensor_asks_for_one_run_per_new_listing_and_passes_its_digest(tmp_path):
    landing = tmp_path / "landing"
    write(landing / "hoso" / "hoso_H26_20250310.csv", "MaHoSo\n")
    write(landing / "thanhtoan" / "thanhtoan_2025-03-12.csv", "MaGiaoDich\n")
    sensor = build_definitions(landing, tmp_path / "wh.duckdb").resolve_sensor_def("landing_sensor")

    first = sensor(dg.build_sensor_context(cursor=None))
    [request] = first.run_requests
    assert request.tags[DIGEST_TAG] == first.cursor
    assert "dagster/asset_partition_range_start" not in request.tags  # the run's plan finds what is new

    unchanged = sensor(dg.build_sensor_context(cursor=first.cursor))
    assert isinstance(unchanged, dg.SkipReason)

    write(landing / "hoso" / "hoso_H26_20250320.csv", "MaHoSo\n")
    later = sensor(dg.build_sensor_context(cursor=first.cursor))
    assert later.run_requests[0].run_key != request.run_key
    assert later.cursor != first.cursor


def test_the_nightly_schedule_starts_one_run_at_one_in_the_morning():
    schedule = defs.resolve_schedule_def("nightly_schedule")
    assert schedule.cron_schedule == "0 1 * * *"
    context = dg.build_schedule_context(scheduled_execution_time=datetime.fromisoformat("2025-03-15T01:00:00+07:00"))
    [request] = schedule.evaluate_tick(context).run_requests
    assert request.run_key == "nightly-2025-03-15"


def test_the_ui_instance_lets_one_writing_run_out_of_the_queue_at_a_time(tmp_path):
    (tmp_path / "dagster.yaml").write_text((REPO / "dagster_home" / "dagster.yaml").read_text())
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        limits = instance.get_concurrency_config().run_queue_config.tag_concurrency_limits
        assert {"key": "parwatch/writer", "limit": 1} in limits
        assert nightly_job.tags == {"parwatch/writer": "warehouse"}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_the_library_never_imports_dagster_nor_the_code_location():
    # the two launchers call the code location; everything else in pipelines/ stays plain Python
    launchers = {REPO / "pipelines" / "cli.py", REPO / "pipelines" / "run.py"}
    offenders = {
        str(path.relative_to(REPO)): sorted(name for name in _imports(path)
                                            if name.split(".")[0] in ("dagster", "dagster_dbt", "assets"))
        for path in (REPO / "pipelines").rglob("*.py") if path not in launchers
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_marts_fingerprint_follows_the_dbt_projects_files_not_its_build_output(tmp_path):
    from assets.dbt.assets import marts_fingerprint

    write(tmp_path / "dbt_project.yml", "name: p\n")
    model = write(tmp_path / "models" / "marts" / "m.sql", "select 1 as x\n")
    before = marts_fingerprint(tmp_path)
    write(tmp_path / "target" / "manifest.json", "{}")
    assert marts_fingerprint(tmp_path) == before
    model.write_text("select 2 as x\n")
    assert marts_fingerprint(tmp_path) != before
