"""Shared fixtures: a PII key, and loading a landing folder through the real ingestion assets."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.ingestion import ingestion_assets
from pipelines.automation import export_date_range, range_tags
from pipelines.landing import discover
from pipelines.resources import Landing, Warehouse

TEST_KEY = "test-key-for-parwatch-" + "x" * 20


@pytest.fixture(autouse=True)
def pii_key_env(monkeypatch):
    monkeypatch.setenv("PARWATCH_PII_KEY", TEST_KEY)


def ingest(landing: Path, warehouse: Path) -> dg.ExecuteInProcessResult:
    """Materialise the ingestion assets over the landing folder's export dates, in one run."""
    span = export_date_range(discover(landing)) or (date(2025, 1, 1),) * 2
    return dg.materialize(
        ingestion_assets,
        resources={"landing": Landing(path=str(landing)), "warehouse": Warehouse(path=str(warehouse))},
        tags=range_tags(*span),
    )


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path
