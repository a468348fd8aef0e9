"""How readers (the dashboard, the Parquet export) open the published warehouse: read-only, one
short connection at a time so a run is never blocked, and anew whenever a run has published a new
file. `open_read_only` is the one door: point it elsewhere and every reader follows."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.lifecycle import serving_path


class WarehouseUnavailable(RuntimeError):
    """The serving file is missing (no run has published yet) or cannot be opened."""


@contextmanager
def open_read_only(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    path = serving_path(warehouse)
    if not path.exists():
        raise WarehouseUnavailable(f"{path} does not exist (run `parwatch run` or `make demo` first)")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as error:
        raise WarehouseUnavailable(str(error)) from error
    try:
        con.execute("set enable_progress_bar = false")
        yield con
    finally:
        con.close()


@dataclass(frozen=True)
class Version:
    """The identity of one published file: a publish renames a new file over the old one (a new
    inode); a writer working in place changes the modification time or the size."""

    inode: int
    mtime_ns: int
    size: int


def version_of(warehouse: Path) -> Version:
    try:
        stat = os.stat(serving_path(warehouse))
    except FileNotFoundError:
        raise WarehouseUnavailable(f"{serving_path(warehouse)} does not exist") from None
    return Version(stat.st_ino, stat.st_mtime_ns, stat.st_size)


def read(warehouse: Path, sql: str, params: tuple = ()) -> pd.DataFrame:
    """One query on a connection closed at once (DuckDB lets no writer in while a reader holds it)."""
    with open_read_only(warehouse) as con:
        return con.execute(sql, list(params)).df()
