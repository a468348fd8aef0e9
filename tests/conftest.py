"""Shared fixtures: a PII key, and loading a landing folder through the real ingestion assets."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.ingestion.assets import ingestion_assets
from assets.resources import Landing, WarehouseRun

TEST_KEY = "test-key-for-parwatch-" + "x" * 20


@pytest.fixture(autouse=True)
def pii_key_env(monkeypatch):
    monkeypatch.setenv("PARWATCH_PII_KEY", TEST_KEY)


def warehouse_run(landing: Path, warehouse: Path) -> WarehouseRun:
    return WarehouseRun(path=str(warehouse), landing=Landing(path=str(landing)))


def ingest(landing: Path, warehouse: Path) -> dg.ExecuteInProcessResult:
    """Materialise the ingestion assets over what the landing folder holds new, in one run."""
    return dg.materialize(ingestion_assets, resources={"warehouse_run": warehouse_run(landing, warehouse)})


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path
