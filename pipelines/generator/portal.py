"""One big portal-format dossier CSV for benchmarks, written in chunks with bounded memory."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl

from pipelines.schemas import HOSO

from .exports import dossier_versions
from .landing import PORTAL_CSV, simulate_province
from .payments import payments
from .writers import render

CHUNK = 250_000
DAYS = 60  # simulated time of one chunk


def write_portal_hoso_csv(path: Path, rows: int, seed: int = 7) -> None:
    """`rows` dossiers (their latest state), UTF-8, comma, PascalCase headers. One chunk is
    simulated; later chunks replay it shifted in time (dossier codes re-dated), so codes never
    repeat and memory stays at one chunk."""
    start = date(2024, 1, 1)
    n = min(CHUNK, rows)
    sim, _ = simulate_province(n, start, DAYS, seed)
    paid, _tx = payments(sim, seed)
    base = dossier_versions(sim, paid, latest_only=True).drop("export_date")
    parts = pl.col("dossier_code").str.split("-")
    stamps = [c for c, t in base.schema.items() if t == pl.Datetime("us")]
    written, shift = 0, 0
    with Path(path).open("wb") as sink:
        while written < rows:
            chunk = base.head(rows - written)
            if shift:
                offset = timedelta(days=shift)
                chunk = chunk.with_columns(
                    pl.concat_str(parts.list.get(0), (parts.list.get(1).str.strptime(pl.Date, "%y%m%d") + offset)
                                  .dt.strftime("%y%m%d"), parts.list.get(2), separator="-").alias("dossier_code"),
                    *[pl.col(c) + offset for c in stamps])
            render(chunk, HOSO, PORTAL_CSV).write_csv(sink, include_header=written == 0)
            written += chunk.height
            shift += DAYS + 7
