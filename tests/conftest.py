"""Shared fixtures: a PII key, and loading a landing folder through the real ingestion assets."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.ingestion.assets import ingestion_assets
from assets.resources import Landing, WarehouseRun
from pipelines.run import run_pipeline

TEST_KEY = "test-key-for-parwatch-" + "x" * 20


@pytest.fixture(autouse=True)
def pii_key_env(monkeypatch):
    monkeypatch.setenv("PARWATCH_PII_KEY", TEST_KEY)


def warehouse_run(landing: Path, warehouse: Path) -> WarehouseRun:
    return WarehouseRun(path=str(warehouse), landing=Landing(path=str(landing)))


def ingest(landing: Path, warehouse: Path) -> dg.ExecuteInProcessResult:
    """Materialise the ingestion assets over what the landing folder holds new, in one run."""
    return dg.materialize(ingestion_assets, resources={"warehouse_run": warehouse_run(landing, warehouse)})


def built_warehouse(landing: Path, warehouse: Path, as_of: str | None = None, full_refresh: bool = False) -> Path:
    """The whole pipeline (`parwatch run`'s job) over `landing` into `warehouse`, quietly, with the
    test key and an ephemeral Dagster instance; the test fails unless the marts were built."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PARWATCH_PII_KEY", TEST_KEY)
        patch.delenv("DAGSTER_HOME", raising=False)
        summary = run_pipeline(landing, warehouse, as_of=as_of, log=lambda message: None, full_refresh=full_refresh)
    assert summary.success, summary.failed_steps
    return warehouse


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path
