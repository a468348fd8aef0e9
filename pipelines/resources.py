"""Dagster resources: where the landing zone and the warehouse are."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import dagster as dg
import duckdb

from pipelines import warehouse


# DuckDB has one writer: every step that writes the warehouse runs in this Dagster pool (limit 1).
WRITER_POOL = "duckdb_writer"


class Warehouse(dg.ConfigurableResource):
    """The DuckDB file. Writers must run in the WRITER_POOL pool (one at a time)."""

    path: str

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        if read_only:
            with warehouse.connect(self.path, read_only=True) as con:
                yield con
            return
        # the lock keeps a run started from the UI and a `parwatch run` off the same file
        with warehouse.writer_lock(Path(self.path)), warehouse.connect(self.path) as con:
            warehouse.create_tables(con)
            yield con


class Landing(dg.ConfigurableResource):
    """The landing folder the exports are dropped into."""

    path: str
    pii_key_file: str | None = None  # the demo's local key file, when PARWATCH_PII_KEY is unset
