"""The Dagster code location loads whole: assets, checks, job, schedule and sensor."""

from __future__ import annotations

import json
from datetime import datetime

import dagster as dg

from conftest import write
from pipelines.automation import nightly_job
from pipelines.definitions import REPO, build_definitions, defs

LANDING_ASSETS = {("raw", folder) for folder in ("hoso", "tientrinh", "buuchinh", "thanhtoan", "danhmuc")}


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


def test_the_sensor_asks_for_one_run_over_the_new_files_export_dates(tmp_path):
    landing = tmp_path / "landing"
    write(landing / "hoso" / "hoso_H26_20250310.csv", "MaHoSo\n")
    write(landing / "thanhtoan" / "thanhtoan_2025-03-12.csv", "MaGiaoDich\n")
    sensor = build_definitions(landing, tmp_path / "wh.duckdb").resolve_sensor_def("landing_sensor")

    first = sensor(dg.build_sensor_context(cursor=None))
    assert [r.tags["dagster/asset_partition_range_start"] for r in first.run_requests] == ["2025-03-10"]
    assert first.run_requests[0].tags["dagster/asset_partition_range_end"] == "2025-03-12"

    unchanged = sensor(dg.build_sensor_context(cursor=first.cursor))
    assert isinstance(unchanged, dg.SkipReason)

    write(landing / "hoso" / "hoso_H26_20250320.csv", "MaHoSo\n")
    later = sensor(dg.build_sensor_context(cursor=first.cursor))
    assert later.run_requests[0].tags["dagster/asset_partition_range_start"] == "2025-03-20"
    assert later.run_requests[0].run_key != first.run_requests[0].run_key
    assert json.loads(later.cursor)["mtime"] >= json.loads(first.cursor)["mtime"]


def test_the_nightly_schedule_catches_up_the_last_week_at_one_in_the_morning():
    schedule = defs.resolve_schedule_def("nightly_schedule")
    assert schedule.cron_schedule == "0 1 * * *"
    context = dg.build_schedule_context(scheduled_execution_time=datetime.fromisoformat("2025-03-15T01:00:00+07:00"))
    request = schedule.evaluate_tick(context).run_requests[0]
    assert (request.tags["dagster/asset_partition_range_start"],
            request.tags["dagster/asset_partition_range_end"]) == ("2025-03-08", "2025-03-15")


def test_the_ui_instance_lets_one_writing_run_out_of_the_queue_at_a_time(tmp_path):
    (tmp_path / "dagster.yaml").write_text((REPO / "dagster_home" / "dagster.yaml").read_text())
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        limits = instance.get_concurrency_config().run_queue_config.tag_concurrency_limits
        assert {"key": "parwatch/writer", "limit": 1} in limits
        assert nightly_job.tags == {"parwatch/writer": "warehouse"}
